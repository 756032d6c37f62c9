"""The chunk contract between the format readers/writers and the pipeline."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, Self

from anonymizer.errors import OPTION, InputError, UsageError

#: Selected field name -> one value per record. ``None`` is the text format's only field.
Fields = dict[str | None, list[str | None]]

FORMATS = ("text", "csv", "parquet", "jsonl")
STDIN = "-"


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of one input.

    ``native`` is the format's own batch (opaque to the pipeline); the writer uses it
    to reproduce everything that is not a selected field. ``len(native)`` is the
    number of records. A chunk may hold zero records (e.g. only blank lines).
    """

    first_row: int
    fields: Fields
    native: Sized

    def __post_init__(self) -> None:
        for name, values in self.fields.items():
            if len(values) != self.num_rows:
                raise ValueError(f"field {name!r} has {len(values)} values, chunk has {self.num_rows} rows")

    @property
    def num_rows(self) -> int:
        return len(self.native)


class Writer(Protocol):
    def write(self, chunk: Chunk, replaced: Fields) -> None:
        """Write ``chunk``; ``replaced`` gives new values for some of its fields."""
        ...

    def close(self) -> None:
        """Finish the output (footers, encoder state). Does not close the target."""
        ...


class Reader(Protocol):
    source: str
    """The path as given, or ``"-"`` for stdin."""
    fmt: str
    fields: tuple[str | None, ...]
    """The selected fields, in the order given; ``(None,)`` for text."""
    available_fields: list[str]
    """Columns/keys that exist, for error messages; ``[]`` for text."""

    def __iter__(self) -> Iterator[Chunk]: ...

    @property
    def bytes_read(self) -> int | None:
        """How far into the input the reader is, in bytes (read-ahead included); ``None``
        when that is unknown (stdin). For progress: the share done of a file."""
        ...

    def writer(self, target: BinaryIO) -> Writer:
        """A writer producing this input's format, encoding and schema on ``target``."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


class ReaderBase:
    """Shared plumbing: owns (or borrows) a stream, single iteration, context manager."""

    def __init__(self, source: str, stream: BinaryIO | None, *, owns_stream: bool) -> None:
        self.source = source
        self._stream = stream
        self._owns_stream = owns_stream
        self._iterated = False

    @property
    def display_name(self) -> str:
        return display_name(self.source)

    @property
    def bytes_read(self) -> int | None:
        if self.source == STDIN or self._stream is None:
            return None
        try:
            return self._stream.tell()
        except (OSError, ValueError):  # closed at the end, or not seekable
            return None

    def _start_iteration(self) -> None:
        if self._iterated:
            raise RuntimeError("a reader can be iterated only once")
        self._iterated = True

    def close(self) -> None:
        if self._owns_stream and self._stream is not None:
            self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def display_name(source: str) -> str:
    return "<stdin>" if source == STDIN else source


def open_binary(source: str | Path, stdin: BinaryIO | None) -> tuple[BinaryIO, bool]:
    """The stream to read and whether the caller must close it."""
    if str(source) == STDIN:
        return (stdin if stdin is not None else sys.stdin.buffer), False
    try:
        return open(source, "rb"), True
    except OSError as exc:
        raise InputError(f"{source}: cannot open: {exc.strerror or exc}") from None


def check_replaced(chunk: Chunk, replaced: Fields) -> None:
    """Programming errors in the caller, not user errors: hence ValueError."""
    for name, values in replaced.items():
        if name not in chunk.fields:
            raise ValueError(f"field {name!r} was not selected when the input was opened")
        if len(values) != chunk.num_rows:
            raise ValueError(f"field {name!r}: {len(values)} replacement values for {chunk.num_rows} rows")


def format_names(names: list[str], *, limit: int = 50) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown or "(none)"


def _folded(name: str) -> str:
    return "".join(name.split()).casefold()


def missing_fields(missing: list[str], names: list[str], *, kind: str = "column") -> str:
    """What to say of selected fields missing among ``names``: how many there are, and by
    position (from 1) those that differ from a missing one only in case or spaces.

    It never quotes ``names``: in a file without a header they are the first record's
    values.
    """
    close = [
        f"{kind} {index + 1} differs from {wanted!r} only in case or spaces"
        for wanted in missing
        for index, name in enumerate(names)
        if _folded(name) == _folded(wanted)
    ]
    hint = f"; {'; '.join(close[:5])}" if close else ""
    return (
        f"{len(names)} {kind}{'s' * (len(names) != 1)} found{hint} (names not shown: without "
        f"a header they would be data); check that the file names its {kind}s as expected"
    )


def check_fields(source: str, fmt: str, fields: tuple[str, ...]) -> None:
    if not fields:
        raise UsageError(
            f"{display_name(source)}: {fmt} input needs at least one text column to redact; "
            f"name it with {OPTION}",
            option="fields",
        )
