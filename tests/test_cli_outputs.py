"""`anonymize` and its output targets: devices, FIFOs, full disks, closed pipes, signals.

End to end with the shipped model. Devices and FIFOs are made in the test's own
folder (never the real /dev/null or /dev/full: the tests run as root).
"""

from __future__ import annotations

import csv
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from anonymizer.cli.anonymize import anonymize
from io_support import FifoReader, full_device, null_device

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "samples" / "notes.csv"
COMMAND = [sys.executable, "-m", "anonymizer.cli.anonymize"]

pytestmark = pytest.mark.shipped_model


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(anonymize, [str(a) for a in args], catch_exceptions=False)


def big_csv(path: Path, rows: int = 20_000) -> Path:
    """Large enough that the run is still going when the test stops it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for row in range(rows):
            writer.writerow([row, f"Anna Lind ringde den 3 maj om ärende {row}; Erik Berg i Umeå svarade."])
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- devices and FIFOs -------------------------------------------------------------------


def test_output_to_a_null_device_keeps_the_device(tmp_path: Path) -> None:
    device = null_device(tmp_path / "null")
    audit = tmp_path / "audit.jsonl"
    result = run(NOTES, "--column", "text", "-o", device, "--audit", audit, "-q")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(device.stat().st_mode)
    assert audit.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["audit.jsonl", "null"]


def test_audit_to_a_null_device_keeps_the_device(tmp_path: Path) -> None:
    device = null_device(tmp_path / "null")
    out = tmp_path / "out.csv"
    assert run(NOTES, "--column", "text", "-o", out, "--audit", device, "-q").exit_code == 0
    assert stat.S_ISCHR(device.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "out.csv"]


@pytest.mark.parametrize("which", ["output", "audit"])
def test_full_device_fails_with_a_message_and_leaves_nothing(which: str, tmp_path: Path) -> None:
    device = full_device(tmp_path / "full")
    other = tmp_path / ("audit.jsonl" if which == "output" else "out.csv")
    output, audit = (device, other) if which == "output" else (other, device)
    result = run(NOTES, "--column", "text", "-o", output, "--audit", audit, "-q")
    assert result.exit_code == 1
    assert f"{device}: cannot write the output: No space left on device" in result.output
    assert "Traceback" not in result.output
    assert stat.S_ISCHR(device.stat().st_mode)
    assert list(tmp_path.iterdir()) == [device]  # the other target was not committed either


def test_output_and_audit_to_fifos(tmp_path: Path) -> None:
    expected = tmp_path / "expected.csv"
    assert run(NOTES, "--column", "text", "-o", expected, "--audit-key", "k", "-q").exit_code == 0
    with (
        FifoReader(tmp_path / "out.pipe") as out,
        FifoReader(tmp_path / "audit.pipe") as audit,
    ):
        result = run(NOTES, "--column", "text", "-o", out.path, "--audit", audit.path, "--audit-key", "k")
    assert result.exit_code == 0, result.output
    assert out.data == expected.read_bytes()
    assert audit.data.decode("utf-8").splitlines()[-1].startswith('{"type": "summary"')
    assert stat.S_ISFIFO(out.path.stat().st_mode) and stat.S_ISFIFO(audit.path.stat().st_mode)
    assert leftovers(tmp_path) == []


# --- a closed pipe -----------------------------------------------------------------------


def test_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    source = big_csv(tmp_path / "big.csv", rows=5_000)
    audit = tmp_path / "audit.jsonl"
    producer = subprocess.Popen(
        [*COMMAND, str(source), "--column", "text", "--chunk-rows", "16", "--audit", str(audit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None
    head = subprocess.run(["head", "-c", "10"], stdin=producer.stdout, capture_output=True, check=True)
    producer.stdout.close()
    _, err = producer.communicate(timeout=300)
    assert head.stdout == b"id,text\r\n0"  # the header as read, then the first record
    assert producer.returncode == 128 + signal.SIGPIPE, err.decode()
    assert err == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]  # no audit log of a cut run


# --- signals -----------------------------------------------------------------------------


def wait_for_temporary_file(folder: Path, process: subprocess.Popen[bytes], *, timeout: float = 240) -> None:
    """The run is under way (model loaded, output open) once its temporary file exists."""
    deadline = time.monotonic() + timeout
    while not any(p.name.startswith(".out.csv.") for p in folder.iterdir()):
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)],
)
def test_signal_stops_the_run_and_leaves_nothing(signum: int, code: int, tmp_path: Path) -> None:
    source = big_csv(tmp_path / "big.csv")
    out, audit = tmp_path / "out.csv", tmp_path / "audit.jsonl"
    process = subprocess.Popen(
        [*COMMAND, str(source), "--column", "text", "-o", str(out), "--audit", str(audit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A run started in the background by a shell ignores SIGINT (and Python then keeps
        # ignoring it); the test asks for Ctrl-C's default, whatever started the tests.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_for_temporary_file(tmp_path, process)
        time.sleep(0.5)  # mid-run: chunks are being detected and written
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code, stderr.decode()
    assert stdout == b""
    assert "no output file or audit log was left" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]
