"""Checks that tell a date or a year from a fraction, a reference or a street number
(used by the time rules' patterns, :mod:`anonymizer.detectors.time`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from anonymizer.detectors.alternation import alternation
from anonymizer.lexicon import load_lexicon

_TIME = load_lexicon().time


def _words(words: Iterable[str]) -> str:
    return alternation(words, space=r"[^\S\n]+")


_FRACTIONS = frozenset({("2", "3"), ("3", "4"), ("24", "7")})


def not_a_fraction(match: re.Match[str]) -> bool:
    """``1/12``, ``3/4`` and ``24/7`` are not dates unless a year or "den" says so."""
    if match["year"] or match["den"]:
        return True
    day, month = match["d"].lstrip("0"), match["m"].lstrip("0")
    return day != "1" and (day, month) not in _FRACTIONS


_REFERENCE_BEFORE = re.compile(r"(?<!\w)(?:nr|EU|EG|EEG|SFS)\)?[^\S\n]*\Z", re.IGNORECASE)


# Words after which a number is a reference, an account or a code, not a year.
_CODE_BEFORE = re.compile(
    rf"(?<!\w)(?:{_words(_TIME.reference_words)}|§)\.?\)?[^\S\n]*[:#]?[^\S\n]*\Z", re.IGNORECASE
)
# A street name before a number makes it a street number ("Storgatan 2004").
_STREET_BEFORE = re.compile(rf"{_words(_TIME.street_endings)}[^\S\n]+\Z", re.IGNORECASE)


def is_bare_year(match: re.Match[str]) -> bool:
    """A lone 1920-2039 that no reference word, street name, number or ``(`` of a statute precedes."""
    before = match.string[max(0, match.start() - 12) : match.start()]
    if _CODE_BEFORE.search(before) or _STREET_BEFORE.search(before):
        return False
    return not before.rstrip().endswith(("(", "+", "#"))


def is_year_range(match: re.Match[str]) -> bool:
    """2019-20 and 1995-2000, but not "(EU) 2016/2031" or "nr 2010-2015"."""
    if _REFERENCE_BEFORE.search(match.string, max(0, match.start() - 8), match.start()):
        return False
    first, second = int(match["y1"]), match["y2"]
    if len(second) == 2:  # 2019-20, 1995/96; 2021-03 is a month
        return 0 < (int(second) - first) % 100 <= 30
    return first < int(second) <= first + 300
