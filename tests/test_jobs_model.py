"""With the shipped model: workers, engines and the text cache change no byte of the output."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from anonymizer.pipeline import Anonymizer
from jobs_support import AUDIT_KEY, NOTES, run, tree_bytes

pytestmark = pytest.mark.shipped_model

PEOPLE = ["Anna Lind", "Erik Johansson", "Fatima Haddad", "Lars Svensson", "Karin Berg"]


def notes_csv(path: Path, rows: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for i in range(rows):
            # Templated notes repeat (the cache's case); others differ in a name.
            text = NOTES[i % len(NOTES)] if i % 3 else f"{PEOPLE[i % len(PEOPLE)]} i Umeå: {NOTES[i % 2]}"
            writer.writerow([i, text])
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("model-jobs") / "in"
    notes_csv(root / "a.csv", 60)
    notes_csv(root / "b" / "c.csv", 25)
    return root


def job(source: Path, folder: Path, *extra: str) -> tuple[dict[str, bytes], bytes]:
    out, audit = folder / "out", folder / "audit.jsonl"
    args = [
        source,
        "-o",
        out,
        "--column",
        "text",
        "--audit",
        audit,
        "--audit-key",
        AUDIT_KEY,
        "--part-size",
        "2K",
    ]
    result = run(*args, *extra)
    assert result.exit_code == 0, result.output
    return tree_bytes(out), audit.read_bytes()


def test_two_workers_and_dask_equal_one_worker(source: Path, tmp_path: Path) -> None:
    one = job(source, tmp_path / "one", "--workers", "1")
    assert b"[PER_1]" in one[0]["a.csv"]
    assert job(source, tmp_path / "two", "--workers", "2") == one
    assert job(source, tmp_path / "dask", "--engine", "dask", "--workers", "2") == one
    assert job(source, tmp_path / "nocache", "--workers", "1", "--cache-size", "0") == one


def test_the_cache_changes_no_result(source: Path) -> None:
    texts = [row[1] for row in csv.reader((source / "a.csv").open(encoding="utf-8"))][1:]
    cached = Anonymizer.load(cache_size=100)
    fresh = Anonymizer.load(cache_size=0)
    with_cache = [
        r.text for start in range(0, len(texts), 10) for r in cached.redact(texts[start : start + 10])
    ]
    assert cached.cache.hits > 0
    assert with_cache == [r.text for text in texts for r in fresh.redact([text])]
