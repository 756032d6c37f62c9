"""Output targets (anonymizer.io.atomic): all-or-nothing files, devices, FIFOs, write errors."""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
from pathlib import Path

import pytest

from anonymizer.errors import Interrupted, OutputClosedError, OutputError, UsageError
from anonymizer.io import (
    atomic_output,
)
from anonymizer.io.atomic import (
    GuardedOutput,
    raise_on_signals,
    remove_temporary_files,
    temporary_files,
    writes_in_place,
)
from io_support import FifoReader, full_device, null_device


def test_atomic_output_replaces_target_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"data")
        assert not target.exists()
        (tmp,) = tmp_path.iterdir()
        assert tmp.name.startswith(".out.csv.") and tmp.name.endswith(".tmp")
    assert target.read_bytes() == b"data"
    assert list(tmp_path.iterdir()) == [target]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_atomic_output_keeps_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("existing", [None, b"previous"])
def test_atomic_output_leaves_nothing_on_error(existing: bytes | None, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    if existing is not None:
        target.write_bytes(existing)
    with pytest.raises(RuntimeError), atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    if existing is None:
        assert list(tmp_path.iterdir()) == []
    else:
        assert list(tmp_path.iterdir()) == [target]
        assert target.read_bytes() == existing


def test_atomic_output_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError), atomic_output(tmp_path / "no" / "out.txt", stdout=io.BytesIO()):
        pass


def test_atomic_output_none_writes_to_stdout() -> None:
    stdout = io.BytesIO()
    with atomic_output(None, stdout=stdout) as out:
        out.write(b"x")
    assert stdout.getvalue() == b"x"


def test_atomic_text_output_is_all_or_nothing(tmp_path: Path) -> None:
    from anonymizer.io import atomic_text_output

    target = tmp_path / "out.jsonl"
    with atomic_text_output(target) as handle:
        handle.write("å\nä\n")
    assert target.read_bytes() == "å\nä\n".encode()
    with pytest.raises(RuntimeError), atomic_text_output(target) as handle:
        handle.write("halv")
        raise RuntimeError("boom")
    assert target.read_bytes() == "å\nä\n".encode()  # the earlier content stays
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left


