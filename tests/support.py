"""Test doubles shared by the unit tests (importable as ``support``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from anonymizer.config import Config, OperatorSpec
from anonymizer.span import Span


class FakeDetector:
    """Tags every capitalised word found in ``names`` with its label (no model)."""

    name = "fake"

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.labels = frozenset(names.values())
        self.calls: list[int] = []

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        self.calls.append(len(texts))
        return [
            [
                Span(m.start(), m.end(), self.names[m.group()], 0.99, "ner")
                for m in re.finditer(r"\w+", text)
                if m.group() in self.names
            ]
            for text in texts
        ]


def make_config(**operators: OperatorSpec) -> Config:
    table = {"DEFAULT": OperatorSpec("placeholder", "[{label}_{n}]"), **operators}
    return Config(entities=frozenset({"PER", "LOC", "ORG", "TME"}), operators=table)
