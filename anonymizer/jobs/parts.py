"""Files cut into parts that workers redact alone, and put back together byte for byte.

A part is a run of whole records: a byte range of a CSV or JSON Lines file (cut
before a record, found by parsing the file once), or a run of Parquet row groups.
A text file is one document (``{n}`` numbering and mentions run across it), so it
is never cut. Each part is read as the file's own reader would read those records
(a CSV part's stream starts with the file's header), so the parts' outputs,
concatenated (Parquet: their record batches written by one writer), are the output
of the whole file.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from anonymizer.errors import AnonymizerError
from anonymizer.io import Chunk, Fields, Reader, Writer
from anonymizer.io.csv_format import CsvNative, CsvReader
from anonymizer.io.jsonl_format import JsonlNative, JsonlReader
from anonymizer.io.text_format import TextReader
from anonymizer.jobs.plan import FileTask

#: Codecs whose decoding and encoding give back the same bytes: only these are cut by bytes.
SPLITTABLE_CODECS = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"})
_SCAN_CHUNK = 1024


@dataclass(frozen=True)
class Part:
    """Records of one file. Line formats: bytes ``[start, end)``, after the file's first
    ``prefix`` bytes (BOM, CSV header) for every part but the first. Parquet: row groups
    ``[start, end)``."""

    index: int
    start: int
    end: int
    first_row: int
    prefix: int
    size: int
    """Bytes of the file this part stands for (progress)."""
    rows: int | None = None
    """Rows, where the plan knows them (Parquet)."""
    whole: bool = False
    """The part is the whole file."""


def _codec(output_encoding: str) -> str:
    return "utf-8" if output_encoding == "utf-8-sig" else output_encoding


def _delimiter(task: FileTask) -> str:
    return "\t" if task.path.suffix.lower() == ".tsv" else ","


def whole(size: int) -> list[Part]:
    return [Part(0, 0, size, 0, 0, size, whole=True)]


def split_file(
    task: FileTask, *, size: int, columns: Sequence[str], encoding: str, part_bytes: int
) -> list[Part]:
    """All of :func:`iter_parts`."""
    return list(iter_parts(task, size=size, columns=columns, encoding=encoding, part_bytes=part_bytes))


def iter_parts(
    task: FileTask, *, size: int, columns: Sequence[str], encoding: str, part_bytes: int
) -> Iterator[Part]:
    """``task``'s parts of about ``part_bytes`` each, as they are found: CSV and JSON Lines
    files larger than that are parsed once (a malformed file fails here, naming the line),
    a part at a time, so workers start on the first parts while the rest is read. A text
    file, a small file, and a file in an encoding that does not round-trip are one part."""
    if task.fmt == "parquet":
        yield from _parquet_parts(task, columns=columns, part_bytes=part_bytes)
        return
    if task.fmt == "text" or size <= part_bytes:
        yield from whole(size)
        return
    with task.path.open("rb") as stream:
        reader: CsvReader | JsonlReader
        if task.fmt == "csv":
            reader = CsvReader(
                task.source,
                stream,
                owns_stream=False,
                fields=tuple(columns),
                encoding=encoding,
                delimiter=_delimiter(task),
                chunk_rows=_SCAN_CHUNK,
            )
        else:
            reader = JsonlReader(
                task.source,
                stream,
                owns_stream=False,
                fields=tuple(columns),
                encoding=encoding,
                chunk_rows=_SCAN_CHUNK,
            )
        codec = _codec(reader.output_encoding)
        if codec not in SPLITTABLE_CODECS:
            yield from whole(size)
            return
        prefix = 3 if reader.bom else 0
        if isinstance(reader, CsvReader):
            prefix += len(reader.header_raw.encode(codec))
        index = start = first_row = row = 0
        offset = prefix
        for chunk in reader:
            for raw, is_record in _lines(chunk.native):
                if is_record and row > first_row and offset - start >= part_bytes:
                    yield Part(index, start, offset, first_row, prefix if index else 0, offset - start)
                    index, start, first_row = index + 1, offset, row
                offset += len(raw.encode(codec))
                row += is_record
    if offset != size:  # the bytes read do not add up to the file's size
        raise InputChanged(f"{task.source}: the file changed while it was read; run again")
    if index == 0:
        yield from whole(size)
    else:
        yield Part(index, start, size, first_row, prefix, size - start)


class InputChanged(AnonymizerError):
    """The input's size or modification time changed while the job read it."""


def _lines(native: object) -> list[tuple[str, bool]]:
    if isinstance(native, CsvNative):
        return [(line.raw, line.row is not None) for line in native.lines]
    if isinstance(native, JsonlNative):
        return [(line.content + line.ending, line.obj is not None) for line in native.lines]
    raise TypeError(f"cannot cut {type(native).__name__} chunks")


def _parquet_parts(task: FileTask, *, columns: Sequence[str], part_bytes: int) -> list[Part]:
    import pyarrow.parquet as pq

    from anonymizer.io.parquet_format import ParquetReader

    with ParquetReader(task.source, None, fields=tuple(columns), chunk_rows=1, path=task.path):
        pass  # the columns exist and hold strings
    meta = pq.ParquetFile(task.path).metadata
    file_size = task.path.stat().st_size
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    if len(groups) <= 1 or file_size <= part_bytes:
        return [Part(0, 0, len(groups), 0, 0, file_size, meta.num_rows, whole=True)]
    total = sum(max(g.total_byte_size, 1) for g in groups)
    parts: list[Part] = []
    first = first_row = weight = rows = 0
    for index, group in enumerate(groups):
        weight += max(group.total_byte_size, 1)
        rows += group.num_rows
        # Sizes in file bytes: the file's size shared by the row groups' uncompressed sizes.
        size = weight * file_size // total
        if size >= part_bytes or index == len(groups) - 1:
            parts.append(Part(len(parts), first, index + 1, first_row, 0, size, rows))
            first, first_row, weight, rows = index + 1, first_row + rows, 0, 0
    return parts


