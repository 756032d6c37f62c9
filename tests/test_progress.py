"""Progress: readers tell how far into the file they are; the display shows share, rows, spans."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymizer.cli.progress import FileProgress, JobProgress
from anonymizer.io import open_reader


def write(path: Path, fmt: str, rows: int) -> None:
    texts = [f"Rad {i} om Anna Lind i Umeå." for i in range(rows)]
    if fmt == "parquet":
        pq.write_table(pa.table({"text": texts}), path, row_group_size=100)
    elif fmt == "csv":
        path.write_text("text\n" + "".join(t + "\n" for t in texts), encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text("".join(f'{{"text": "{t}"}}\n' for t in texts), encoding="utf-8")
    else:
        path.write_text("".join(t + "\n\n" for t in texts), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "text"])
def test_readers_report_the_bytes_they_have_read(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"in.{fmt if fmt != 'text' else 'txt'}"
    write(path, fmt, 5000)
    fields = [] if fmt == "text" else ["text"]
    seen = []
    with open_reader(path, fmt=fmt, fields=fields, chunk_rows=500) as reader:
        for _chunk in reader:
            position = reader.bytes_read
            if position is not None:
                seen.append(position)
    size = path.stat().st_size
    assert len(seen) >= 3 and seen == sorted(seen)
    assert 0 < seen[0] < size and seen[-1] <= size


def test_stdin_has_no_position() -> None:
    import io

    with open_reader("-", fmt="text", stdin=io.BytesIO(b"Anna\n")) as reader:
        list(reader)
        assert reader.bytes_read is None


def test_the_display_counts_share_rows_and_spans() -> None:
    with FileProgress(1000) as shown:
        shown.update(bytes_read=250, rows=40, spans=7)
        task = shown.progress.tasks[0]
        assert (task.completed, task.total, task.fields["rows"], task.fields["spans"]) == (250, 1000, 40, 7)
    with JobProgress() as job:
        job.start(total_bytes=2000, files=3)
        job.advance(500, 10, 2)
        job.advance(500, 5, 1)
        task = job.progress.tasks[0]
        assert (task.completed, task.total, task.fields["rows"], task.fields["spans"]) == (1000, 2000, 15, 3)
        assert task.percentage == 50
