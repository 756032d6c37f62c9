"""The run report: one JSON file per job, for people and schedulers.

It names every input with its status, rows, spans per label and seconds, and a
failed file's error code and message (messages never hold content). Unlike the
audit log it holds timings, so it differs between runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.io import atomic_text_output
from anonymizer.jobs.worker import Failure

#: File statuses. ``skipped``: done by an earlier run (``--resume``); ``not-started``:
#: the job stopped first (a failure with fail-fast, or a signal).
STATUSES = ("done", "skipped", "failed", "not-started")


@dataclass
class FileReport:
    source: str
    output: str | None
    fmt: str
    status: str = "not-started"
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    """Time the workers spent on the file (all its parts)."""
    size: int = 0
    parts: int = 0
    failure: Failure | None = None

    @property
    def spans(self) -> int:
        return sum(self.counts.values())

    def to_dict(self, flags: dict[str, str] | None = None) -> dict[str, Any]:
        return {
            "source": self.source,
            "output": self.output,
            "format": self.fmt,
            "status": self.status,
            "rows": self.rows,
            "spans": self.spans,
            "counts": dict(sorted(self.counts.items())),
            "seconds": round(self.seconds, 3),
            "bytes": self.size,
            "parts": self.parts,
            **(
                {"error": {"code": self.failure.code, "message": self.failure.render(flags)}}
                if self.failure is not None
                else {}
            ),
        }


@dataclass
class JobReport:
    files: list[FileReport]
    engine: str
    workers: int
    started: str
    """ISO 8601, UTC."""
    seconds: float = 0.0
    status: str = "ok"
    """``ok``, ``failed`` (some files failed), ``interrupted`` (a signal stopped it)."""
    model_sha256: str | None = None
    config_sha256: str | None = None
    version: str = ""
    ignored: list[str] = field(default_factory=list)
    cache_hits: int = 0

    def count(self, status: str) -> int:
        return sum(1 for item in self.files if item.status == status)

    @property
    def failed(self) -> list[FileReport]:
        return [item for item in self.files if item.status == "failed"]

    @property
    def rows(self) -> int:
        return sum(item.rows for item in self.files if item.status == "done")

    @property
    def counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for item in self.files:
            if item.status == "done":
                total.update(item.counts)
        return dict(sorted(total.items()))

    def to_dict(self, flags: dict[str, str] | None = None) -> dict[str, Any]:
        counts = self.counts
        return {
            "type": "anonymize-run-report",
            "status": self.status,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
            "workers": self.workers,
            "version": self.version,
            "model_sha256": self.model_sha256,
            "config_sha256": self.config_sha256,
            "totals": {
                "files": len(self.files),
                **{status: self.count(status) for status in STATUSES},
                "ignored": len(self.ignored),
                "rows": self.rows,
                "spans": sum(counts.values()),
                "counts": counts,
                "rows_per_second": round(self.rows / self.seconds, 1) if self.seconds else None,
            },
            "files": [item.to_dict(flags) for item in self.files],
            "ignored": self.ignored,
        }


def write_report(report: JobReport, path: Path, *, flags: dict[str, str] | None = None) -> None:
    """``flags``: how the caller names the options that error messages mention."""
    with atomic_text_output(path) as handle:
        handle.write(json.dumps(report.to_dict(flags), ensure_ascii=False, indent=2) + "\n")
