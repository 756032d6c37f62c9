"""Nothing unredacted is written anywhere under the output folder: not in the output, not
in a part file, not in a temporary file, whatever moment a run is stopped at.

A Parquet column may carry more than its rows: a dictionary-encoded one (a pandas
categorical) keeps its row group's whole dictionary in every record batch. Each value
here is one e-mail address, a marker of its own, that the rules replace whole, so no
marker may be found in any file the job writes.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymizer.config import load_config
from anonymizer.jobs.parts import split_file
from anonymizer.jobs.plan import FileTask
from anonymizer.jobs.worker import PartJob, Settings, load_anonymizer, run_part
from anonymizer.pipeline import Anonymizer
from jobs_support import job_args, run, start, wait_for

ROWS = 240
TYPES = {
    "string": pa.string(),
    "large_string": pa.large_string(),
    "dictionary": pa.dictionary(pa.int16(), pa.string()),
    "dictionary-int32": pa.dictionary(pa.int32(), pa.large_string()),
}


def marker(index: int) -> str:
    return f"zqx{index:04d}mark@example.se"


def parquet_with_markers(path: Path, type_: pa.DataType, *, rows: int = ROWS) -> list[str]:
    """Runs of 5 rows of one address each, between runs of 15 without any (whose batches of
    5 come back unchanged)."""
    markers = [marker(i) for i in range(rows) if i % 20 < 5]
    values = [marker(i) if i % 20 < 5 else "hej hej" for i in range(rows)]
    column = pa.array(values, pa.string())
    column = column.dictionary_encode().cast(type_) if pa.types.is_dictionary(type_) else column.cast(type_)
    pq.write_table(pa.table({"id": list(range(rows)), "text": column}), path, row_group_size=rows // 4)
    return markers


def found_in(folder: Path, markers: list[str]) -> dict[str, list[str]]:
    """Markers (their local part) found in any file under ``folder``, by file."""
    hits: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found = [m for m in markers if m.partition("@")[0].encode() in data]
            if found:
                hits[str(path.relative_to(folder))] = found[:3]
    return hits


def rules_settings() -> Settings:
    config = load_config().with_entities(frozenset({"EMAIL"}))
    return Settings(config=config, key=b"k" * 32, columns=("text",), chunk_rows=5)


@pytest.mark.parametrize("kind", list(TYPES))
def test_no_part_file_holds_text_of_any_row(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    markers = parquet_with_markers(source, TYPES[kind])
    task = FileTask(str(source), source, "parquet", "in.parquet", tmp_path / "out" / "in.parquet")
    settings = rules_settings()
    anonymizer: Anonymizer = load_anonymizer(settings)
    parts = split_file(task, size=source.stat().st_size, columns=["text"], encoding="utf-8", part_bytes=1)
    assert len(parts) == 4
    work = tmp_path / "out" / ".anonymizer"
    work.mkdir(parents=True)
    for part in parts:
        job = PartJob(task, part, work / f"{part.index}.out", None, work / f"{part.index}.done")
        run_part(anonymizer, settings, job)
    assert found_in(work, markers) == {}


@pytest.mark.parametrize("kind", ["dictionary", "string"])
def test_a_job_writes_no_text_of_any_row(kind: str, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    markers = parquet_with_markers(tmp_path / "in" / "notes.parquet", TYPES[kind])
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    result = run(
        *job_args(tmp_path / "in", out, audit, "--entities", "EMAIL", "--chunk-rows", "5", "--part-size", "1")
    )
    assert result.exit_code == 0, result.output
    assert found_in(out, markers) == {}
    assert pq.read_table(out / "notes.parquet").num_rows == ROWS


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_stopped_resumable_job_leaves_no_text_of_any_row(stop: signal.Signals, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    markers = []
    for index in range(6):  # files that are still being redacted when the signal comes
        markers += parquet_with_markers(
            tmp_path / "in" / f"notes{index}.parquet", TYPES["dictionary"], rows=3000
        )
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    args = job_args(tmp_path / "in", out, audit, "--entities", "EMAIL", "--chunk-rows", "1", "--resume", "-q")
    process = start([*args, "--part-size", "1", "--workers", "1"])
    wait_for(lambda: any(out.glob(".anonymizer/parts/*/*.done")), process)
    process.send_signal(stop)
    process.wait(timeout=120)
    assert list(out.glob(".anonymizer/parts/*/*.out")), "the test needs part files left behind"
    assert found_in(out, markers) == {}
