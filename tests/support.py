"""Test doubles shared by the unit tests (importable as ``support``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from anonymizer.config import Config, OperatorSpec
from anonymizer.span import Rank, Span


def flair_dictionary(items: Iterable[str], *, unknown: bool) -> Any:
    """A Flair ``Dictionary`` of ``items`` (characters or tags), for tiny test models."""
    from flair.data import Dictionary

    dictionary = Dictionary(add_unk=unknown)
    for item in items:
        dictionary.add_item(item)
    return dictionary


class FakeDetector:
    """Tags every capitalised word found in ``names`` with its label (no model)."""

    name = "fake"
    rank = Rank.MODEL  # stands in for the tagger

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.labels = frozenset(names.values())
        self.calls: list[int] = []

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        self.calls.append(len(texts))
        return [
            [
                Span(m.start(), m.end(), self.names[m.group()], 0.99, "ner", rank=Rank.MODEL)
                for m in re.finditer(r"\w+", text)
                if m.group() in self.names
            ]
            for text in texts
        ]


def spans_of(text: str, *words: tuple[str, str]) -> list[Span]:
    """Spans of ``words`` (surface, label), found left to right in ``text``."""
    found, cursor = [], 0
    for word, label in words:
        start = text.index(word, cursor)
        found.append(Span(start, start + len(word), label, rank=Rank.MODEL))
        cursor = start + len(word)
    return found


def make_config(**operators: OperatorSpec) -> Config:
    table = {"DEFAULT": OperatorSpec("placeholder", {"template": "[{label}_{n}]"}), **operators}
    return Config(entities=frozenset({"PER", "LOC", "ORG", "TME"}), operators=table)


# Checksums of the gold and synthetic identifiers, written independently of anonymizer.validators.


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def pnr_ok(text: str) -> bool:
    """A personnummer or samordningsnummer (day + 60) in any spelling: real month/day and Luhn."""
    from anonymizer.validators import luhn_valid

    all_digits = digits_of(text)
    ten = all_digits[-10:]
    if len(all_digits) not in (10, 12):
        return False
    month, day = int(ten[2:4]), int(ten[4:6])
    day -= 60 if day > 60 else 0
    return 1 <= month <= 12 and 1 <= day <= 31 and luhn_valid(ten)


def orgnr_ok(text: str) -> bool:
    """An organisationsnummer, also inside a VAT number ``SE<10 digits>01``: third digit >= 2, Luhn."""
    from anonymizer.validators import luhn_valid

    all_digits = digits_of(text)
    ten = all_digits[:10] if text.startswith("SE") else all_digits[-10:]
    return len(ten) == 10 and int(ten[2]) >= 2 and luhn_valid(ten)


def iban_ok(text: str) -> bool:
    """ISO 13616: the rearranged number, letters as 10..35, is 1 modulo 97."""
    compact = text.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    return int("".join(str(int(char, 36)) for char in compact[4:] + compact[:4])) % 97 == 1
