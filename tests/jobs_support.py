"""Inputs and helpers for the job tests (tests/test_jobs_*.py)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner, Result

from anonymizer.cli.anonymize import anonymize

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "anonymizer.cli.anonymize"]
#: Rule labels only: the tagger is not loaded, so these runs are quick.
RULES = "PNR,PHONE,EMAIL,TME"
AUDIT_KEY = "job-test-key"

NOTES = [
    "Sofia Ahmed (850612-1238) ringde i går från 070-123 45 67.",
    "Mejla erik.berg@example.se före den 3 maj 2021, kl. 14.30.",
    'Inga personuppgifter, bara "citat", komman och\nen radbrytning.',
    "Patienten kom till vårdcentralen i Umeå den 4 mars 2020 med feber.",
    "Återbesök nästa vecka; ring 08-123 456 78 vid frågor.",
]


def note(index: int) -> str:
    return f"{NOTES[index % len(NOTES)]} Ärende {index}."


def make_inputs(root: Path, *, rows: int = 300) -> Path:
    """A folder with a CSV, JSON Lines, Parquet (several row groups) and a text file."""
    (root / "sub").mkdir(parents=True, exist_ok=True)
    with (root / "notes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([i, note(i)] for i in range(rows))
    with (root / "sub" / "notes.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"id": i, "text": note(i + 1)}, ensure_ascii=False) + "\n")
    table = pa.table({"id": list(range(rows)), "text": [note(i + 2) if i % 9 else None for i in range(rows)]})
    pq.write_table(table, root / "sub" / "notes.parquet", row_group_size=max(rows // 5, 1))
    (root / "letter.txt").write_text("\n\n".join(note(i) for i in range(12)) + "\n", encoding="utf-8")
    return root


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(anonymize, [str(a) for a in args], catch_exceptions=False)


def job_args(source: Path, out: Path, audit: Path, *extra: str | Path) -> list[str | Path]:
    return [
        source,
        "-o",
        out,
        "--column",
        "text",
        "--entities",
        RULES,
        "--audit",
        audit,
        "--audit-key",
        AUDIT_KEY,
        *extra,
    ]


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but the job's own work folder."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".anonymizer" not in path.parts
    }


def temporary_files(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob("*.tmp")]


def start(args: list[str | Path]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [*COMMAND, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT
    )


def wait_for(condition: object, process: subprocess.Popen[bytes], *, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if process.poll() is not None:
            raise AssertionError(f"the run ended first: {process.communicate()[1].decode()}")
        assert time.monotonic() < deadline, "the run did not get there in time"
        time.sleep(0.02)
