"""Limits on one record, shared by the readers and the pipeline. Imports nothing of the package.

Detection is linear in a record's length, but its memory is too: about 50 bytes per
character without the tagger. A record over :data:`MAX_RECORD_CHARS` is refused with an
error that names it, before it is held whole, instead of running the machine out of
memory.
"""

from __future__ import annotations

import math

#: The most characters one record may hold: a CSV or JSON Lines line (or quoted multi-line
#: record), a text paragraph, a Parquet cell.
MAX_RECORD_CHARS = 50_000_000

#: Default time limit on detecting one record, in seconds for each started million
#: characters (a record of 3.5 million gets 3.5 times this); see :mod:`anonymizer.deadline`.
DEFAULT_RECORD_TIMEOUT = 300.0
#: The longest time limit that can be set (about 11.6 days per million characters); a
#: longer one would overflow the system timer. ``0`` or ``None`` mean no limit.
MAX_RECORD_TIMEOUT = 1_000_000.0


def check_record_timeout(seconds: float | None) -> str | None:
    """Why ``seconds`` cannot be a record time limit (NaN, infinite, negative, too long), or ``None``."""
    if seconds is None:
        return None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_RECORD_TIMEOUT:
        most = f"{MAX_RECORD_TIMEOUT:,.0f}"
        return f"the record time limit must be a number of seconds from 0 to {most}, not {seconds!r}"
    return None


def too_long(where: str, *, chars: int | None = None) -> str:
    """The message for a record over the limit; ``where`` names file and line or row."""
    size = f" ({chars:,} characters)" if chars is not None else ""
    return (
        f"{where}: the record is longer than {MAX_RECORD_CHARS:,} characters{size}, the most one "
        "record may hold; split it into smaller records (paragraphs, rows) first"
    )
