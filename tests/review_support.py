"""What the review tests share: inputs in every format, runs of the pipeline with an audit log,
and edits of a file in its own format (to tamper with an output)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner, Result

from anonymizer.audit import AuditLog
from anonymizer.io import atomic_output, open_reader, open_writer
from anonymizer.pipeline import Anonymizer, run_job
from anonymizer.span import Rank, Span
from support import make_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
KEY = "review-test-key"
FORMATS = ("csv", "jsonl", "parquet", "text")
SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "text": ".txt"}
Row = dict[str, Any]


def tools(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    from anonymizer.cli.tools import tools as group

    return CliRunner().invoke(group, [str(a) for a in args], env=env, catch_exceptions=False)


def anonymize(*args: str | Path) -> Result:
    from anonymizer.cli.anonymize import anonymize as command

    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


class WordDetector:
    """Tags the listed words; ``first_only`` tags only each word's first occurrence in a text."""

    name = "fake"
    rank = Rank.MODEL

    def __init__(self, words: dict[str, tuple[str, float]], *, first_only: bool = False) -> None:
        self.words = words
        self.first_only = first_only
        # What a tagger can find, whether or not it finds any of it.
        self.labels = frozenset({"PER", "LOC", "ORG"}) | {label for label, _ in words.values()}

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        import re

        result = []
        for text in texts:
            spans, seen = [], set()
            for match in re.finditer(r"\w+", text):
                word = match.group()
                if word in self.words and not (self.first_only and word in seen):
                    label, score = self.words[word]
                    spans.append(Span(match.start(), match.end(), label, score, "ner", rank=Rank.MODEL))
                    seen.add(word)
            result.append(spans)
        return result


def fake_anonymizer(words: dict[str, tuple[str, float]], *, first_only: bool = False) -> Anonymizer:
    config = replace(make_config(), propagation=False, entities=frozenset({"PER", "LOC", "ORG"}))
    # A fixed key: surrogates and pseudonyms are the same in every run.
    return Anonymizer(config=config, detectors=[WordDetector(words, first_only=first_only)], key=b"r" * 32)


def write_rows(path: Path, fmt: str, rows: Sequence[Row], *, schema: pa.Schema | None = None) -> Path:
    """``rows`` of {"id", "text", "visits"} (text: only "text", one paragraph each)."""
    if fmt == "text":
        path.write_text("\n\n".join(str(row["text"]) for row in rows) + "\n", encoding="utf-8")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path)
    return path


def read_rows(path: Path, fmt: str) -> tuple[list[Row], pa.Schema | None]:
    if fmt == "text":
        return [{"text": p} for p in path.read_text(encoding="utf-8").rstrip("\n").split("\n\n")], None
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle)), None
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line], None
    table = pq.read_table(path)
    return table.to_pylist(), table.schema


def edit(path: Path, fmt: str, change: Callable[[list[Row]], None], target: Path) -> Path:
    """A copy of ``path`` with its rows changed by ``change`` (in place), in the same format."""
    rows, schema = read_rows(path, fmt)
    change(rows)
    return write_rows(target, fmt, rows, schema=schema)


@dataclass(frozen=True)
class Run:
    fmt: str
    input: Path
    output: Path
    audit: Path

    @property
    def columns(self) -> list[str]:
        return [] if self.fmt == "text" else ["--column", "text"]


def run_pipeline(
    anonymizer: Anonymizer, folder: Path, fmt: str, rows: Sequence[Row], *, key: bytes | None
) -> Run:
    """What `anonymize --audit` does, with ``anonymizer`` (a fake detector in unit tests)."""
    source = write_rows(folder / f"in{SUFFIX[fmt]}", fmt, rows)
    target = folder / f"out{SUFFIX[fmt]}"
    audit_path = folder / f"audit.{fmt}.jsonl"
    fields = () if fmt == "text" else ("text",)
    with (
        open_reader(source, fmt=fmt, fields=fields) as reader,
        AuditLog(audit_path, key=key) as audit,
        atomic_output(target, stdout=io.BytesIO()) as out,
    ):
        writer = open_writer(out, reader=reader)
        stats = run_job(anonymizer, reader, writer, audit=audit, one_document=fmt == "text")
        writer.close()
        audit.summary(source=str(source), rows=stats.rows)
    return Run(fmt, source, target, audit_path)


def audit_entries(path: Path) -> list[dict[str, Any]]:
    return [
        entry
        for entry in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
        if entry.get("type") != "summary"
    ]
