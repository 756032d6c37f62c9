"""Limits on one record, shared by the readers and the pipeline. Imports nothing.

Detection is linear in a record's length, but its memory is too: about 50 bytes per
character without the tagger. A record over :data:`MAX_RECORD_CHARS` is refused with an
error that names it, before it is held whole, instead of running the machine out of
memory.
"""

from __future__ import annotations

#: The most characters one record may hold: a CSV or JSON Lines line (or quoted multi-line
#: record), a text paragraph, a Parquet cell.
MAX_RECORD_CHARS = 50_000_000

#: Default time limit on detecting one record, in seconds for each started million
#: characters (a record of 3.5 million gets 3.5 times this); see :mod:`anonymizer.deadline`.
DEFAULT_RECORD_TIMEOUT = 300.0


def too_long(where: str, *, chars: int | None = None) -> str:
    """The message for a record over the limit; ``where`` names file and line or row."""
    size = f" ({chars:,} characters)" if chars is not None else ""
    return (
        f"{where}: the record is longer than {MAX_RECORD_CHARS:,} characters{size}, the most one "
        "record may hold; split it into smaller records (paragraphs, rows) first"
    )
