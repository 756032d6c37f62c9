"""`anonymize` over folders: engines and workers agree byte for byte, bad files fail alone,
resume after a kill ends as an uninterrupted run. Rule labels only (no tagger) unless marked."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from jobs_support import (
    AUDIT_KEY,
    RULES,
    job_args,
    make_inputs,
    run,
    start,
    temporary_files,
    tree_bytes,
    wait_for,
)


def report_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def by_source(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(item["source"]).name: item for item in report["files"]}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("jobs") / "in")


@pytest.fixture(scope="module")
def reference(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], bytes]:
    """One worker, in this process: the output tree and the audit log."""
    folder = tmp_path_factory.mktemp("reference")
    result = run(
        *job_args(inputs, folder / "out", folder / "audit.jsonl", "--workers", "1", "--part-size", "4K")
    )
    assert result.exit_code == 0, result.output
    return tree_bytes(folder / "out"), (folder / "audit.jsonl").read_bytes()


def test_the_job_output_is_the_single_file_output(
    inputs: Path, reference: tuple[dict[str, bytes], bytes], tmp_path: Path
) -> None:
    outputs, audit = reference
    assert sorted(outputs) == ["letter.txt", "notes.csv", "sub/notes.jsonl", "sub/notes.parquet"]
    lines = audit.decode("utf-8").splitlines()
    summaries = [json.loads(line) for line in lines if '"type": "summary"' in line]
    assert [Path(s["source"]).name for s in summaries] == [
        "letter.txt",
        "notes.csv",
        "notes.jsonl",
        "notes.parquet",
    ]
    assert all("seconds" not in s for s in summaries)  # timings are in the run report
    for name, data in outputs.items():
        column = [] if name.endswith(".txt") else ["--column", "text"]
        single, single_audit = tmp_path / Path(name).name, tmp_path / f"{Path(name).name}.audit"
        args = [inputs / name, *column, "--entities", RULES, "-o", single, "--audit", single_audit]
        assert run(*args, "--audit-key", AUDIT_KEY, "-q").exit_code == 0
        assert single.read_bytes() == data, name
        entries = [
            line for line in single_audit.read_text(encoding="utf-8").splitlines() if '"summary"' not in line
        ]
        assert all(line in lines for line in entries)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_give_the_same_bytes(
    workers: str, inputs: Path, reference: tuple[dict[str, bytes], bytes], tmp_path: Path
) -> None:
    args = job_args(
        inputs, tmp_path / "out", tmp_path / "audit.jsonl", "--workers", workers, "--part-size", "3K"
    )
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert (tree_bytes(tmp_path / "out"), (tmp_path / "audit.jsonl").read_bytes()) == reference
    report = report_of(tmp_path / "audit.report.json")
    assert report["workers"] == int(workers) and report["totals"]["done"] == 4
    assert by_source(report)["notes.csv"]["parts"] > 1


def test_dask_local_cluster_gives_the_same_bytes(
    inputs: Path, reference: tuple[dict[str, bytes], bytes], tmp_path: Path
) -> None:
    args = job_args(inputs, tmp_path / "out", tmp_path / "audit.jsonl", "--engine", "dask", "--workers", "2")
    result = run(*args, "--part-size", "3K")
    assert result.exit_code == 0, result.output
    assert (tree_bytes(tmp_path / "out"), (tmp_path / "audit.jsonl").read_bytes()) == reference
    assert report_of(tmp_path / "audit.report.json")["engine"] == "dask"


SECRET = "Hemliga Personen"


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Good files and bad ones (each bad in its own way), in this order."""
    root = make_inputs(tmp_path / "in", rows=40)
    (root / "a-broken.csv").write_text(f'id,text\n1,"{SECRET} 070-123 45 67\n2,ok\n', encoding="utf-8")
    (root / "b-nocolumn.csv").write_text(f"id,note\n1,{SECRET}\n", encoding="utf-8")
    (root / "c-garbage.parquet").write_bytes(b"PAR1" + SECRET.encode() * 10)
    (root / "d-latin1.jsonl").write_bytes(
        json.dumps({"text": SECRET + " ä"}, ensure_ascii=False).encode("latin-1")
    )
    good = "".join(f"{i},Ring 070-123 45 {i % 100:02d} i morgon.\n" for i in range(3000))
    (root / "e-late.csv").write_text(f'id,text\n{good}401,"{SECRET}\n', encoding="utf-8")  # cut first
    return root


def test_a_bad_file_fails_alone(mixed: Path, tmp_path: Path) -> None:
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    result = run(*job_args(mixed, out, audit, "--workers", "2", "--part-size", "2K"))
    assert result.exit_code == 3, result.output
    report = report_of(tmp_path / "audit.report.json")
    files = by_source(report)
    assert {name: item["error"]["code"] for name, item in files.items() if item["status"] == "failed"} == {
        "a-broken.csv": "input",
        "b-nocolumn.csv": "usage",
        "c-garbage.parquet": "input",
        "d-latin1.jsonl": "input",
        "e-late.csv": "input",
    }
    assert files["e-late.csv"]["parts"] > 1  # its first parts ran before the bad record was read
    assert "line 3: malformed CSV" in files["a-broken.csv"]["error"]["message"]
    assert "--encoding" in files["d-latin1.jsonl"]["error"]["message"]
    assert report["status"] == "failed" and report["totals"]["done"] == 4
    assert sorted(tree_bytes(out)) == ["letter.txt", "notes.csv", "sub/notes.jsonl", "sub/notes.parquet"]
    assert SECRET not in result.output
    assert SECRET not in (tmp_path / "audit.report.json").read_text(encoding="utf-8")
    assert "a-broken.csv (input)" in result.output
    sources = {json.loads(line)["source"] for line in audit.read_text(encoding="utf-8").splitlines()}
    assert {Path(s).name for s in sources} == {"letter.txt", "notes.csv", "notes.jsonl", "notes.parquet"}


