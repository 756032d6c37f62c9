"""The user's allow and deny lists (``[lists.allow]``, ``[lists.deny]`` in TOML).

A deny-listed term is always redacted with its label, wherever it occurs as whole
words; an allow-listed term is never redacted under its label, whoever found it.
Both compare case- and spacing-insensitively (``config.normalise_term``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from anonymizer.config import normalise_term
from anonymizer.span import Span

DETECTOR = "rule:deny"


class DenyListDetector:
    name = "deny-list"

    def __init__(self, terms: Mapping[str, Sequence[str]]) -> None:
        self.labels = frozenset(terms)
        self._patterns = [
            (label, re.compile(_whole_words(values), re.IGNORECASE))
            for label, values in terms.items()
            if values
        ]

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [
            [
                Span(m.start(), m.end(), label, 1.0, DETECTOR)
                for label, pattern in self._patterns
                for m in pattern.finditer(text)
            ]
            for text in texts
        ]


def _whole_words(terms: Iterable[str]) -> str:
    ordered = sorted({" ".join(term.split()) for term in terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in ordered)
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


def drop_allowed(text: str, spans: Iterable[Span], allow: Mapping[str, frozenset[str]]) -> list[Span]:
    """``spans`` without those whose surface is allow-listed for their label (deny-list spans stay)."""
    if not allow:
        return list(spans)
    return [
        span
        for span in spans
        if span.detector == DETECTOR
        or normalise_term(text[span.start : span.end]) not in allow.get(span.label, ())
    ]