class PartStream(io.RawIOBase):
    """The first ``prefix`` bytes of a file, then its bytes ``[start, end)``."""

    def __init__(self, path: Path, *, prefix: int, start: int, end: int) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._segments = [(0, prefix), (start, end)] if prefix else [(start, end)]
        self._segment = 0
        self._file.seek(self._segments[0][0])
        self.position = 0
        """Bytes of ``[start, end)`` read so far."""
        self._prefix = prefix

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._segment < len(self._segments):
            _, end = self._segments[self._segment]
            left = end - self._file.tell()
            if left > 0:
                view = memoryview(buffer)[: min(len(buffer), left)]
                count = self._file.readinto(view)
                if count:
                    if self._segment == len(self._segments) - 1:
                        self.position += count
                    return count
                return 0  # the file is shorter than planned: it changed
            self._segment += 1
            if self._segment < len(self._segments):
                self._file.seek(self._segments[self._segment][0])
        return 0

    def close(self) -> None:
        self._file.close()
        super().close()


class SkipPrefix:
    """Drops the ``expected`` bytes a part's writer writes first (its copy of the header)."""

    def __init__(self, target: BinaryIO, expected: bytes) -> None:
        self._target = target
        self._expected = expected
        self._seen = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        if self._seen < len(self._expected):
            take = min(len(view), len(self._expected) - self._seen)
            if bytes(view[:take]) != self._expected[self._seen : self._seen + take]:
                raise AnonymizerError("a part's header came out unlike the file's; report this as a bug")
            self._seen += take
            view = view[take:]
        if len(view):
            self._target.write(view)
        return len(data)

    def flush(self) -> None:
        self._target.flush()


class _BatchWriter:
    """Writes a Parquet part's redacted record batches as an Arrow IPC stream."""

    def __init__(self, target: BinaryIO, schema: Any) -> None:
        import pyarrow as pa

        self._schema = schema
        self._writer = pa.ipc.new_stream(cast(io.IOBase, target), schema)

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        from anonymizer.io.parquet_format import replaced_batch

        self._writer.write_batch(replaced_batch(chunk, replaced, self._schema))

    def close(self) -> None:
        self._writer.close()


@dataclass
class OpenPart:
    reader: Reader
    position: Callable[[int], int]
    """Bytes of the file this part has read, given the rows done so far."""
    writer: Callable[[BinaryIO], Writer]


def open_part(
    task: FileTask,
    part: Part,
    *,
    columns: Sequence[str],
    encoding: str,
    chunk_rows: int,
    formula_guard: bool = False,
) -> OpenPart:
    """A reader of ``part`` (record indices counted from the start of the file) and a
    writer for its output: bytes to concatenate, or (Parquet) an Arrow IPC stream."""
    fields = tuple(columns)
    if task.fmt == "parquet":
        from anonymizer.io.parquet_format import ParquetReader

        parquet = ParquetReader(
            task.source,
            None,
            fields=fields,
            chunk_rows=chunk_rows,
            row_groups=range(part.start, part.end),
            path=task.path,
        )
        rows = max(part.rows or 1, 1)
        return OpenPart(
            parquet,
            lambda done: part.size * min(done, rows) // rows,
            lambda t: _BatchWriter(t, parquet.schema),
        )
    raw = PartStream(task.path, prefix=part.prefix, start=part.start, end=part.end)
    stream = cast(BinaryIO, io.BufferedReader(raw, buffer_size=1 << 16))
    reader: Reader
    try:
        if task.fmt == "text":
            reader = TextReader(
                task.source, stream, owns_stream=True, encoding=encoding, chunk_rows=chunk_rows
            )
        elif task.fmt == "jsonl":
            reader = JsonlReader(
                task.source,
                stream,
                owns_stream=True,
                fields=fields,
                encoding=encoding,
                chunk_rows=chunk_rows,
                first_row=part.first_row,
                check_keys=part.whole,
            )
        else:
            reader = CsvReader(
                task.source,
                stream,
                owns_stream=True,
                fields=fields,
                encoding=encoding,
                delimiter=_delimiter(task),
                chunk_rows=chunk_rows,
                first_row=part.first_row,
                formula_guard=formula_guard,
            )
    except BaseException:
        stream.close()
        raise
    header = b""
    if part.prefix:
        with task.path.open("rb") as handle:
            header = handle.read(part.prefix)

    def line_writer(target: BinaryIO) -> Writer:
        return reader.writer(cast(BinaryIO, SkipPrefix(target, header)) if header else target)

    return OpenPart(reader, lambda _rows: raw.position, line_writer)


def assemble(
    task: FileTask, outputs: Sequence[Path], target: BinaryIO, *, columns: Sequence[str], chunk_rows: int
) -> None:
    """Write the parts' outputs, in order, as the whole file's output onto ``target``."""
    if task.fmt != "parquet":
        for path in outputs:
            with path.open("rb") as part:
                shutil.copyfileobj(part, target, 1 << 20)
        return
    import pyarrow as pa

    from anonymizer.io.parquet_format import ParquetNative, ParquetReader

    with ParquetReader(
        task.source, None, fields=tuple(columns), chunk_rows=chunk_rows, path=task.path
    ) as reader:
        writer = reader.writer(target)
        first_row = 0
        for path in outputs:
            with pa.memory_map(str(path)) as source, pa.ipc.open_stream(source) as batches:
                for batch in batches:
                    writer.write(Chunk(first_row=first_row, fields={}, native=ParquetNative(batch)), {})
                    first_row += batch.num_rows
        writer.close()
