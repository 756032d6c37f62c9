"""Parquet via pyarrow: batches in, the same schema (with its metadata) out.

Parquet needs random access, so stdin is first copied into a spooled temporary file
(in memory up to :data:`SPOOL_MEMORY` bytes, then on disk): the one place where memory
or disk use grows with the input.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast, get_args

import pyarrow as pa
import pyarrow.parquet as pq

from anonymizer.errors import InputError, UsageError
from anonymizer.io.base import (
    STDIN,
    Chunk,
    Fields,
    ReaderBase,
    Writer,
    check_fields,
    check_replaced,
    format_names,
    missing_fields,
)

SPOOL_MEMORY = 64 << 20
# Output row groups: the input's largest, within these bounds.
MAX_ROW_GROUP_ROWS = 1 << 20
MAX_ROW_GROUP_BYTES = 128 << 20
Compression = Literal["gzip", "brotli", "lz4", "zstd", "snappy", "none"]


def _is_string(type_: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_)
    )


def is_text_type(type_: pa.DataType) -> bool:
    """String columns, also dictionary-encoded ones (pandas categoricals)."""
    if pa.types.is_dictionary(type_):
        return _is_string(type_.value_type)
    return _is_string(type_)


@dataclass(frozen=True)
class ParquetNative:
    batch: pa.RecordBatch

    def __len__(self) -> int:
        return self.batch.num_rows


class ParquetReader(ReaderBase):
    fmt = "parquet"

    def __init__(
        self,
        source: str,
        stream: BinaryIO | None,
        *,
        fields: tuple[str, ...],
        chunk_rows: int,
        row_groups: range | None = None,
        path: Path | None = None,
    ) -> None:
        """``stream`` is stdin (spooled here), or ``None`` to open ``source`` as a path.

        ``row_groups``: read only these (a part of the file, as :mod:`anonymizer.jobs` reads
        it); record indices still count from the start of the file. Chunks never span two
        row groups, so a part yields the chunks the whole file yields for those rows.
        ``path``: the file to open, when ``source`` is only its name for messages.
        """
        spool = None
        if stream is not None:
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 (closed by close())
            try:
                shutil.copyfileobj(stream, spool)
            except OSError as exc:
                spool.close()
                raise InputError(f"<stdin>: read error: {exc.strerror or exc}") from None
            spool.seek(0)
        super().__init__(source, spool, owns_stream=True)  # type: ignore[arg-type]
        check_fields(source, self.fmt, fields)
        self.fields: tuple[str | None, ...] = fields
        self._names = fields
        self._chunk_rows = chunk_rows
        self._row_groups = row_groups
        self._path = path
        self._rows_read = 0
        try:
            self._file = pq.ParquetFile(spool if spool is not None else (path or Path(source)))
            self.schema = self._file.schema_arrow
        except (OSError, pa.ArrowException) as exc:
            self.close()
            raise InputError(f"{self.display_name}: not a readable Parquet file ({exc})") from None
        self.available_fields: list[str] = list(self.schema.names)
        try:
            self._check_fields(fields)
        except UsageError:
            self.close()
            raise

    def _check_fields(self, fields: tuple[str, ...]) -> None:
        names = self.available_fields
        missing = [f for f in fields if f not in names]
        if missing:
            raise UsageError(
                f"{self.display_name}: no column {format_names(missing)}; {missing_fields(missing, names)}"
            )
        for name in fields:
            if names.count(name) > 1:
                raise UsageError(f"{self.display_name}: more than one column named {name!r}")
            type_ = self.schema.field(name).type
            if not is_text_type(type_):
                raise UsageError(
                    f"{self.display_name}: column {name!r} has type {type_}, "
                    "only string columns can be redacted"
                )

    def _values(self, batch: pa.RecordBatch, name: str, first_row: int) -> list[str | None]:
        """The column's values; a value that is not valid UTF-8 (Arrow does not check all
        files) is an :class:`InputError` naming its row, as a decoding error in the other
        formats is."""
        column = batch.column(name)
        try:
            return cast(list[str | None], column.to_pylist())
        except UnicodeDecodeError:
            pass
        for index in range(len(column)):
            try:
                column[index].as_py()
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{self.display_name}: record {first_row + index}, column {name!r}: the value is "
                    f"not valid UTF-8 ({exc.reason}), as a string column must be; repair the file"
                ) from None
        raise InputError(f"{self.display_name}: column {name!r}: a value is not valid UTF-8; repair the file")

    def writer(self, target: BinaryIO) -> Writer:
        """Row group size and compression follow the input's (first column chunk)."""
        meta = self._file.metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        compression: Compression = "snappy"
        if meta.num_row_groups and meta.num_columns:
            codec = str(meta.row_group(0).column(0).compression).lower()
            codec = "none" if codec == "uncompressed" else codec
            if codec in get_args(Compression):
                compression = cast(Compression, codec)
        return ParquetOutput(
            target,
            schema=self.schema,
            row_group_rows=min(max(sizes, default=MAX_ROW_GROUP_ROWS), MAX_ROW_GROUP_ROWS),
            compression=compression,
        )

    def close(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()
        super().close()

    @property
    def bytes_read(self) -> int | None:
        """Estimated from the share of rows read (Parquet is not read front to back)."""
        if self.source == STDIN:
            return None
        try:
            size = os.path.getsize(self._path or self.source)
            total = self._file.metadata.num_rows
        except (OSError, ValueError):
            return None
        return size if not total else size * self._rows_read // total

    def __iter__(self) -> Iterator[Chunk]:
        self._start_iteration()
        meta = self._file.metadata
        groups = range(meta.num_row_groups) if self._row_groups is None else self._row_groups
        first_row = sum(meta.row_group(i).num_rows for i in range(groups.start)) if len(groups) else 0
        self._rows_read = first_row
        for group in groups:
            try:
                batches = self._file.iter_batches(batch_size=self._chunk_rows, row_groups=[group])
            except (OSError, pa.ArrowException) as exc:
                raise InputError(f"{self.display_name}: cannot read Parquet data ({exc})") from None
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except (OSError, pa.ArrowException) as exc:
                    raise InputError(
                        f"{self.display_name}: cannot read Parquet data after row {first_row} ({exc})"
                    ) from None
                fields: Fields = {name: self._values(batch, name, first_row) for name in self._names}
                self._rows_read = first_row + batch.num_rows
                yield Chunk(first_row=first_row, fields=fields, native=ParquetNative(batch))
                first_row += batch.num_rows
        self.close()


class ParquetOutput:
    """Writes the original schema; selected columns get new arrays of their own type."""

    def __init__(
        self,
        target: BinaryIO,
        *,
        schema: pa.Schema,
        row_group_rows: int = MAX_ROW_GROUP_ROWS,
        compression: Compression = "snappy",
    ) -> None:
        self._schema = schema
        self._row_group_rows = max(row_group_rows, 1)
        self._writer = pq.ParquetWriter(target, schema, compression=compression)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        """A ``None`` replacement writes null."""
        batch = replaced_batch(chunk, replaced, self._schema)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self._pending_bytes += batch.nbytes
        if self._pending_rows >= self._row_group_rows or self._pending_bytes >= MAX_ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            table = pa.Table.from_batches(self._pending, schema=self._schema)
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __del__(self) -> None:
        # Dropped without close(): the run failed, and its target is closed and removed.
        # pyarrow would write the footer there when collected and print a traceback.
        writer = getattr(self, "_writer", None)
        if writer is not None and getattr(writer, "is_open", False):
            writer.is_open = False


def replaced_batch(chunk: Chunk, replaced: Fields, schema: pa.Schema) -> pa.RecordBatch:
    """``chunk``'s record batch with the ``replaced`` columns put in (``None`` writes null).

    A replaced column is built anew from its values even when they did not change: the
    batch's own array may hold more than its rows (a dictionary column keeps the whole
    row group's dictionary, a slice its whole buffers), and that would be written too.
    """
    check_replaced(chunk, replaced)
    native = chunk.native
    if not isinstance(native, ParquetNative):
        raise TypeError("not a Parquet chunk")
    batch = native.batch
    columns = list(batch.columns)
    for name, values in replaced.items():
        index = schema.get_field_index(str(name))
        columns[index] = _string_array(values, schema.field(index).type)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _string_array(values: list[str | None], type_: pa.DataType) -> pa.Array[Any]:
    if pa.types.is_dictionary(type_):
        encoded = pa.array(values, type=type_.value_type).dictionary_encode()
        return cast("pa.Array[Any]", encoded.cast(type_))
    return pa.array(values, type=type_)
