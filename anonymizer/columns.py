"""Whole-column operators: a column that is all names or all identifiers, replaced
value by value without trusting detection.

Each value of such a column is one entity of the column's label, replaced by the
operator of ``[operators.LABEL]`` (numbered, pseudonymised or encrypted like any other),
and the rest of its row learns it: a name in a ``namn`` column is also replaced where
the row's text columns mention it. Whole columns are read before the detected ones, so
"Anna" in the text gets the number of "Anna Lind" in the name column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from anonymizer.errors import OPTION, UsageError

_LABEL = re.compile(r"[A-Z][A-Z0-9_]*")


def check_whole_columns(whole: Mapping[str, str], *, columns: Sequence[str] = ()) -> dict[str, str]:
    """``whole`` (column -> label) with labels upper-cased; a UsageError for a bad label
    or for a column that is also in ``columns`` (the columns whose text is detected)."""
    checked: dict[str, str] = {}
    for column, label in whole.items():
        label = label.strip().upper()
        if not _LABEL.fullmatch(label):
            raise UsageError(
                f"column {column!r}: {label!r} is not a label (letters, digits and _, e.g. PER or PNR)",
                option="whole_columns",
            )
        if column in columns:
            raise UsageError(
                f"column {column!r} is both redacted by detection and replaced whole ({OPTION}); choose one",
                option="whole_columns",
            )
        checked[column] = label
    return checked


def parse_pairs(values: Iterable[str]) -> dict[str, str]:
    """``["namn=PER", "pnr=PNR"]`` -> ``{"namn": "PER", "pnr": "PNR"}`` (split at the last ``=``)."""
    pairs: dict[str, str] = {}
    for value in values:
        column, sep, label = value.rpartition("=")
        if not sep or not column or not label:
            raise UsageError(f"{OPTION} takes COLUMN=LABEL, e.g. namn=PER", option="whole_columns")
        if column in pairs:
            raise UsageError(f"column {column!r} is given twice ({OPTION})", option="whole_columns")
        pairs[column] = label
    return pairs
