"""Output targets: all-or-nothing files, and streams that cannot be taken back.

A regular file (or a path that does not exist yet) is written beside the target as
``.<name>.<random>.tmp``, fsynced and renamed over it at the end; on any exception
(also :class:`~anonymizer.errors.Interrupted`, see :func:`raise_on_signals`) the
temporary file is removed, so the target is left as it was. stdout, devices, FIFOs
and sockets are written directly and never replaced: renaming over ``/dev/null``
would turn it into a regular file. Write errors become
:class:`~anonymizer.errors.OutputError` naming the target (``EPIPE``:
:class:`~anonymizer.errors.OutputClosedError`).

While a temporary file exists it is listed in a registry of this process
(:func:`remove_temporary_files`), so a signal handler or a worker's ``finally``
can remove what an interrupted with-block could not.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO, TextIO, cast

from anonymizer.errors import Interrupted, OutputClosedError, OutputError, UsageError

STDOUT = "-"
#: Signals that :func:`raise_on_signals` turns into :class:`Interrupted` by default
#: (SIGINT already raises ``KeyboardInterrupt``).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

# Temporary file -> the process that made it (a forked worker inherits the parent's
# entries but removes only its own).
_temporary: dict[Path, int] = {}
_registry_lock = threading.Lock()


def temporary_files() -> list[Path]:
    """Temporary files this process has made and not yet renamed or removed."""
    with _registry_lock:
        return [path for path, pid in _temporary.items() if pid == os.getpid()]


def remove_temporary_files() -> None:
    """Remove this process's temporary files (their targets stay as they were)."""
    for path in temporary_files():
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        _forget(path)


def _register(path: Path) -> None:
    with _registry_lock:
        _temporary[path] = os.getpid()


def _forget(path: Path) -> None:
    with _registry_lock:
        _temporary.pop(path, None)


class _Held:
    """Stop signals that came while the main thread held them (:func:`_signals_held`)."""

    depth = 0
    pending: int | None = None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """In the main thread, a signal of :func:`raise_on_signals` that comes during the block
    raises :class:`Interrupted` only when the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
        if _Held.depth == 0 and _Held.pending is not None:
            signum, _Held.pending = _Held.pending, None
            raise Interrupted(signum)


@contextlib.contextmanager
def raise_on_signals(signals: Iterable[int] = STOP_SIGNALS) -> Iterator[None]:
    """While the block runs, each of ``signals`` raises :class:`Interrupted` in the main thread.

    With-blocks then unwind as they do for Ctrl-C, removing their temporary files; a
    second signal while they do is ignored. The previous handlers come back at the
    end. Outside the main thread (where Python cannot set handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            if _Held.depth:
                _Held.pending = signum  # raised when the held block is done
                return
            raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signals}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


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


def _write_error(name: str, exc: OSError) -> OutputError:
    shown = "<stdout>" if name == STDOUT else name
    if exc.errno == errno.EPIPE:
        return OutputClosedError(f"{shown}: the reader closed the output early", target=name, errno=exc.errno)
    message = f"{shown}: cannot write the output: {exc.strerror or type(exc).__name__}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message += "; free some space or choose another output path"
    return OutputError(message, target=name, errno=exc.errno)


class GuardedOutput(io.RawIOBase):
    """A binary stream over ``raw`` whose OS errors become :class:`OutputError` for ``name``.

    Closing it does not close ``raw``; :func:`atomic_output` does that.
    """

    def __init__(self, raw: BinaryIO, *, name: str) -> None:
        super().__init__()
        self._raw = raw
        self.name = name
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]  # Buffer: 3.12
        view = memoryview(data)
        try:
            self._raw.write(view)
        except OSError as exc:
            raise _write_error(self.name, exc) from None
        self._position += view.nbytes
        return view.nbytes

    def flush(self) -> None:
        if not self.closed:
            _flush(self._raw, self.name)

    def sync(self) -> None:
        """Flush, and fsync a regular file: a full disk or I/O error shows up now, not at the end."""
        _flush(self._raw, self.name, sync=_is_regular(self._raw))

    def tell(self) -> int:
        return self._position

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        self.flush()
        super().close()


def _is_regular(raw: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):  # no file descriptor (BytesIO)
        return False


def _flush(raw: BinaryIO, name: str, *, sync: bool = False) -> None:
    try:
        raw.flush()
        if sync:
            os.fsync(raw.fileno())
    except OSError as exc:
        raise _write_error(name, exc) from None


def writes_in_place(target: Path) -> bool:
    """Whether ``target`` is written directly: it exists and is no regular file (a device, FIFO)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def atomic_output(target: Path | None, *, stdout: BinaryIO, mode: int | None = None) -> Iterator[BinaryIO]:
    """Yield a binary stream that becomes ``target`` only if the block succeeds.

    ``target`` ``None`` writes to ``stdout``; a device or FIFO is opened and written
    directly. Neither can be taken back. ``mode`` fixes the permission bits of the file
    (default: those of the file it replaces, else ``0666`` less the umask).
    """
    if target is None:
        yield cast(BinaryIO, GuardedOutput(stdout, name=STDOUT))
        _flush(stdout, STDOUT)
        return
    target = Path(target)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory; give a file path for the output")
    if writes_in_place(target):
        with _open_in_place(target) as raw:
            yield cast(BinaryIO, GuardedOutput(raw, name=str(target)))
            _flush(raw, str(target))
        return
    with _replace_at_end(target, mode=mode) as raw:
        yield cast(BinaryIO, GuardedOutput(raw, name=str(target)))


@contextlib.contextmanager
def _open_in_place(target: Path) -> Iterator[BinaryIO]:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UsageError(f"{target}: cannot open the output: {exc.strerror or exc}") from None
    raw = os.fdopen(fd, "wb")
    try:
        yield raw
    finally:
        with contextlib.suppress(OSError):  # a write error was reported already
            raw.close()


def _new_temporary(target: Path) -> tuple[int, Path]:
    """A new temporary file beside ``target``, registered before a stop signal can come
    between its creation and its registration (the signal waits until both are done)."""
    with _signals_held():
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise UsageError(f"{target}: cannot create the output file: {exc.strerror or exc}") from None
        tmp = Path(name)
        _register(tmp)
    return fd, tmp


@contextlib.contextmanager
def _replace_at_end(target: Path, *, mode: int | None) -> Iterator[BinaryIO]:
    directory = target.parent
    fd, tmp = _new_temporary(target)
    out: BinaryIO | None = None
    try:
        out = os.fdopen(fd, "wb")
        yield out
        _flush(out, str(target), sync=True)
        out.close()
        os.chmod(tmp, _final_mode(target) if mode is None else mode)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise UsageError(f"{target}: cannot write the output file: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):  # e.g. the disk is full: the data is dropped anyway
            if out is None:
                os.close(fd)
            else:
                out.close()
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _forget(tmp)
    _fsync_directory(directory)


@contextlib.contextmanager
def atomic_text_output(
    target: Path, *, encoding: str = "utf-8", mode: int | None = None, newline: str = ""
) -> Iterator[TextIO]:
    """:func:`atomic_output` to a file, as text (with ``newline=""``, lines end as written)."""
    with atomic_output(target, stdout=sys.stdout.buffer, mode=mode) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        try:
            yield text
        finally:
            try:
                text.flush()
            finally:
                text.detach()  # atomic_output closes the file
