"""Proof that a redacted output is its input with exactly the audited spans replaced.

For a holder of the input and the audit key: each audited span's digest matches the
input, the output value is the input value with those spans replaced (so the text
between spans is unchanged), no replaced text survives as a whole word in its output
value, and rows and other columns are identical. Works for every input format, as it
reads both files with the format readers of :mod:`anonymizer.io`.

A mismatch names the row and column and says what kind of difference it is, never
the content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from anonymizer.errors import OPTION, UsageError
from anonymizer.io import open_reader
from anonymizer.io.base import Reader
from anonymizer.io.parquet_format import ParquetReader
from anonymizer.review.auditlog import AuditEntry, AuditTrail, apply_entries, check_cell
from anonymizer.review.rows import LAYOUT, first_difference, iter_rows


@dataclass(frozen=True)
class Mismatch:
    """``row`` is 0-based as in the audit log (``None``: the file as a whole);
    ``column`` is ``None`` for text and for whole-row differences."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = "the files" if self.row is None else f"row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    cells: int
    """Selected values compared."""
    spans: int
    """Audit entries checked."""
    mismatch: Mismatch | None

    @property
    def ok(self) -> bool:
        return self.mismatch is None

    def to_dict(self) -> dict[str, object]:
        found = self.mismatch
        return {
            "ok": self.ok,
            "rows": self.rows,
            "cells": self.cells,
            "spans": self.spans,
            "mismatch": None
            if found is None
            else {"row": found.row, "column": found.column, "reason": found.reason},
        }


def selected_columns(audit: AuditTrail, *, fmt: str, columns: Sequence[str]) -> tuple[str, ...]:
    """The columns to compare: ``columns``, else those the audit names; checked against it."""
    named = [name for name in audit.fields if name is not None]
    if fmt == "text":
        if named:
            raise UsageError(
                f"{audit.path}: the audit names columns, but the input is text; "
                "give the CSV, Parquet or JSON Lines input of that run"
            )
        if columns:
            raise UsageError(
                f"{OPTION} applies to csv, parquet and jsonl input, not to text", option="fields"
            )
        return ()
    if None in audit.fields:
        raise UsageError(f"{audit.path}: the audit log is of a text input, but the input is {fmt}")
    chosen = tuple(dict.fromkeys(columns or named))
    missing = [name for name in named if name not in chosen]
    if missing:
        raise UsageError(
            f"{audit.path}: the audit has spans in column(s) {', '.join(map(repr, missing))}; "
            f"add them with {OPTION}",
            option="fields",
        )
    if not chosen:
        raise UsageError(
            f"{audit.path}: the audit names no column (nothing was replaced); "
            f"say which columns were redacted with {OPTION}",
            option="fields",
        )
    return chosen


def check_key(audit: AuditTrail, key: bytes | None) -> bytes:
    """The key to recompute digests with; refuses runs whose digests cannot be checked."""
    if audit.key_random:
        raise UsageError(
            f"{audit.path}: that run used a random audit key (its summary says so), so its digests "
            "cannot be checked; run it again with an audit key"
        )
    if key is None:
        raise UsageError("digests cannot be checked without the run's audit key; give it", option="audit_key")
    return key


def verify_output(
    input_path: str | Path,
    output_path: str | Path,
    *,
    audit: AuditTrail,
    key: bytes | None,
    fmt: str,
    columns: Sequence[str] = (),
    encoding: str = "utf-8",
    chunk_rows: int = 1000,
) -> VerifyResult:
    """Compare ``output_path`` with ``input_path`` and the audit; stops at the first mismatch."""
    secret = check_key(audit, key)
    audit.check_one_input()
    if not audit.summaries:
        raise UsageError(
            f"{audit.path}: no summary line, so the log is incomplete (a failed run leaves none)"
        )
    fields = selected_columns(audit, fmt=fmt, columns=columns)
    options = {"fmt": fmt, "fields": fields, "encoding": encoding, "chunk_rows": chunk_rows}
    with open_reader(input_path, **options) as source, open_reader(output_path, **options) as redacted:  # type: ignore[arg-type]
        header = _compare_headers(source, redacted)
        if header is not None:
            return VerifyResult(0, 0, 0, header)
        return _compare_rows(source, redacted, audit=audit, key=secret)


def _compare_headers(source: Reader, redacted: Reader) -> Mismatch | None:
    if source.fmt == "jsonl":
        return None  # keys are compared row by row
    if source.available_fields != redacted.available_fields:
        return Mismatch(None, None, "the columns differ (names or order)")
    if isinstance(source, ParquetReader) and isinstance(redacted, ParquetReader):
        for name, a, b in zip(source.schema.names, source.schema.types, redacted.schema.types, strict=True):
            if a != b:
                return Mismatch(None, name, "the column type differs")
    return None


