"""The user's allow and deny lists (``[lists.allow]``, ``[lists.deny]`` in TOML).

A deny-listed term is always redacted with its label, wherever it occurs as whole
words; an allow-listed term is never redacted under its label, whoever found it.
Both compare text as ``anonymizer.normalise`` does: NFKC (so NFD text, as macOS
writes it, matches), case-folded, spacing ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from anonymizer.normalise import fold_with_offsets, normalise
from anonymizer.span import Rank, Span

DETECTOR = "rule:deny"


class DenyListDetector:
    name = "deny-list"
    rank = Rank.DENY

    def __init__(self, terms: Mapping[str, Sequence[str]]) -> None:
        self.labels = frozenset(terms)
        self._patterns = [
            (label, re.compile(_whole_words(values))) for label, values in terms.items() if values
        ]

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        """Matches in the folded text, mapped back to whole characters of ``text``."""
        if not self._patterns:
            return []
        folded, starts, ends = fold_with_offsets(text)
        return [
            Span(starts[m.start()], ends[m.end() - 1], label, 1.0, DETECTOR, rank=self.rank)
            for label, pattern in self._patterns
            for m in pattern.finditer(folded)
        ]


def _whole_words(terms: Iterable[str]) -> str:
    ordered = sorted({normalise(term) for term in terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in ordered)
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


def drop_allowed(text: str, spans: Iterable[Span], allow: Mapping[str, frozenset[str]]) -> list[Span]:
    """``spans`` without those whose surface is allow-listed for their label (deny-list spans stay).

    ``allow`` holds normalised terms (``Config.allow``).
    """
    if not allow:
        return list(spans)
    return [
        span
        for span in spans
        if span.rank is Rank.DENY or normalise(text[span.start : span.end]) not in allow.get(span.label, ())
    ]