def test_atomic_output_fixed_mode(tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    target.write_bytes(b"old")
    target.chmod(0o644)
    with atomic_output(target, stdout=io.BytesIO(), mode=0o600) as out:
        out.write(b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_output_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"), atomic_output(tmp_path, stdout=io.BytesIO()):
        pass


# --- devices and FIFOs: written directly, never replaced -------------------------------------


def test_device_is_written_in_place_and_stays_a_device(tmp_path: Path) -> None:
    device = null_device(tmp_path / "null")
    assert writes_in_place(device) and not writes_in_place(tmp_path / "absent")
    with atomic_output(device, stdout=io.BytesIO()) as out:
        out.write(b"data" * 10_000)
        assert temporary_files() == []
    assert stat.S_ISCHR(device.stat().st_mode)
    assert list(tmp_path.iterdir()) == [device]


def test_full_device_write_error_names_the_target(tmp_path: Path) -> None:
    device = full_device(tmp_path / "full")
    with pytest.raises(OutputError) as info, atomic_output(device, stdout=io.BytesIO()) as out:
        out.write(b"x" * 100_000)  # past the buffer: the write itself fails
    assert info.value.errno == errno.ENOSPC and info.value.target == str(device)
    assert str(device) in str(info.value) and "No space left on device" in str(info.value)
    assert stat.S_ISCHR(device.stat().st_mode)
    assert list(tmp_path.iterdir()) == [device]


def test_full_device_error_on_the_final_flush(tmp_path: Path) -> None:
    device = full_device(tmp_path / "full")
    with pytest.raises(OutputError, match="No space left"), atomic_output(device, stdout=io.BytesIO()) as out:
        out.write(b"small")  # buffered: fails when flushed at the end


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    with FifoReader(tmp_path / "pipe") as reader, atomic_output(reader.path, stdout=io.BytesIO()) as out:
        out.write(b"through the pipe")
    assert reader.data == b"through the pipe"
    assert stat.S_ISFIFO(reader.path.stat().st_mode)
    assert list(tmp_path.iterdir()) == [reader.path]


def test_fifo_closed_early_is_an_output_closed_error(tmp_path: Path) -> None:
    with (
        FifoReader(tmp_path / "pipe", limit=10) as reader,
        pytest.raises(OutputClosedError) as info,
        atomic_output(reader.path, stdout=io.BytesIO()) as out,
    ):
        for _ in range(1000):
            out.write(b"x" * 10_000)
    assert info.value.errno == errno.EPIPE and reader.data == b"x" * 10


class FailingStream(io.BytesIO):
    def __init__(self, code: int) -> None:
        super().__init__()
        self.code = code

    def write(self, data: object) -> int:  # type: ignore[override]
        raise OSError(self.code, os.strerror(self.code))


@pytest.mark.parametrize("code", [errno.EIO, errno.ENOSPC])
def test_stdout_write_error_names_stdout(code: int) -> None:
    with pytest.raises(OutputError) as info, atomic_output(None, stdout=FailingStream(code)) as out:  # type: ignore[arg-type]
        out.write(b"x")
    assert str(info.value).startswith("<stdout>: cannot write the output") and info.value.errno == code
    assert info.value.target == "-"


def test_fsync_error_of_a_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    target = tmp_path / "out.txt"
    with (
        pytest.raises(OutputError, match=r"out\.txt: cannot write the output: Input/output error"),
        atomic_output(target, stdout=io.BytesIO()) as out,
    ):
        out.write(b"data")
    assert list(tmp_path.iterdir()) == []


def test_guarded_output_counts_position_and_keeps_the_stream_open() -> None:
    raw = io.BytesIO()
    guarded = GuardedOutput(raw, name="-")
    assert guarded.write(b"abc") == 3 and guarded.write(memoryview(b"de")) == 2
    assert guarded.tell() == 5
    guarded.close()
    assert not raw.closed and raw.getvalue() == b"abcde"


# --- the registry of temporary files and signals ---------------------------------------------


def test_temporary_files_are_registered_while_they_exist(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"x")
        (tmp,) = temporary_files()
        assert tmp.parent == tmp_path and tmp.exists()
    assert temporary_files() == []
    with pytest.raises(RuntimeError), atomic_output(target, stdout=io.BytesIO()):
        raise RuntimeError("boom")
    assert temporary_files() == [] and list(tmp_path.iterdir()) == [target]


def test_remove_temporary_files_cleans_up_for_a_signal_handler(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"x")
        remove_temporary_files()  # what a handler does when it cannot unwind the block
        assert list(tmp_path.iterdir()) == [] and temporary_files() == []
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_a_forked_worker_removes_only_its_own_temporary_files(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "parent.txt", stdout=io.BytesIO()):
        (parent_tmp,) = temporary_files()
        pid = os.fork()
        if pid == 0:  # the worker: inherits the registry, owns none of it
            try:
                status = 0 if temporary_files() == [] else 3
                remove_temporary_files()
            finally:
                os._exit(status if parent_tmp.exists() else 4)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert parent_tmp.exists()
    assert (tmp_path / "parent.txt").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_raise_on_signals_unwinds_and_removes_the_temporary_file(signum: int, tmp_path: Path) -> None:
    before = signal.getsignal(signum)
    with (
        pytest.raises(Interrupted) as info,
        raise_on_signals(),
        atomic_output(tmp_path / "out.txt", stdout=io.BytesIO()) as out,
    ):
        out.write(b"partial")
        os.kill(os.getpid(), signum)
        pytest.fail("the signal did not interrupt the block")
    assert info.value.signum == signum
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signum) == before  # the previous handler is back


def test_a_second_signal_while_unwinding_is_ignored() -> None:
    caught = []
    with raise_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except Interrupted as first:
            caught.append(first.signum)
            os.kill(os.getpid(), signal.SIGTERM)  # during cleanup: must not raise again
    assert caught == [signal.SIGTERM]


def test_a_signal_while_the_temporary_file_is_made_cannot_leave_it_unlisted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop signal that comes just after mkstemp created the file (before it was
    registered) waits until it is registered, so the exit path's cleanup finds it."""
    import tempfile

    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_signal(**kwargs: object) -> tuple[int, str]:
        made = real_mkstemp(**kwargs)  # type: ignore[call-overload]
        signal.raise_signal(signal.SIGTERM)  # its handler runs now, in the worst place
        return made  # type: ignore[no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_signal)
    target = tmp_path / "out.txt"
    with pytest.raises(Interrupted), raise_on_signals(), atomic_output(target, stdout=io.BytesIO()):
        pass
    remove_temporary_files()  # what the exit path (cli.common.exit_codes) does
    assert list(tmp_path.iterdir()) == [] and temporary_files() == []
