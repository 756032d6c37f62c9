"""Streaming input/output: read records in chunks, write them back with only the
selected fields changed.

Typical use::

    with open_reader(path, fmt=fmt, fields=columns) as reader:
        with atomic_output(out_path, stdout=sys.stdout.buffer) as out:
            writer = open_writer(out, reader=reader)
            for chunk in reader:
                writer.write(chunk, {name: redact(values) for name, values in chunk.fields.items()})
            writer.close()

Memory is bounded by ``chunk_rows`` and the largest record, never by the input size
(except Parquet from stdin, which is spooled to a temporary file first).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from anonymizer.errors import OPTION, UsageError
from anonymizer.io.atomic import atomic_output, atomic_text_output
from anonymizer.io.base import (
    FORMATS,
    STDIN,
    Chunk,
    Fields,
    Reader,
    Writer,
    open_binary,
)
from anonymizer.io.csv_format import CsvReader
from anonymizer.io.jsonl_format import JsonlReader
from anonymizer.io.text_format import TextReader

__all__ = [
    "FORMATS",
    "Chunk",
    "Fields",
    "Reader",
    "Writer",
    "atomic_output",
    "atomic_text_output",
    "detect_format",
    "open_reader",
    "open_writer",
]

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def detect_format(path: str | Path) -> str:
    """The format named by the file extension (case-insensitive)."""
    if str(path) == STDIN:
        raise UsageError(f"cannot tell the format of stdin; pass {OPTION} {'|'.join(FORMATS)}", option="fmt")
    suffix = Path(path).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        raise UsageError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'!r}; "
            f"pass {OPTION} {'|'.join(FORMATS)}",
            option="fmt",
        )
    return fmt


def open_reader(
    source: str | Path,
    *,
    fmt: str,
    fields: Sequence[str] = (),
    encoding: str = "utf-8",
    chunk_rows: int = 1000,
    delimiter: str | None = None,
    stdin: BinaryIO | None = None,
    formula_guard: bool = False,
) -> Reader:
    """Open ``source`` (a path, or ``"-"`` for ``stdin``, default ``sys.stdin.buffer``).

    ``fields`` are the columns (csv, parquet) or keys (jsonl) to redact; text takes
    none. ``encoding`` applies to text, csv and jsonl. ``delimiter`` (csv only)
    defaults to a tab for ``.tsv`` files and a comma otherwise. ``formula_guard`` (csv
    only): the writer puts a ``'`` before each data cell that a spreadsheet could run as a
    formula. Problems with the
    request (missing or non-string column) raise :class:`UsageError` here, before any
    output exists; problems in the data raise :class:`InputError` while iterating.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if chunk_rows < 1:
        raise UsageError(f"chunk size must be at least 1 row, got {chunk_rows}")
    selected = tuple(dict.fromkeys(fields))
    name = str(source)
    if fmt == "text" and selected:
        raise UsageError(f"{OPTION} applies to csv, parquet and jsonl input, not to text", option="fields")
    if fmt != "csv" and delimiter is not None:
        raise UsageError("a delimiter applies to csv input only")
    if fmt != "csv" and formula_guard:
        raise UsageError(f"the formula guard applies to csv output only, not to {fmt}")
    if fmt == "parquet":
        from anonymizer.io.parquet_format import ParquetReader  # pyarrow takes a while to import

        stream = (stdin if stdin is not None else sys.stdin.buffer) if name == STDIN else None
        return ParquetReader(name, stream, fields=selected, chunk_rows=chunk_rows)
    stream, owned = open_binary(source, stdin)
    try:
        if fmt == "text":
            return TextReader(
                name,
                stream,
                owns_stream=owned,
                encoding=encoding,
                chunk_rows=chunk_rows,
            )
        if fmt == "jsonl":
            return JsonlReader(
                name,
                stream,
                owns_stream=owned,
                fields=selected,
                encoding=encoding,
                chunk_rows=chunk_rows,
            )
        if delimiter is None:
            delimiter = "\t" if Path(name).suffix.lower() == ".tsv" else ","
        return CsvReader(
            name,
            stream,
            owns_stream=owned,
            fields=selected,
            encoding=encoding,
            delimiter=delimiter,
            chunk_rows=chunk_rows,
            formula_guard=formula_guard,
        )
    except BaseException:
        if owned:
            stream.close()
        raise


def open_writer(target: BinaryIO, *, reader: Reader) -> Writer:
    """A writer for ``reader``'s format, encoding, BOM, header or schema.

    Call ``close()`` after the last chunk (it writes footers, e.g. Parquet's); it does
    not close ``target``.
    """
    return reader.writer(target)