def test_fail_fast_stops_at_the_first_failure(mixed: Path, tmp_path: Path) -> None:
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    result = run(*job_args(mixed, out, audit, "--workers", "1", "--fail-fast"))
    assert result.exit_code == 3, result.output
    statuses = [item["status"] for item in report_of(tmp_path / "audit.report.json")["files"]]
    assert statuses[0] == "failed"  # a-broken.csv comes first
    assert set(statuses[1:]) == {"not-started"}
    assert tree_bytes(out) == {}


def test_resume_skips_done_files_and_redoes_changed_ones(inputs: Path, tmp_path: Path) -> None:
    source = tmp_path / "in"
    make_inputs(source, rows=60)
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    args = job_args(source, out, audit, "--resume", "--workers", "1")
    assert run(*args).exit_code == 0
    first, first_audit = tree_bytes(out), audit.read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    again = run(*args)
    assert again.exit_code == 0 and "4 skipped (done before)" in again.output
    assert {
        p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".anonymizer" not in p.parts
    } == {p: m for p, m in stamps.items() if ".anonymizer" not in p.parts}
    assert audit.read_bytes() == first_audit

    letter = source / "letter.txt"
    letter.write_text(letter.read_text(encoding="utf-8") + "\nRing 070-765 43 21.\n", encoding="utf-8")
    changed = run(*args)
    assert changed.exit_code == 0
    files = by_source(report_of(tmp_path / "audit.report.json"))
    assert {name: item["status"] for name, item in files.items()} == {
        "letter.txt": "done",
        "notes.csv": "skipped",
        "notes.jsonl": "skipped",
        "notes.parquet": "skipped",
    }
    assert tree_bytes(out)["letter.txt"] != first["letter.txt"]

    other_labels = run(*[a if a != RULES else "PNR,PHONE" for a in args])
    assert other_labels.exit_code == 0
    assert report_of(tmp_path / "audit.report.json")["totals"]["skipped"] == 0


@pytest.mark.parametrize(("workers", "when"), [("1", "part"), ("2", "part"), ("2", "file")])
def test_resume_after_sigkill_ends_byte_identical(workers: str, when: str, tmp_path: Path) -> None:
    source = make_inputs(tmp_path / "in", rows=1000)  # still running when the kill comes
    reference_out, reference_audit = tmp_path / "ref", tmp_path / "ref.jsonl"
    assert run(*job_args(source, reference_out, reference_audit, "--workers", "1")).exit_code == 0

    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    args = job_args(source, out, audit, "--resume", "--workers", workers, "--part-size", "4K", "-q")
    process = start(args)
    work = out / ".anonymizer"
    if when == "part":
        wait_for(lambda: any(work.glob("parts/*/*.done")), process)
    else:
        wait_for(lambda: (work / "manifest.jsonl").is_file(), process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert not audit.exists()  # the job's audit log is written at the end only

    result = run(*args)
    assert result.exit_code == 0, result.output
    assert tree_bytes(out) == tree_bytes(reference_out)
    assert audit.read_bytes() == reference_audit.read_bytes()
    assert temporary_files(out, tmp_path) == []


def test_sigterm_stops_a_job_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    source = make_inputs(tmp_path / "in", rows=3000)  # still running when the signal comes
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    process = start(job_args(source, out, audit, "--workers", "2", "--part-size", "4K"))
    wait_for(lambda: any(out.glob(".anonymizer-*/parts/*/*.done")), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr.decode()
    assert "stopped by SIGTERM" in stderr.decode() and "Traceback" not in stderr.decode()
    assert temporary_files(tmp_path) == []
    assert not audit.exists() and not list(out.glob(".anonymizer-*"))
    assert report_of(tmp_path / "audit.report.json")["status"] == "interrupted"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--resume"], "--resume needs an output folder"),
        (["--scheduler", "tcp://localhost:1"], "--scheduler needs --engine dask"),
        (["--part-size", "lots"], "no size"),
    ],
)
def test_job_usage_errors(extra: list[str], message: str, inputs: Path) -> None:
    result = run(inputs / "notes.csv", "--column", "text", "--entities", RULES, *extra)
    assert result.exit_code == 2
    assert message in result.output


def test_resume_needs_fixed_keys(inputs: Path, tmp_path: Path) -> None:
    result = run(
        inputs, "-o", tmp_path / "out", "--column", "text", "--audit", tmp_path / "a.jsonl", "--resume"
    )
    assert result.exit_code == 2 and "--audit-key" in result.output
    result = run(inputs, "--column", "text")
    assert result.exit_code == 2 and "need an output folder" in result.output
