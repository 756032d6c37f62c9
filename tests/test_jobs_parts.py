"""Files cut into parts: each part read alone and put back together gives the whole file's output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymizer.io import open_reader
from anonymizer.jobs.parts import Part, assemble, open_part, split_file
from anonymizer.jobs.plan import FileTask

TEXTS = [
    "Anna Lind ringde.",
    'Citat: "hej", med komma, och\nradbrytning',
    "",
    "Umeå\r\nSolna",
    "åäö ÅÄÖ € \u00a0",
]


def upper_chunks(reader: object, writer: object) -> list[int]:
    """The pipeline's loop with str.upper as the redaction; the chunks' first rows."""
    firsts = []
    for chunk in reader:  # type: ignore[attr-defined]
        firsts.append(chunk.first_row)
        writer.write(  # type: ignore[attr-defined]
            chunk, {name: [v.upper() if v else v for v in values] for name, values in chunk.fields.items()}
        )
    writer.close()  # type: ignore[attr-defined]
    return firsts


def whole_output(task: FileTask, chunk_rows: int) -> bytes:
    out = io.BytesIO()
    columns = () if task.fmt == "text" else ("text",)
    with open_reader(task.path, fmt=task.fmt, fields=columns, chunk_rows=chunk_rows) as reader:
        upper_chunks(reader, reader.writer(out))
    return out.getvalue()


def parted_output(task: FileTask, parts: list[Part], chunk_rows: int, tmp_path: Path) -> bytes:
    outputs = []
    for part in parts:
        opened = open_part(task, part, columns=("text",), encoding="utf-8", chunk_rows=chunk_rows)
        path = tmp_path / f"part-{part.index}"
        with opened.reader as reader, path.open("wb") as handle:
            firsts = upper_chunks(reader, opened.writer(handle))
        assert not firsts or firsts[0] == part.first_row
        outputs.append(path)
    target = io.BytesIO()
    assemble(task, outputs, target, columns=("text",), chunk_rows=chunk_rows)
    return target.getvalue()


def rows(count: int) -> list[dict[str, object]]:
    return [
        {"id": i, "text": TEXTS[i % len(TEXTS)] + f" {i}" if i % 7 else None, "n": i * 1.5}
        for i in range(count)
    ]


def write_csv(path: Path, *, bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "n"])
        for index, row in enumerate(rows(400)):
            writer.writerow([row["id"], row["text"] or "", row["n"]])
            if index % 50 == 0:
                handle.write("\r\n")  # an empty line: not a record


def write_jsonl(path: Path, *, bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        for index, row in enumerate(rows(400)):
            handle.write(json.dumps(row, ensure_ascii=index % 2 == 0) + ("\r\n" if index % 3 else "\n"))
            if index % 40 == 0:
                handle.write("\n")


def task_for(path: Path, fmt: str) -> FileTask:
    return FileTask(str(path), path, fmt, path.name, None)


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("part_bytes", [1, 700, 5000])
def test_line_formats_cut_anywhere_come_back_whole(
    fmt: str, bom: bool, part_bytes: int, tmp_path: Path
) -> None:
    path = tmp_path / f"in.{fmt}"
    (write_csv if fmt == "csv" else write_jsonl)(path, bom=bom)
    task = task_for(path, fmt)
    parts = split_file(
        task, size=path.stat().st_size, columns=["text"], encoding="utf-8", part_bytes=part_bytes
    )
    assert len(parts) > 1
    assert sum(p.size for p in parts) == path.stat().st_size
    assert [p.first_row for p in parts] == sorted({p.first_row for p in parts})
    for chunk_rows in (3, 256):
        assert parted_output(task, parts, chunk_rows, tmp_path) == whole_output(task, chunk_rows)


def test_parquet_parts_are_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows(1000)), path, row_group_size=90)
    task = task_for(path, "parquet")
    parts = split_file(task, size=path.stat().st_size, columns=["text"], encoding="utf-8", part_bytes=3000)
    assert len(parts) > 2
    assert [p.end for p in parts] == [p.start for p in parts[1:]] + [12]
    assert sum(p.rows or 0 for p in parts) == 1000
    for chunk_rows in (7, 1000):
        assert parted_output(task, parts, chunk_rows, tmp_path) == whole_output(task, chunk_rows)


def test_text_and_small_files_are_one_part(tmp_path: Path) -> None:
    text = tmp_path / "letter.txt"
    text.write_text("Anna\n\nErik\n" * 1000, encoding="utf-8")
    [part] = split_file(
        task_for(text, "text"), size=text.stat().st_size, columns=[], encoding="utf-8", part_bytes=10
    )
    assert part.whole and (part.start, part.end) == (0, text.stat().st_size)
    small = tmp_path / "small.csv"
    write_csv(small, bom=False)
    parts = split_file(
        task_for(small, "csv"),
        size=small.stat().st_size,
        columns=["text"],
        encoding="utf-8",
        part_bytes=1 << 30,
    )
    assert [p.whole for p in parts] == [True]


def test_an_encoding_that_does_not_round_trip_is_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        "id,text\n".encode("utf-16") + "\n".join(f"{i},rad {i}" for i in range(100)).encode("utf-16")
    )
    parts = split_file(
        task_for(path, "csv"), size=path.stat().st_size, columns=["text"], encoding="utf-16", part_bytes=10
    )
    assert len(parts) == 1
