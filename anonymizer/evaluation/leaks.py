"""When a gold span leaks, and how precise the replacements are by overlap.

The leak rule (what a reader of the output can still see of a gold span):

* a span leaks when no character of it is replaced;
* it also leaks when a part left visible holds a capital letter or a digit
  (``[LOC_1] Hage``, ``[PNR_1]58``);
* a name (PER, LOC, ORG) written in lower case also leaks when a visible part holds a
  word of two letters or more (``lisa [PER_1]``).

So ``[PER_1]s`` for "Idas", ``[ORG_1] i [LOC_1]`` and ``[ORG_1] gymnasiet`` do not leak.
The older, stricter *character* rule (:func:`char_leaks`) counts a span as leaked unless
every character of it is replaced; it is reported beside the new one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from anonymizer.merge import covered_ranges as merged_ranges

CharSpan = tuple[int, int, str]  # start, end (exclusive), label
Range = tuple[int, int]

#: Labels counted together as "identifiers" in the reports.
IDENTIFIER_LABELS = ("PNR", "PHONE", "EMAIL", "BANK", "ORGNR", "REG", "IP", "URL")
#: Labels whose lower-case visible words still leak (a name written in lower case).
NAME_LABELS = frozenset({"PER", "LOC", "ORG"})

_WORD = re.compile(r"[^\W\d_]{2,}")


def covered_ranges(spans: Iterable[CharSpan]) -> list[Range]:
    """The union of the character ranges of ``spans``; touching ranges merge."""
    return merged_ranges((start, end) for start, end, _ in spans)


def visible_parts(start: int, end: int, ranges: Sequence[Range]) -> list[Range]:
    """The parts of ``start:end`` outside the sorted, disjoint ``ranges``."""
    parts: list[Range] = []
    index = max(0, bisect_right(ranges, (start, end)) - 1)
    position = start
    for first, last in ranges[index:]:
        if first >= end:
            break
        if last <= position:
            continue
        if first > position:
            parts.append((position, first))
        position = max(position, last)
    if position < end:
        parts.append((position, end))
    return parts


def leaks_visibly(text: str, span: CharSpan, ranges: Sequence[Range]) -> bool:
    """Whether ``span`` of ``text`` leaks under the leak rule, given the replaced ``ranges``."""
    start, end, label = span
    parts = visible_parts(start, end, ranges)
    if not parts:
        return False
    if parts == [(start, end)]:
        return True
    lower_name = label in NAME_LABELS and not any(c.isupper() for c in text[start:end])
    for first, last in parts:
        seen = text[first:last]
        if any(c.isupper() or c.isdigit() for c in seen):
            return True
        if lower_name and _WORD.search(seen):
            return True
    return False


def visible_leaks(text: str, gold: Iterable[CharSpan], predicted: Iterable[CharSpan]) -> list[CharSpan]:
    """Gold spans of ``text`` that leak under the leak rule, left to right."""
    ranges = covered_ranges(predicted)
    return [span for span in sorted(gold) if leaks_visibly(text, span, ranges)]


def char_leaks(gold: Iterable[CharSpan], predicted: Iterable[CharSpan]) -> list[CharSpan]:
    """Gold spans not completely inside the union of the predicted ranges (the character rule)."""
    ranges = covered_ranges(predicted)
    starts = [start for start, _ in ranges]
    leaked = []
    for span in sorted(gold):
        start, end, _ = span
        index = bisect_right(starts, start) - 1
        if index < 0 or ranges[index][1] < end:
            leaked.append(span)
    return leaked


def overlapping(gold: Iterable[CharSpan], predicted: Iterable[CharSpan]) -> list[CharSpan]:
    """The predicted spans that overlap some gold span (of any label)."""
    ranges = covered_ranges(gold)
    return [span for span in predicted if visible_parts(span[0], span[1], ranges) != [span[:2]]]
