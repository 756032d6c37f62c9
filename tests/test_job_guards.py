"""A job checks its paths before it writes anything, holds its output folder alone, and
fails a file that is no regular file alone, without opening it.

Each collision is refused with exit 2, the inputs unchanged and nothing written; FIFOs,
sockets and device nodes are made in the test's own folder, never under /dev.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jobs_support import ROOT, RULES, run

PNR = "811218-9876"
CSV = f"id,text\n1,Zqxmark ringde {PNR}\n"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.csv").write_text(CSV, encoding="utf-8")
    (folder / "sub" / "more.csv").write_text(CSV, encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def job(*args: str | Path) -> list[str | Path]:
    return [*args, "--column", "text", "--entities", RULES, "--audit-key", "k", "-q"]


# Each builds the arguments of a job whose paths collide, from the input folder and the test's folder.
COLLISIONS: dict[str, tuple[Callable[[Path, Path], list[str | Path]], str]] = {
    "report-is-audit": (
        lambda i, t: job(i, "-o", t / "out", "--audit", t / "a.jsonl", "--report", t / "a.jsonl"),
        "the run report would overwrite the audit log",
    ),
    "report-is-an-input": (
        lambda i, t: job(i, "-o", t / "out", "--report", i / "notes.csv"),
        "the run report would overwrite the input file",
    ),
    "report-is-an-input-by-symlink": (
        lambda i, t: job(i, "-o", t / "out", "--report", t / "link.json"),
        "the run report would overwrite the input file",
    ),
    "report-is-an-input-by-hard-link": (
        lambda i, t: job(i, "-o", t / "out", "--report", t / "hard.json"),
        "the run report would overwrite the input file",
    ),
    "audit-is-an-input-by-hard-link": (
        lambda i, t: job(i, "-o", t / "out", "--audit", t / "hard.json"),
        "the audit log would overwrite the input file",
    ),
    "audit-inside-the-output-folder": (
        lambda i, t: job(i, "-o", t / "out", "--audit", t / "out" / "audit.jsonl"),
        "the audit log would be inside the output folder",
    ),
    "audit-is-a-mirrored-output": (
        lambda i, t: job(i, "-o", t / "out", "--audit", t / "out" / "notes.csv"),
        "the audit log would overwrite the output of",
    ),
    "report-is-a-mirrored-output": (
        lambda i, t: job(i, "-o", t / "out", "--report", t / "out" / "sub" / "more.csv"),
        "the run report would overwrite the output of",
    ),
    "report-in-the-work-folder": (
        lambda i, t: job(i, "-o", t / "out", "--report", t / "out" / ".anonymizer" / "r.json", "--resume"),
        "the run report would be inside the output folder",
    ),
    "report-is-the-output-file": (
        lambda i, t: job(i / "notes.csv", "-o", t / "one.csv", "--report", t / "one.csv"),
        "the run report would overwrite the output of",
    ),
    "default-report-is-the-output-file": (
        lambda i, t: job(
            i / "notes.csv", "-o", t / "a.report.json", "--audit", t / "a.jsonl", "--workers", "1"
        ),
        "the run report would overwrite the output of",
    ),
    "report-in-a-missing-folder": (
        lambda i, t: job(i, "-o", t / "out", "--report", t / "nope" / "r.json"),
        "the folder for the run report does not exist",
    ),
    "audit-in-a-missing-folder": (
        lambda i, t: job(i, "-o", t / "out", "--audit", t / "nope" / "a.jsonl"),
        "the folder for the audit log does not exist",
    ),
}


@pytest.mark.parametrize("case", list(COLLISIONS))
def test_colliding_paths_are_refused_before_anything_is_written(
    case: str, inputs: Path, tmp_path: Path
) -> None:
    (tmp_path / "link.json").symlink_to(inputs / "notes.csv")
    os.link(inputs / "sub" / "more.csv", tmp_path / "hard.json")
    build, message = COLLISIONS[case]
    before = snapshot(tmp_path)
    result = run(*build(inputs, tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ")
    assert "Zqxmark" not in result.output
    assert snapshot(tmp_path) == before, "a file was written or changed"


def test_a_report_in_the_output_folder_is_allowed(inputs: Path, tmp_path: Path) -> None:
    result = run(*job(inputs, "-o", tmp_path / "out", "--report", tmp_path / "out" / "report.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["status"] == "ok"


HOLD = """
import sys
from pathlib import Path
from anonymizer.jobs.workspace import folders
audit = Path(sys.argv[2]) if sys.argv[2] != "-" else None
with folders(output_dir=Path(sys.argv[1]), output_file=None, audit_target=audit, resume=True):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder() -> Iterator[Callable[..., None]]:
    """Another process that holds a job's folders (as a running job does) until the test ends."""
    started: list[subprocess.Popen[str]] = []

    def hold(out: Path, audit: Path | None) -> None:
        args = [str(out), str(audit or "-")]
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline() == "held\n"

    yield hold
    for process in started:
        process.communicate(timeout=60)


