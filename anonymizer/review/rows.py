"""Records of any input format, one at a time, with everything that is not a selected field.

``Row.rest`` holds what must not change when the row is redacted: the other values of
a CSV row, the rest of a JSON object and which selected keys it has, the other columns
of a Parquet row (dicts by column name), or the blank text around a paragraph (a
tuple). :func:`first_difference` compares two of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from anonymizer.io.base import Chunk, Reader
from anonymizer.io.csv_format import CsvNative, CsvReader
from anonymizer.io.jsonl_format import JsonlNative
from anonymizer.io.parquet_format import ParquetNative
from anonymizer.io.text_format import TextNative


@dataclass(frozen=True)
class Row:
    index: int
    values: dict[str | None, str | None]
    rest: Any


def iter_rows(reader: Reader) -> Iterator[Row]:
    """Every record of ``reader`` in order (reads it; a reader iterates only once)."""
    selected = [str(name) for name in reader.fields if name is not None]
    pending = ""  # text: blank text of chunks without paragraphs, given to the next one
    for chunk in reader:
        rests = _rests(reader, chunk, selected)
        if isinstance(chunk.native, TextNative):
            pending += chunk.native.leading
            if chunk.num_rows:
                rests[0] = (pending, rests[0][1])
                pending = ""
        for offset in range(chunk.num_rows):
            yield Row(
                index=chunk.first_row + offset,
                values={name: values[offset] for name, values in chunk.fields.items()},
                rest=rests[offset],
            )
    if pending:
        # Trailing blank text after the last paragraph lives in the last separator;
        # leading text of a file without any paragraph shows up here.
        yield Row(index=-1, values={}, rest=(pending, ""))


def _rests(reader: Reader, chunk: Chunk, selected: list[str]) -> list[Any]:
    native = chunk.native
    if isinstance(native, TextNative):
        return [("", separator) for separator in native.separators]
    if isinstance(native, CsvNative):
        names = reader.available_fields
        columns = {reader.column_index[name] for name in selected} if isinstance(reader, CsvReader) else set()
        keys = [
            name if names.count(name) == 1 else f"{name} (column {i + 1})" for i, name in enumerate(names)
        ]
        return [
            {keys[i]: value for i, value in enumerate(line.row) if i not in columns}
            for line in native.lines
            if line.row is not None
        ]
    if isinstance(native, JsonlNative):
        return [
            {
                **{key: value for key, value in line.obj.items() if key not in selected},
                **{key: Presence(key in line.obj) for key in selected},
            }
            for line in native.lines
            if line.obj is not None
        ]
    if isinstance(native, ParquetNative):
        others = [name for name in native.batch.schema.names if name not in selected]
        if not others:
            return [{} for _ in range(len(native))]
        return list(native.batch.select(others).to_pylist())
    raise TypeError(f"unknown chunk type {type(native).__name__}")


@dataclass(frozen=True)
class Presence:
    """Whether a JSON object has a selected key (a missing key stays missing)."""

    present: bool


LAYOUT = "(layout)"
"""What :func:`first_difference` names for the blank text around a paragraph."""


def first_difference(a: Any, b: Any) -> str | None:
    """The first column (key) whose value differs between two ``Row.rest``, or ``None``."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return None if a == b else LAYOUT
    for key in [*a, *(k for k in b if k not in a)]:
        if key not in a or key not in b or not same_value(a[key], b[key]):
            return str(key)
    return None


def same_value(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN (a float column copied unchanged stays equal)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
