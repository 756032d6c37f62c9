"""Planted names never reach a message, a run report or an audit log.

Every input value holds a marker name of its own. The inputs reach the error paths of
a job (files that cannot be read, decoded or parsed; values whose detection runs out of
time, stopped or masked) through worker processes; afterwards stderr, the run report,
the audit log and every file left behind are searched for the markers. The single-file
error paths are searched the same way by ``tests/test_bad_inputs.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from anonymizer.cli.anonymize import anonymize

PNR = "811218-9876"


def bad_inputs(folder: Path) -> dict[str, str]:
    """Files that each fail in their own way, and one good one; file name -> its marker."""
    folder.mkdir()
    markers: dict[str, str] = {}

    def marker(name: str) -> str:
        markers[name] = f"Qzm{len(markers):02d}arkörsson"
        return markers[name]

    (folder / "good.csv").write_text(f"id,text\n1,{marker('good.csv')} {PNR}\n", encoding="utf-8")
    (folder / "broken-quote.csv").write_text(f'id,text\n1,"{marker("broken-quote.csv")}\n', encoding="utf-8")
    (folder / "ragged.csv").write_text(f"id,text\n1,{marker('ragged.csv')},x\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes(f"{marker('latin1.txt')} är här\n".encode("latin-1"))
    (folder / "number.jsonl").write_text(
        json.dumps({"text": f"{marker('number.jsonl')} {PNR}"}) + '\n{"text": 7}\n', encoding="utf-8"
    )
    (folder / "bad-line.jsonl").write_text(f'{{"text": "{marker("bad-line.jsonl")}\n', encoding="utf-8")
    (folder / "headerless.csv").write_text(f"7,{marker('headerless.csv')} ringde {PNR}\n", encoding="utf-8")
    (folder / "utf16.csv").write_bytes(f"id,text\n1,{marker('utf16.csv')} {PNR}\n".encode("utf-16-le"))
    repeated = marker("repeated.jsonl")
    line = f'{{"text": "{repeated} {PNR}", "text": "hej"}}\n'
    (folder / "repeated.jsonl").write_text(line, encoding="utf-8")
    surrogate = marker("surrogate.jsonl")
    (folder / "surrogate.jsonl").write_text(f'{{"text": "{surrogate} \\ud83d"}}\n', encoding="utf-8")
    (folder / "corrupt.parquet").write_bytes(f"PAR1 {marker('corrupt.parquet')} PAR1".encode())
    pq.write_table(pa.table({"text": pa.array([[marker("nested.parquet")]])}), folder / "nested.parquet")
    return markers


def run_job(source: Path, out: Path, *extra: str) -> tuple[Result, str]:
    args = [str(source), "-o", str(out), "--column", "text", "--entities", "PNR", "--workers", "2"]
    args += ["--audit", str(out.parent / "audit.jsonl"), "--report", str(out.parent / "report.json"), *extra]
    result = CliRunner().invoke(anonymize, args, catch_exceptions=False)
    left = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(out.parent.rglob("*"))
        if path.is_file() and source not in path.parents
    ]
    return result, "\n".join([result.output, *left])


def test_failing_files_leak_no_planted_name(tmp_path: Path) -> None:
    markers = bad_inputs(tmp_path / "in")
    result, everything = run_job(tmp_path / "in", tmp_path / "work" / "out")
    assert result.exit_code == 3, result.output  # some files failed
    report = json.loads((tmp_path / "work" / "report.json").read_text(encoding="utf-8"))
    status = {Path(item["source"]).name: item["status"] for item in report["files"]}
    assert status == {name: "done" if name == "good.csv" else "failed" for name in markers}
    for name, marker in markers.items():
        if name != "good.csv":  # the good file's output holds its (undetected) marker
            assert marker not in everything, name
    assert "[PNR_1]" in (tmp_path / "work" / "out" / "good.csv").read_text(encoding="utf-8")


def timed_out(folder: Path) -> dict[str, str]:
    folder.mkdir()
    markers: dict[str, str] = {}
    for index, name in enumerate(["a.csv", "b.csv"]):
        markers[name] = f"Qzt{index}imeoutsson"
        rows = "".join(f"{row},{markers[name]} {PNR} rad {row}\n" for row in range(20))
        (folder / name).write_text(f"id,text\n{rows}", encoding="utf-8")
    (folder / "c.txt").write_text("Qzt2imeoutsson\n\nQzt2imeoutsson igen\n", encoding="utf-8")
    markers["c.txt"] = "Qzt2imeoutsson"
    return markers


@pytest.mark.parametrize("on_error", ["stop", "mask"])
def test_values_out_of_time_leak_no_planted_name(tmp_path: Path, on_error: str) -> None:
    """A limit no value can meet: in the worker processes every value runs out of time."""
    markers = timed_out(tmp_path / "in")
    out = tmp_path / "work" / "out"
    result, everything = run_job(tmp_path / "in", out, "--record-timeout", "0.000001", "--on-error", on_error)
    for marker in markers.values():
        assert marker not in everything
    report = json.loads((tmp_path / "work" / "report.json").read_text(encoding="utf-8"))
    if on_error == "stop":
        assert result.exit_code == 3, result.output
        assert {item["status"] for item in report["files"]} == {"failed"}
        assert all("time limit" in item["error"]["message"] for item in report["files"])
        assert not out.exists() or not any(path.is_file() for path in out.iterdir())
        return
    assert result.exit_code == 0, result.output
    assert report["totals"]["counts"] == {"ERROR": 42}
    assert (out / "a.csv").read_text(encoding="utf-8").splitlines()[1:3] == ["0,[REDACTED]", "1,[REDACTED]"]
    errors = [json.loads(line) for line in (tmp_path / "work" / "audit.jsonl").read_text().splitlines()]
    errors = [entry for entry in errors if entry.get("label") == "ERROR"]
    assert len(errors) == 42 and all("time limit" in entry["reason"] for entry in errors)
