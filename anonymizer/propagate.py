"""Mention propagation: a name found once is replaced wherever it recurs in the document.

The tagger may find "Per Andersson" but miss "Per" two sentences later, or find
"Anna" in one paragraph and miss her in the next. Every person, place and
organisation span adds its surface form to the document's mentions, and a person's
capitalised name parts too ("Per", "Andersson"); each later occurrence of a mention
(also in the genitive: "Annas" -> "[PER_1]s") becomes a span of the same label.
Pure functions over a mutable per-document ``Mentions`` table, like ``Numbering``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from anonymizer.span import Span

PROPAGATED_LABELS = frozenset({"PER", "LOC", "ORG"})
DETECTOR = "rule:propagation"
SCORE_FACTOR = 0.9

# Words the tagger sometimes includes in a person span that are not names themselves.
NOT_NAME_PARTS = frozenset(
    """
    hej hejsan hallå kära käre bästa tack hälsningar mvh dr doktor herr fru fröken prof professor
    patienten patient sjuksköterska syster överläkare läkare advokat kommissarie pastor kyrkoherde
    statsminister minister ministern landshövding vd ordförande talman riksdagsledamot st
    """.split()  # noqa: SIM905
)


@dataclass
class Mentions:
    """Surface form -> (label, score, full form) of the entities found so far in one document.

    The full form of a name part ("Per") is the name it was taken from ("Per
    Andersson"), so both can share one placeholder number.
    """

    table: dict[str, tuple[str, float, str]] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def add(self, surface: str, label: str, score: float, *, full_form: str | None = None) -> None:
        if surface not in self.table:
            self.table[surface] = (label, score, full_form or surface)
            self._pattern = None

    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.table:
            alternatives = "|".join(re.escape(s) for s in sorted(self.table, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?=s?(?!\w))")
        return self._pattern


def learn(text: str, spans: Iterable[Span], mentions: Mentions) -> None:
    """Add the mentions that ``spans`` of ``text`` establish."""
    for span in spans:
        if span.label not in PROPAGATED_LABELS:
            continue
        surface = text[span.start : span.end]
        mentions.add(surface, span.label, span.score)
        if span.label == "PER":
            for part in re.findall(r"[^\W\d_][\w'-]*", surface):
                if len(part) > 1 and part[0].isupper() and part.lower() not in NOT_NAME_PARTS:
                    mentions.add(part, "PER", span.score, full_form=surface)


def find_mentions(text: str, spans: Sequence[Span], mentions: Mentions) -> list[Span]:
    """Occurrences of known mentions in ``text`` that no span in ``spans`` already touches."""
    pattern = mentions.pattern()
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text):
        candidate_start, candidate_end = match.span()
        if any(s.start < candidate_end and candidate_start < s.end for s in spans):
            continue
        label, score, _ = mentions.table[match.group()]
        found.append(Span(candidate_start, candidate_end, label, round(score * SCORE_FACTOR, 4), DETECTOR))
    return found
