"""All-or-nothing output files."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from anonymizer.errors import UsageError


def _current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it
    os.umask(mask)
    return mask


def _final_mode(target: Path) -> int:
    """What ``open(target, "w")`` would give: the existing mode, else 0666 less umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # best effort; not possible everywhere
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_output(target: Path | None, *, stdout: BinaryIO) -> Iterator[BinaryIO]:
    """Yield a binary stream that becomes ``target`` only if the block succeeds.

    The data goes to ``.<name>.<random>.tmp`` beside ``target`` and is fsynced and
    renamed over it at the end; on any exception the temporary file is removed, so
    ``target`` is left as it was (absent, or its previous content). With ``target``
    ``None`` the block writes straight to ``stdout``, which cannot be taken back.
    """
    if target is None:
        yield stdout
        stdout.flush()
        return
    target = Path(target)
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"{target}: cannot create the output file: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, _final_mode(target))
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise UsageError(f"{target}: cannot write the output file: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_directory(directory)


@contextlib.contextmanager
def atomic_text_output(target: Path, *, encoding: str = "utf-8") -> Iterator[TextIO]:
    """:func:`atomic_output` to a file, as text (lines end in ``\\n`` as written)."""
    with atomic_output(target, stdout=sys.stdout.buffer) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield text
        finally:
            text.flush()
            text.detach()  # atomic_output closes the file