def test_a_second_run_into_the_same_output_folder_is_refused(
    inputs: Path, tmp_path: Path, holder: Callable[..., None]
) -> None:
    out = tmp_path / "out"
    holder(out, None)
    for extra in (["--resume"], []):
        result = run(*job(inputs, "-o", out, *extra))
        assert result.exit_code == 2, result.output
        assert f"{out}: another run is using this output folder now" in result.output.replace("\n", " ")
    assert not (out / "notes.csv").exists()


def test_a_second_run_with_the_same_audit_log_is_refused(
    inputs: Path, tmp_path: Path, holder: Callable[..., None]
) -> None:
    audit = tmp_path / "audit.jsonl"
    holder(tmp_path / "elsewhere", audit)
    result = run(*job(inputs, "-o", tmp_path / "out", "--audit", audit, "--resume"))
    assert result.exit_code == 2, result.output
    assert "another run is using this audit log's folder now" in result.output.replace("\n", " ")


def test_the_lock_goes_with_the_run(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):  # the first run's lock does not outlive it
        assert run(*job(inputs, "-o", out, "--resume")).exit_code == 0


def make_odd_files(folder: Path) -> dict[str, str]:
    """Entries that are no regular file, each named like an input; name -> what the message says."""
    os.mkfifo(folder / "pipe.csv")
    os.mknod(folder / "null.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.jsonl"))
    server.close()
    (folder / "dangling.csv").symlink_to(folder / "gone.csv")
    os.mkfifo(folder / ".hidden-pipe")
    (folder / "to-pipe.csv").symlink_to(folder / ".hidden-pipe")
    return {
        "pipe.csv": "not a regular file but a FIFO (named pipe)",
        "null.txt": "not a regular file but a device",
        "sock.jsonl": "not a regular file but a socket",
        "dangling.csv": "cannot read: a symbolic link to a file that does not exist",
        "to-pipe.csv": "not a regular file but a FIFO",
    }


@pytest.mark.parametrize("how", ["folder", "glob", "named"])
def test_what_is_no_regular_file_fails_alone_unopened(how: str, inputs: Path, tmp_path: Path) -> None:
    odd = make_odd_files(inputs)
    out, report = tmp_path / "out", tmp_path / "report.json"
    sources = {
        "folder": [inputs],
        "glob": [f"{inputs}/*"],
        "named": [inputs / "notes.csv", *(inputs / n for n in odd)],
    }
    args = [*map(str, job(*sources[how], "-o", out, "--report", report, "--workers", "2"))]
    # In a process of its own: a FIFO opened by mistake would hang the run, not the tests.
    command = [sys.executable, "-m", "anonymizer.cli.anonymize", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert done.returncode == 3, done.stderr
    files = {
        Path(item["source"]).name: item for item in json.loads(report.read_text(encoding="utf-8"))["files"]
    }
    assert files["notes.csv"]["status"] == "done"
    for name, message in odd.items():
        assert files[name]["status"] == "failed" and files[name]["error"]["code"] == "input", name
        assert message in files[name]["error"]["message"], name
    assert "[PNR_1]" in (out / "notes.csv").read_text(encoding="utf-8")
    assert "Traceback" not in done.stderr


def test_the_dask_engine_without_dask_says_how_to_install_it(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    result = run(*job(inputs, "-o", tmp_path / "out", "--engine", "dask"))
    assert result.exit_code == 2, result.output
    assert result.output == "error: the dask engine needs dask.distributed: pip install 'anonymizer[dask]'\n"
    assert not (tmp_path / "out").exists()
