"""Mention propagation: a name found once is replaced wherever it recurs in the document.

The tagger may find "Per Andersson" but miss "Per" two sentences later, or find
"Anna" in one paragraph and miss her in the next. Every person, place and
organisation span adds its surface form to the document's mentions, and a person's
capitalised name parts too ("Per", "Andersson"), and the place of a care unit named
after one ("Jakobsberg" of "BVC Jakobsberg"); each later occurrence of a mention
(also in the genitive: "Annas" -> "[PER_1]s") becomes a span of the same label, but
for organisations (``EMITTED_LABELS``).
Pure functions over a mutable per-document ``Mentions`` table, like ``Numbering``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from anonymizer.lexicon import load_lexicon
from anonymizer.span import Rank, Span

PROPAGATED_LABELS = frozenset({"PER", "LOC", "ORG"})
# Labels whose later occurrences become spans. An organisation is learned (so that its
# name is not propagated as a person, and its genitive is trimmed) but not looked for
# again: on the shared training and dev documents and tests/data/gold, every organisation
# span propagation added overlapped no gold span (0 of 16), while the tagger, reading
# each occurrence in its own sentence, finds the real ones.
EMITTED_LABELS = frozenset({"PER", "LOC"})
DETECTOR = "rule:propagation"
RANK = Rank.LIST  # with the name lists: below the tagger and the rules
SCORE_FACTOR = 0.9
# Longer spans (a fused run of names, a title) are not looked for again as a whole: the
# lookup at each word of a record costs up to this many dictionary probes.
MAX_MENTION_WORDS = 12

# Words the tagger sometimes includes in a person span that are not names themselves.
_LEXICON = load_lexicon()
NOT_NAME_PARTS = _LEXICON.not_name_parts
# Nor are titles and car makes, which rules take in with a name ("ST-läkare Eva Ek", "Kia Ek").
_NOT_PROPAGATED = NOT_NAME_PARTS | _LEXICON.titles | _LEXICON.vehicle_makes
# Care and school units named after a place ("BVC Jakobsberg"): the place recurs alone.
UNIT_WORDS = _LEXICON.unit_words


_WORD = re.compile(r"\w+(?:[-:'\u2019]\w+)*")


@dataclass
class Mentions:
    """The entities found so far in one document, keyed by their words joined by one space.

    Each entry is (label, score, full form): the full form of a name part ("Per") is
    the name it was taken from ("Per Andersson"), so both can share one placeholder
    number. Lookup is by word n-grams, so a document with thousands of names costs
    dictionary lookups, not a regular expression with thousands of alternatives.
    """

    table: dict[str, tuple[str, float, str]] = field(default_factory=dict)
    longest: int = 0  # words in the longest mention

    def add(self, surface: str, label: str, score: float, *, full_form: str | None = None) -> bool:
        """Record a mention; False if it was known already (the first sighting wins)."""
        words = _WORD.findall(surface)
        key = " ".join(words)
        if not key or key in self.table or len(words) > MAX_MENTION_WORDS:
            return False
        self.table[key] = (label, score, full_form or surface)
        self.longest = max(self.longest, len(words))
        return True


def learn(text: str, spans: Iterable[Span], mentions: Mentions) -> list[tuple[str, str]]:
    """Add the mentions that ``spans`` of ``text`` establish.

    Returns the new name parts with the full name each came from, ``("Per", "Per
    Andersson")``, so the caller can give both one placeholder number.
    """
    new_parts = []
    for span in spans:
        if span.label not in PROPAGATED_LABELS:
            continue
        surface = text[span.start : span.end]
        mentions.add(surface, span.label, span.score)
        if span.label == "PER":
            for part in filter(_is_name_part, _WORD.findall(surface)):
                if mentions.add(part, "PER", span.score, full_form=surface):
                    new_parts.append((part, surface))
        elif span.label == "ORG":
            words = _WORD.findall(surface)
            place = words[1:]
            if place and words[0].casefold() in UNIT_WORDS and all(word[0].isupper() for word in place):
                mentions.add(" ".join(place), "LOC", span.score)
    return new_parts


def _is_name_part(word: str) -> bool:
    """A capitalised word that is none of :data:`_NOT_PROPAGATED`, whole or as a compound's
    last part ("ST-läkare")."""
    folded = word.lower()
    return len(word) > 1 and word[0].isupper() and not {folded, folded.rsplit("-", 1)[-1]} & _NOT_PROPAGATED


def find_mentions(text: str, spans: Sequence[Span], mentions: Mentions) -> list[Span]:
    """Occurrences of known mentions in ``text`` that no span in ``spans`` already touches.

    Longest mention first at each word; a trailing genitive ``s`` stays outside the span.
    """
    if not mentions.table:
        return []
    taken = _covered(spans)
    words = list(_WORD.finditer(text))
    reach = _reaches(text, words, mentions.longest)
    found: list[Span] = []
    index = 0
    while index < len(words):
        hit = _mention_at(text, words, index, reach[index], mentions)
        if hit is None:
            index += 1
            continue
        count, start, end, (label, score, _) = hit
        if label in EMITTED_LABELS and not taken.touches(start, end):
            found.append(Span(start, end, label, round(score * SCORE_FACTOR, 4), DETECTOR, rank=RANK))
        index += count
    return found


@dataclass(frozen=True, slots=True)
class _Covered:
    """Disjoint, sorted intervals; :meth:`touches` is a binary search, so checking every
    mention of a long record costs O(log n) each, not a scan of all its spans."""

    starts: list[int]
    ends: list[int]

    def touches(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self.ends, start)  # the first interval ending after start
        return index < len(self.starts) and self.starts[index] < end


def _covered(spans: Iterable[Span]) -> _Covered:
    starts: list[int] = []
    ends: list[int] = []
    for span in sorted(spans, key=lambda s: s.start):
        if ends and span.start < ends[-1]:
            ends[-1] = max(ends[-1], span.end)
        else:
            starts.append(span.start)
            ends.append(span.end)
    return _Covered(starts, ends)


def trim_genitives(text: str, spans: Iterable[Span], mentions: Mentions) -> list[Span]:
    """``spans`` with a genitive ``s`` left outside where the stem is a known mention.

    The tagger often tags "Eriks" whole; when "Erik" is known in the document, the span
    becomes "Erik", so it shares Erik's placeholder: "[PER_1]s mamma".
    """
    trimmed = []
    for span in spans:
        surface = text[span.start : span.end]
        if span.label in PROPAGATED_LABELS and len(surface) > 2 and surface.endswith("s"):
            known = mentions.table.get(" ".join(_WORD.findall(surface[:-1])))
            if known is not None and known[0] == span.label:
                span = replace(span, end=span.end - 1)
        trimmed.append(span)
    return trimmed


def _mention_at(
    text: str, words: list[re.Match[str]], index: int, reach: int, mentions: Mentions
) -> tuple[int, int, int, tuple[str, float, str]] | None:
    """The longest known mention starting at ``words[index]``; ``reach`` words follow it
    with only whitespace between (so "Anna, Lind" is not "Anna Lind")."""
    for count in range(min(mentions.longest, reach + 1), 0, -1):
        run = words[index : index + count]
        key = " ".join(word.group() for word in run)
        start, end = run[0].start(), run[-1].end()
        if key in mentions.table:
            return count, start, end, mentions.table[key]
        if key.endswith("s") and key[:-1] in mentions.table:
            return count, start, end - 1, mentions.table[key[:-1]]
    return None


def _reaches(text: str, words: Sequence[re.Match[str]], longest: int) -> list[int]:
    """For each word, how many of the next words (up to ``longest - 1``) follow it with only
    whitespace between: one pass from the right, instead of re-checking each run's gaps."""
    reach = [0] * len(words)
    for index in range(len(words) - 2, -1, -1):
        if text[words[index].end() : words[index + 1].start()].isspace():
            reach[index] = min(reach[index + 1] + 1, longest - 1)
    return reach