def _compare_rows(source: Reader, redacted: Reader, *, audit: AuditTrail, key: bytes) -> VerifyResult:
    rows = cells = spans = 0
    fields = source.fields

    def result(mismatch: Mismatch | None) -> VerifyResult:
        return VerifyResult(rows, cells, spans, mismatch)

    # A difference in what surrounds a row is reported once the next rows are compared:
    # dropping the last paragraph also changes the blank text after the one before it.
    pending: Mismatch | None = None
    for before, after in zip_longest(iter_rows(source), iter_rows(redacted)):
        if after is None:
            return result(Mismatch(before.index, None, "the output ends before this row (rows dropped)"))
        if before is None:
            return result(Mismatch(after.index, None, "the output has this row, the input does not"))
        if before.index != after.index:
            row = before.index if before.index >= 0 else after.index
            return result(Mismatch(row, None, "the paragraphs do not line up (one was dropped or added)"))
        if pending is not None:
            return result(pending)
        for name in fields if before.index >= 0 else ():
            entries = audit.for_cell(before.index, name)
            cells += 1
            spans += len(entries)
            problem = check_value(before.values[name], after.values[name], entries, key=key)
            if problem is not None:
                return result(Mismatch(before.index, name, problem))
        column = first_difference(before.rest, after.rest)
        if column == LAYOUT:
            pending = Mismatch(
                before.index, None, "the blank lines or line endings around this paragraph differ"
            )
        elif column is not None:
            pending = Mismatch(before.index, column, "a value that was not redacted differs")
        if before.index >= 0:
            rows += 1
    if pending is not None:
        return result(pending)
    extra = _unmatched_entries(audit, rows)
    if extra is not None:
        return result(Mismatch(extra.record, extra.field, "the audit names a row the input does not have"))
    summary = audit.summary
    if summary is not None and summary.rows is not None and summary.rows != rows:
        return result(
            Mismatch(None, None, f"the audit summary counts {summary.rows} rows, the input has {rows}")
        )
    return result(None)


def _unmatched_entries(audit: AuditTrail, rows: int) -> AuditEntry | None:
    late = [group[0] for (record, _), group in audit.cells.items() if record >= rows]
    return min(late, key=lambda entry: entry.record) if late else None


def check_value(
    original: str | None, output: str | None, entries: Sequence[AuditEntry], *, key: bytes
) -> str | None:
    """Why ``output`` is not ``original`` with ``entries`` replaced (``None`` if it is)."""
    if not original:
        if entries:
            return (
                f"the audit has a span (audit line {entries[0].line}) in a value that is empty in the input"
            )
        return None if output == original else "the value is empty in the input but not in the output"
    check = check_cell(original, entries, key=key)
    if check.entry is not None:
        entry = check.entry
        if check.status == "offsets":
            return (
                f"the audited span {entry.start}-{entry.end} (audit line {entry.line}) does not fit the "
                "input value: the input changed since the run"
            )
        return (
            f"the digest of the span {entry.start}-{entry.end} ({entry.label}, audit line {entry.line}) "
            "does not match the input: the input changed since the run, or the key is not the run's"
        )
    if output is None:
        return "the value is null in the output"
    expected = apply_entries(original, entries)
    if output != expected:
        return _where_different(expected, output, entries)
    for entry in entries:
        surface = original[entry.start : entry.end]
        if entry.replacement == surface:
            continue  # the `keep` operator: audited, not replaced
        found = re.search(rf"(?<!\w){re.escape(surface)}(?!\w)", output)
        if found is not None:
            return (
                f"the original text of the span {entry.start}-{entry.end} ({entry.label}) survives "
                f"in the output value at character {found.start()}"
            )
    return None


def _where_different(expected: str, output: str, entries: Sequence[AuditEntry]) -> str:
    position = next(
        (i for i, (a, b) in enumerate(zip(expected, output, strict=False)) if a != b),
        min(len(expected), len(output)),
    )
    for entry, out_start, out_end in _output_spans(entries):
        if out_start <= position < out_end or (position == out_end and len(output) < len(expected)):
            return (
                f"the replacement of the span {entry.start}-{entry.end} ({entry.label}) differs from "
                f"the audit's, at character {position} of the output value"
            )
    return f"the text between spans changed, at character {position} of the output value"


def _output_spans(entries: Sequence[AuditEntry]) -> Iterator[tuple[AuditEntry, int, int]]:
    """Each entry with the offsets of its replacement in the expected output."""
    shift = 0
    for entry in entries:
        start = entry.start + shift
        yield entry, start, start + len(entry.replacement)
        shift += len(entry.replacement) - (entry.end - entry.start)
