"""CSV/TSV with the stdlib ``csv`` module: every value is a string, nothing is inferred.

Each record keeps its raw text; a record whose selected values come back unchanged is
written as it was read (byte-exact), a changed one is re-quoted with
``QUOTE_MINIMAL`` and keeps its own line ending. Empty lines are not records: they are
kept in place and do not count in record indices. An opt-in formula guard prefixes cells
that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@``) with ``'``.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from anonymizer import limits
from anonymizer.errors import InputError, UsageError
from anonymizer.io.base import (
    Chunk,
    Fields,
    ReaderBase,
    Writer,
    check_fields,
    check_replaced,
    format_names,
    missing_fields,
)
from anonymizer.io.lines import LineSource, TextSink, line_ending

# Empty lines held before the next record; past this they are flushed in a chunk.
MAX_PENDING_BLANK = 4096
#: What a spreadsheet may read as the start of a formula (OWASP's list): with the formula
#: guard on, a cell that starts with one is written with a ``'`` before it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: str) -> str:
    """``value`` with a ``'`` before it if a spreadsheet could read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _raise_field_limit() -> None:
    """Free-text cells can exceed the module's default 128 KiB field limit."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


@dataclass(frozen=True)
class CsvLine:
    raw: str
    """The line(s) exactly as read, with the line ending."""
    row: list[str] | None
    """The parsed values; ``None`` for an empty line (not a record)."""


@dataclass(frozen=True)
class CsvNative:
    lines: tuple[CsvLine, ...]
    num_records: int

    def __len__(self) -> int:
        return self.num_records


class CsvReader(ReaderBase):
    fmt = "csv"

    def __init__(
        self,
        source: str,
        stream: BinaryIO,
        *,
        owns_stream: bool,
        fields: tuple[str, ...],
        encoding: str,
        delimiter: str,
        chunk_rows: int,
        first_row: int = 0,
        formula_guard: bool = False,
    ) -> None:
        """``first_row``: the index of the stream's first record in its file (a part of a file
        that starts after the header, as :mod:`anonymizer.jobs` reads it). ``formula_guard``:
        its writer puts a ``'`` before every data cell (any column) that a spreadsheet could
        read as a formula (:data:`FORMULA_START`); the header is written as read."""
        super().__init__(source, stream, owns_stream=owns_stream)
        self.formula_guard = formula_guard
        check_fields(source, self.fmt, fields)
        if len(delimiter) != 1:
            raise UsageError(f"the CSV delimiter must be one character, got {delimiter!r}")
        _raise_field_limit()
        self.fields: tuple[str | None, ...] = fields
        self.delimiter = delimiter
        self._chunk_rows = chunk_rows
        self._first_row = first_row
        self._lines = LineSource(stream, name=self.display_name, encoding=encoding)
        self._captured: list[str] = []
        self._csv = csv.reader(self._feed(), delimiter=delimiter, strict=True)
        header = self._next_row()
        if header is None or not header[0]:
            raise InputError(
                f"{self.display_name}: no header row (the file is empty or starts with "
                "an empty line); the first line of a CSV file must name the columns"
            )
        names, self.header_raw = header
        self.available_fields: list[str] = names
        missing = [f for f in fields if f not in names]
        if missing:
            raise UsageError(
                f"{self.display_name}: no column {format_names(missing)}; {missing_fields(missing, names)}"
            )
        duplicated = [f for f in fields if names.count(f) > 1]
        if duplicated:
            raise UsageError(
                f"{self.display_name}: the header has more than one column named "
                f"{format_names(duplicated)}; rename them so the selection is unambiguous"
            )
        self.column_index: dict[str | None, int] = {f: names.index(f) for f in fields}

    def writer(self, target: BinaryIO) -> Writer:
        return CsvWriter(target, reader=self)

    @property
    def output_encoding(self) -> str:
        return self._lines.output_encoding

    @property
    def bom(self) -> bool:
        return self._lines.bom

    def _feed(self) -> Iterator[str]:
        size = 0
        for content, ending in self._lines:
            if not self._captured:
                size = 0
            size += len(content) + len(ending)
            if size > limits.MAX_RECORD_CHARS:  # a quoted record of many lines
                raise InputError(limits.too_long(f"{self.display_name}: line {self._lines.lines_read}"))
            self._captured.append(content + ending)
            yield content + ending

    def _next_row(self) -> tuple[list[str], str] | None:
        try:
            row = next(self._csv)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise InputError(
                f"{self.display_name}: line {self._lines.lines_read}: malformed CSV ({exc}); "
                "fix the quoting in the file"
            ) from None
        raw = "".join(self._captured)
        self._captured.clear()
        return row, raw

    def __iter__(self) -> Iterator[Chunk]:
        self._start_iteration()
        width = len(self.available_fields)
        lines: list[CsvLine] = []
        records = 0
        first_row = self._first_row
        pending_blank = 0

        def take_chunk() -> Chunk:
            nonlocal lines, records, first_row, pending_blank
            rows = [line.row for line in lines if line.row is not None]
            chunk = Chunk(
                first_row=first_row,
                fields={f: [row[self.column_index[f]] for row in rows] for f in self.fields},
                native=CsvNative(tuple(lines), records),
            )
            first_row += records
            lines, records, pending_blank = [], 0, 0
            return chunk

        while True:
            first_line = self._lines.lines_read + 1
            item = self._next_row()
            if item is None:
                break
            row, raw = item
            if not row:
                lines.append(CsvLine(raw, None))
                pending_blank += 1
                if pending_blank > MAX_PENDING_BLANK:
                    yield take_chunk()
                continue
            if len(row) != width:
                raise InputError(
                    f"{self.display_name}: line {first_line} (record {first_row + records}, "
                    f"counting from 0) has {len(row)} fields but the header has {width}; "
                    f"fix the file so every row has {width} fields (check the delimiter "
                    "and the quoting)"
                )
            if records >= self._chunk_rows:
                yield take_chunk()
            lines.append(CsvLine(raw, row))
            records += 1
            pending_blank = 0
        if lines:
            yield take_chunk()
        self.close()


class CsvWriter:
    def __init__(self, target: BinaryIO, *, reader: CsvReader) -> None:
        self._sink = TextSink(target, encoding=reader.output_encoding, bom=reader.bom)
        self._column_index = reader.column_index
        self._guard = reader.formula_guard
        self._buffer = io.StringIO()
        # "\r\n" as terminator makes QUOTE_MINIMAL quote values holding "\r" or "\n".
        self._csv = csv.writer(
            self._buffer,
            delimiter=reader.delimiter,
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )
        self._sink.write(reader.header_raw)

    def _format(self, row: list[str], ending: str) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerow(row)
        return self._buffer.getvalue()[:-2] + ending

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        """A ``None`` replacement writes an empty value."""
        check_replaced(chunk, replaced)
        native = chunk.native
        if not isinstance(native, CsvNative):
            raise TypeError("not a CSV chunk")
        changes = [(self._column_index[str(name)], values) for name, values in replaced.items()]
        record = 0
        for line in native.lines:
            if line.row is None:
                self._sink.write(line.raw)
                continue
            row = line.row
            new_row: list[str] | None = None
            for column, values in changes:
                value = values[record] or ""
                if value != row[column]:
                    if new_row is None:
                        new_row = list(row)
                    new_row[column] = value
            if self._guard:
                guarded = [guard_formula(value) for value in (new_row or row)]
                if guarded != (new_row or row):
                    new_row = guarded
            text = line.raw if new_row is None else self._format(new_row, line_ending(line.raw))
            self._sink.write(text, record=chunk.first_row + record)
            record += 1

    def close(self) -> None:
        self._sink.close()
