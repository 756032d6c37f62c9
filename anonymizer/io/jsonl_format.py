"""JSON Lines: one object per line; selected keys hold strings (or null, or are absent).

Blank lines are not records: they are kept in place and do not count in record
indices. A line whose selected values come back unchanged is written exactly as read. In a
changed one only the changed values are rewritten (``json.dumps(ensure_ascii=False)``),
in place: every other byte of the line stays as it was (``1.50`` stays ``1.50``, an
escape stays an escape). An object that has a selected key more than once is refused
(a JSON reader sees only one of the values), and so is a selected value that holds a
lone surrogate escape (``"\\ud83d"``, half an emoji), which no encoding can write.
Each line keeps its own line ending. A key missing in an object reads as ``None`` and
stays missing. A selected key that no object has at all is an error
at the end of the input (probably misspelt).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from anonymizer.errors import OPTION, InputError, UsageError
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
from anonymizer.io.lines import LineSource, TextSink, surrogate_message

MAX_PENDING_BLANK = 4096
MAX_KEYS_LISTED = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Repeated(dict[str, object]):
    """A JSON object that has some keys more than once (``repeated``); the last value wins."""

    repeated: frozenset[str] = frozenset()


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    twice: set[str] = set()
    for key, _ in pairs:
        (twice if key in seen else seen).add(key)
    repeated = _Repeated(obj)
    repeated.repeated = frozenset(twice)
    return repeated


@dataclass(frozen=True)
class JsonlLine:
    content: str
    """The line as read, without its ending."""
    ending: str
    obj: dict[str, object] | None
    """The parsed object; ``None`` for a blank line (not a record)."""


@dataclass(frozen=True)
class JsonlNative:
    lines: tuple[JsonlLine, ...]
    num_records: int

    def __len__(self) -> int:
        return self.num_records


def json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else "string"


class JsonlReader(ReaderBase):
    fmt = "jsonl"

    def __init__(
        self,
        source: str,
        stream: BinaryIO,
        *,
        owns_stream: bool,
        fields: tuple[str, ...],
        encoding: str,
        chunk_rows: int,
        first_row: int = 0,
        check_keys: bool = True,
    ) -> None:
        """``first_row``: the index of the stream's first record in its file; ``check_keys``
        off: a part of a file (:mod:`anonymizer.jobs`) need not hold every selected key."""
        super().__init__(source, stream, owns_stream=owns_stream)
        check_fields(source, self.fmt, fields)
        self.fields: tuple[str | None, ...] = fields
        self.available_fields: list[str] = []
        """Keys seen so far, in order of first appearance (at most 1000)."""
        self._seen: set[str] = set()
        self._chunk_rows = chunk_rows
        self._first_row = first_row
        self._check_keys = check_keys
        self._lines = LineSource(stream, name=self.display_name, encoding=encoding, universal=False)

    def writer(self, target: BinaryIO) -> Writer:
        return JsonlWriter(target, encoding=self._lines.output_encoding, bom=self._lines.bom)

    @property
    def output_encoding(self) -> str:
        return self._lines.output_encoding

    @property
    def bom(self) -> bool:
        return self._lines.bom

    def _parse(self, content: str, record: int) -> dict[str, object]:
        where = f"{self.display_name}: line {self._lines.lines_read} (record {record})"
        try:
            obj = json.loads(content, object_pairs_hook=_object)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "each line must hold one JSON object"
            ) from None
        except RecursionError:
            raise InputError(f"{where}: JSON nested too deeply") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: a JSON {json_type(obj)}, but each line must hold one JSON object")
        repeated = obj.repeated if isinstance(obj, _Repeated) else frozenset()
        for key in self.fields:
            if key in repeated:
                raise InputError(
                    f"{where}: the object has the key {key!r} more than once; only one value "
                    "per key is redacted, so keep one of them (JSON readers differ in which "
                    "one they take)"
                )
            value = obj.get(str(key))
            if value is not None and not isinstance(value, str):
                raise InputError(
                    f"{where}: key {key!r} holds a JSON {json_type(value)}; "
                    "only strings (or null) can be redacted"
                )
            if isinstance(value, str) and _SURROGATE.search(value) is not None:
                raise InputError(f"{where}, key {key!r}: {surrogate_message()}")
        if len(self._seen) < MAX_KEYS_LISTED:
            for key in obj:
                if key not in self._seen:
                    self._seen.add(key)
                    self.available_fields.append(key)
        return obj

    def __iter__(self) -> Iterator[Chunk]:
        self._start_iteration()
        lines: list[JsonlLine] = []
        records = 0
        first_row = self._first_row
        pending_blank = 0
        found = {key: False for key in self.fields}

        def take_chunk() -> Chunk:
            nonlocal lines, records, first_row, pending_blank
            objs = [line.obj for line in lines if line.obj is not None]
            fields: Fields = {}
            for key in self.fields:
                values = [obj.get(str(key)) for obj in objs]
                fields[key] = values  # type: ignore[assignment]  # checked in _parse
            chunk = Chunk(
                first_row=first_row,
                fields=fields,
                native=JsonlNative(tuple(lines), records),
            )
            first_row += records
            lines, records, pending_blank = [], 0, 0
            return chunk

        for content, ending in self._lines:
            if not content.strip():
                lines.append(JsonlLine(content, ending, None))
                pending_blank += 1
                if pending_blank > MAX_PENDING_BLANK:
                    yield take_chunk()
                continue
            obj = self._parse(content, first_row + records)
            for key in self.fields:
                found[key] = found[key] or key in obj
            if records >= self._chunk_rows:
                yield take_chunk()
            lines.append(JsonlLine(content, ending, obj))
            records += 1
            pending_blank = 0
        if lines:
            yield take_chunk()
        absent = [str(key) for key, seen in found.items() if not seen]
        if self._check_keys and first_row + records and absent:
            raise UsageError(
                f"{self.display_name}: no object has the key {format_names(absent)} (misspelt "
                f"{OPTION}?); {missing_fields(absent, self.available_fields, kind='key')}",
                option="fields",
            )
        self.close()


class JsonlWriter:
    def __init__(self, target: BinaryIO, *, encoding: str, bom: bool) -> None:
        self._sink = TextSink(target, encoding=encoding, bom=bom)

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        """A ``None`` replacement writes null; a key that was absent stays absent."""
        check_replaced(chunk, replaced)
        native = chunk.native
        if not isinstance(native, JsonlNative):
            raise TypeError("not a JSONL chunk")
        record = 0
        for line in native.lines:
            if line.obj is None:
                self._sink.write(line.content + line.ending)
                continue
            obj = line.obj
            changes = {
                str(key): values[record]
                for key, values in replaced.items()
                if str(key) in obj and values[record] != obj[str(key)]
            }
            content = _rewrite(line.content, obj, changes) if changes else line.content
            self._sink.write(content + line.ending, record=chunk.first_row + record)
            record += 1

    def close(self) -> None:
        self._sink.close()


_DECODER = json.JSONDecoder()
_SPACE = frozenset(" \t\n\r")


def _rewrite(content: str, obj: dict[str, object], changes: Mapping[str, object]) -> str:
    """``content`` (the JSON text of ``obj``) with the values of ``changes`` put where their
    keys' values stand; the whole object re-serialised if a changed key occurs twice."""
    places = [(start, end, key) for key, start, end in _top_level_values(content) if key in changes]
    if len(places) != len(changes):  # a repeated key (or an unexpected layout)
        return json.dumps({**obj, **changes}, ensure_ascii=False)
    parts, position = [], 0
    for start, end, key in sorted(places):
        parts += [content[position:start], json.dumps(changes[key], ensure_ascii=False)]
        position = end
    return "".join([*parts, content[position:]])


def _top_level_values(content: str) -> list[tuple[str, int, int]]:
    """``(key, start, end)`` of each top-level member's value in a JSON object text."""
    index = _skip_space(content, 0)
    if content[index : index + 1] != "{":
        return []
    found: list[tuple[str, int, int]] = []
    index = _skip_space(content, index + 1)
    while index < len(content) and content[index] == '"':
        key, index = json.decoder.scanstring(content, index + 1)  # type: ignore[attr-defined]
        index = _skip_space(content, index)
        start = _skip_space(content, index + 1)  # after the ':'
        _, end = _DECODER.raw_decode(content, start)
        found.append((key, start, end))
        index = _skip_space(content, end)
        if content[index : index + 1] != ",":
            break
        index = _skip_space(content, index + 1)
    return found


def _skip_space(content: str, index: int) -> int:
    while index < len(content) and content[index] in _SPACE:
        index += 1
    return index
