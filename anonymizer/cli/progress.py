"""Progress on stderr: the share done (bytes read of the input's size), ETA, rows/s and spans.

Without a known size (stdin) it shows a spinner with rows, rows/s and spans.
"""

from __future__ import annotations

from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from anonymizer.cli.common import stderr
from anonymizer.jobs.report import FileReport
from anonymizer.jobs.runner import Listener


class _Counts(ProgressColumn):
    """Rows, rows/s and spans, from the task's fields."""

    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", 0))
        spans = int(task.fields.get("spans", 0))
        elapsed = task.finished_time if task.finished else task.elapsed
        speed = f", {rows / elapsed:,.0f} rows/s" if elapsed and rows else ""
        return Text(f"{rows:,} rows{speed}, {spans:,} spans", style="progress.data.speed")


def make_progress(*, sized: bool) -> Progress:
    columns: list[Any]
    if sized:
        columns = [
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TaskProgressColumn(),
            DownloadColumn(),
            _Counts(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        ]
    else:
        columns = [SpinnerColumn(), TextColumn("{task.description}"), _Counts(), TimeElapsedColumn()]
    return Progress(*columns, console=stderr, transient=True)


class FileProgress:
    """For one input: call :meth:`update` with the reader's position and the running totals."""

    def __init__(self, total_bytes: int | None) -> None:
        self.progress = make_progress(sized=bool(total_bytes))
        self.task = self.progress.add_task("anonymizing", total=total_bytes or None, rows=0, spans=0)

    def update(self, *, bytes_read: int | None, rows: int, spans: int) -> None:
        if bytes_read is not None:
            self.progress.update(self.task, completed=bytes_read, rows=rows, spans=spans)
        else:
            self.progress.update(self.task, rows=rows, spans=spans)

    def __enter__(self) -> FileProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.__exit__(None, None, None)


class JobProgress(Listener):
    """A job's progress: bytes of the files to redact, rows and spans found so far."""

    def __init__(self) -> None:
        self.progress = make_progress(sized=True)
        self.task = self.progress.add_task("anonymizing", total=None, rows=0, spans=0)
        self.rows = 0
        self.spans = 0
        self.files = 0
        self.finished = 0

    def start(self, *, total_bytes: int, files: int) -> None:
        self.files = files
        self.progress.update(self.task, total=max(total_bytes, 1), description=f"0/{files} files")

    def advance(self, size: int, rows: int, spans: int) -> None:
        self.rows += rows
        self.spans += spans
        self.progress.update(self.task, advance=size, rows=self.rows, spans=self.spans)

    def file_done(self, item: FileReport) -> None:
        self.finished += 1
        self.progress.update(self.task, description=f"{self.finished}/{self.files} files")

    def __enter__(self) -> JobProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.__exit__(None, None, None)
