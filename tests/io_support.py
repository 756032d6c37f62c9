"""What the io tests share: the pipeline's loop with a plain transform as the redaction, and samples."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from anonymizer.io import (
    Chunk,
    atomic_output,
    open_reader,
    open_writer,
)

Transform = Callable[[str], str]


def identity(text: str) -> str:
    return text


def upper(text: str) -> str:
    return text.upper()


def run(
    source: Path | str,
    target: Path | None,
    *,
    fmt: str,
    fields: Sequence[str] = (),
    transform: Transform = identity,
    stdin: io.BytesIO | None = None,
    stdout: io.BytesIO | None = None,
    chunk_rows: int = 1000,
    encoding: str = "utf-8",
) -> list[Chunk]:
    """What the pipeline does, with ``transform`` as the redaction."""
    chunks = []
    with (
        open_reader(
            source, fmt=fmt, fields=fields, stdin=stdin, chunk_rows=chunk_rows, encoding=encoding
        ) as reader,
        atomic_output(target, stdout=stdout or io.BytesIO()) as out,
    ):
        writer = open_writer(out, reader=reader)
        for chunk in reader:
            chunks.append(chunk)
            writer.write(
                chunk,
                {
                    name: [None if v is None else transform(v) for v in values]
                    for name, values in chunk.fields.items()
                },
            )
        writer.close()
    return chunks


TEXTS = [
    b"",
    b"one line",
    b"one line\n",
    b"Anna bor i Lund.\nHon heter Svensson.\n\nNytt stycke.\n",
    b"crlf line\r\nsecond\r\n\r\nnext\r\n",
    b"no trailing newline\n\nlast",
    b"many blanks\n\n\n\n\nafter\n\n\n",
    b"\n\n  \n\tleading blanks\n",
    b"blank lines with spaces\n   \n\t\n  \r\nnext\n",
    b"   \n\n \t \n",
    b"old mac\r\rlines\r",
    b"mixed\r\nend\n\r\n\nings",
    "\ufeffBOM först\n\nåäö\n".encode(),
]


CSV_SAMPLE = (
    "id,name,note,amount\n"
    '007,Anna Svensson,"bor i Lund, Skåne",1.50\n'
    '008,Per,"sa ""hej""\npå två rader",\n'
    "009,,,0\n"
    '010,"Eva, Karin",ok,-0.0\n'
)


# --- output targets that are no regular files (never the real /dev files: tests run as root) ---


def char_device(path: Path, *, minor: int) -> Path:
    """A character device node at ``path``: minor 3 is a /dev/null twin, 7 a /dev/full twin
    (writes fail with ENOSPC)."""
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, minor))
    return path


def null_device(path: Path) -> Path:
    return char_device(path, minor=3)


def full_device(path: Path) -> Path:
    return char_device(path, minor=7)


class FifoReader:
    """A FIFO at ``path`` and a thread reading it (all of it, or ``limit`` bytes, then closing)."""

    def __init__(self, path: Path, *, limit: int | None = None) -> None:
        os.mkfifo(path, 0o600)
        self.path = path
        self.data = b""
        self._limit = limit
        self._thread = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        with open(self.path, "rb") as handle:
            self.data = handle.read() if self._limit is None else handle.read(self._limit)

    def __enter__(self) -> FifoReader:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread.is_alive():  # nobody opened it for writing: open it to release the reader
            with contextlib.suppress(OSError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
        self._thread.join(timeout=30)
