"""What all formats share: format detection, open_reader, incremental decoding, bounded buffering."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    detect_format,
    open_reader,
)
from io_support import CSV_SAMPLE, TEXTS, run, upper


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.txt", "text"),
        ("a.TEXT", "text"),
        ("notes.md", "text"),
        ("a.csv", "csv"),
        ("a.tsv", "csv"),
        ("a.parquet", "parquet"),
        ("a.pq", "parquet"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["a.json", "a", "-", "a.xlsx"])
def test_detect_format_unknown_suggests_format(name: str) -> None:
    with pytest.raises(UsageError) as info:
        detect_format(name)
    assert info.value.option == "fmt" and "text|csv|parquet|jsonl" in str(info.value)
    assert "--" not in str(info.value)  # the library names no CLI flag
    assert "pass --format text|csv" in info.value.render("--format")


def test_open_reader_missing_file_is_an_input_error(tmp_path: Path) -> None:
    for fmt in ("text", "csv", "parquet", "jsonl"):
        with pytest.raises(InputError, match="nope"):
            open_reader(tmp_path / "nope", fmt=fmt, fields=[] if fmt == "text" else ["x"])


def test_open_reader_rejects_unknown_format_and_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("x")
    with pytest.raises(UsageError, match="unknown format"):
        open_reader(source, fmt="xml")
    with pytest.raises(UsageError, match="unknown encoding"):
        open_reader(source, fmt="text", encoding="klingon")


def test_failed_run_leaves_no_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,name\n" + "1,a\n" * 10 + "2,b,c\n")
    target = tmp_path / "out.csv"
    with pytest.raises(InputError):
        run(source, target, fmt="csv", fields=["name"], chunk_rows=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("module", "fmt", "fields", "data"),
    [
        ("text_format", "text", [], b"\n\n\n\na\n\n\n\n\n\nb\n\n\n\n\n"),
        ("csv_format", "csv", ["t"], b"t\n\n\n\n\na\n\n\n\n\n\nb\n\n\n\n\n"),
        ("jsonl_format", "jsonl", ["t"], b'\n\n\n\n{"t": "a"}\n\n\n\n\n\n{"t": "b"}\n\n\n\n'),
    ],
)
def test_long_blank_runs_are_flushed_in_zero_row_chunks(
    module: str, fmt: str, fields: list[str], data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(f"anonymizer.io.{module}.MAX_PENDING_BLANK", 2)
    stdout = io.BytesIO()
    chunks = run("-", None, fmt=fmt, fields=fields, transform=upper, stdin=io.BytesIO(data), stdout=stdout)
    assert any(c.num_rows == 0 for c in chunks)
    assert [v for c in chunks for v in c.fields[fields[0] if fields else None]] == ["a", "b"]
    assert [c.first_row for c in chunks if c.num_rows] == [0, 1]
    assert stdout.getvalue() == data.replace(b'"a"', b'"A"').replace(b'"b"', b'"B"').replace(
        b"\na\n", b"\nA\n"
    ).replace(b"\nb\n", b"\nB\n")


@pytest.mark.parametrize("block_size", [1, 2, 3, 5])
def test_tiny_read_blocks_split_characters_and_crlf(block_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("anonymizer.io.lines.BLOCK_SIZE", block_size)
    for data in [*TEXTS, "Åsa\r\n\r\nÖrjan 😀\r\n".encode()]:
        stdout = io.BytesIO()
        run("-", None, fmt="text", stdin=io.BytesIO(data), stdout=stdout)
        assert stdout.getvalue() == data
    stdout = io.BytesIO()
    data = CSV_SAMPLE.replace("\n", "\r\n").encode()
    chunks = run("-", None, fmt="csv", fields=["note"], stdin=io.BytesIO(data), stdout=stdout)
    assert stdout.getvalue() == data
    assert chunks[0].fields["note"][1] == 'sa "hej"\r\npå två rader'
    with pytest.raises(InputError, match="line 3:"):
        run("-", None, fmt="text", stdin=io.BytesIO(b"a\r\nb\r\n\xe5\r\n"))
