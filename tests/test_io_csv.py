"""CSV and TSV input and output (anonymizer.io.csv_format)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    detect_format,
    open_reader,
)
from io_support import CSV_SAMPLE, run, upper


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV_SAMPLE.encode(), "utf-8"),
        (CSV_SAMPLE.replace("\n", "\r\n").encode(), "utf-8"),
        (CSV_SAMPLE.rstrip("\n").encode(), "utf-8"),
        (b"\xef\xbb\xbf" + CSV_SAMPLE.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + CSV_SAMPLE.encode(), "utf-8-sig"),
        (CSV_SAMPLE.encode("cp1252"), "cp1252"),
        # unusual but valid quoting is kept as it was when nothing changes
        (b'"id","name"\n"1","Anna"\n\n2,Per\n', "utf-8"),
    ],
)
@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_csv_identity_is_byte_exact(data: bytes, encoding: str, chunk_rows: int, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    target = tmp_path / "out.csv"
    run(source, target, fmt="csv", fields=["name"], chunk_rows=chunk_rows, encoding=encoding)
    assert target.read_bytes() == data


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_upper_keeps_other_columns(newline: str, tmp_path: Path) -> None:
    data = "\ufeff" + CSV_SAMPLE.replace("\n", newline)
    source = tmp_path / "in.csv"
    source.write_bytes(data.encode())
    target = tmp_path / "out.csv"
    run(source, target, fmt="csv", fields=["name", "note"], transform=upper, chunk_rows=2)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,note,amount" + newline.encode())
    text = raw.decode("utf-8-sig")
    before = list(csv.reader(io.StringIO(data[1:], newline="")))
    after = list(csv.reader(io.StringIO(text, newline="")))
    assert len(after) == len(before)
    assert after[0] == before[0]
    for old, new in zip(before[1:], after[1:], strict=True):
        assert new[0] == old[0] and new[3] == old[3]  # "007", "1.50", "" unchanged
        assert new[1:3] == [old[1].upper(), old[2].upper()]
    assert text.count("\r\n") == (data.count("\r\n"))


def test_csv_changed_row_is_requoted_minimally(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b'id,name\r\n1,"Anna"\r\n2,x\r\n3,y')
    target = tmp_path / "out.csv"
    run(
        source,
        target,
        fmt="csv",
        fields=["name"],
        transform=lambda s: '[NAMN, "X"]\n' if s == "y" else s.upper(),
    )
    assert target.read_bytes() == b'id,name\r\n1,ANNA\r\n2,X\r\n3,"[NAMN, ""X""]\n"'


def test_csv_chunks_keep_order_and_first_row(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = "".join(f"{i},namn {i}\n" for i in range(5))
    source.write_text("id,name\n" + rows)
    target = tmp_path / "out.csv"
    chunks = run(source, target, fmt="csv", fields=["name"], chunk_rows=2, transform=upper)
    assert [c.first_row for c in chunks] == [0, 2, 4]
    assert [c.num_rows for c in chunks] == [2, 2, 1]
    assert [v for c in chunks for v in c.fields["name"]] == [f"namn {i}" for i in range(5)]
    assert target.read_text() == "id,name\n" + rows.upper()


def test_csv_blank_lines_are_kept_and_not_counted(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    data = b"id,name\n1,a\n\n2,b\n\n\n3,c\n\n"
    source.write_bytes(data)
    target = tmp_path / "out.csv"
    chunks = run(source, target, fmt="csv", fields=["name"], chunk_rows=2, transform=upper)
    assert [(c.first_row, c.fields["name"]) for c in chunks] == [(0, ["a", "b"]), (2, ["c"])]
    assert target.read_bytes() == b"id,name" + data[7:].upper()


def test_tsv_uses_tab(tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_bytes(b"id\tname\n1\tAnna, Svensson\n")
    target = tmp_path / "out.tsv"
    assert detect_format(source) == "csv"
    chunks = run(source, target, fmt="csv", fields=["name"], transform=upper)
    assert chunks[0].fields == {"name": ["Anna, Svensson"]}
    assert target.read_bytes() == b"id\tname\n1\tANNA, SVENSSON\n"


def test_csv_missing_column_counts_the_columns_and_never_quotes_them(tmp_path: Path) -> None:
    """Without a header the first line is data: its cells are counted, never shown."""
    source = tmp_path / "in.csv"
    source.write_text("id,Namn,anteckning\n1,a,b\n")
    with pytest.raises(UsageError) as info:
        open_reader(source, fmt="csv", fields=["name", "namn"])
    message = str(info.value)
    assert "no column 'name', 'namn'; 3 columns found" in message
    assert "column 2 differs from 'namn' only in case or spaces" in message
    assert "'id'" not in message and "anteckning" not in message and "Namn" not in message


def test_csv_needs_a_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id\n1\n")
    with pytest.raises(UsageError) as info:
        open_reader(source, fmt="csv")
    assert info.value.option == "fields" and "`fields`" in str(info.value)


def test_csv_ragged_row_names_line_and_record_without_content(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,name\n1,Anna\n2,Per,Hemlig Uppgift\n")
    with pytest.raises(InputError) as info, open_reader(source, fmt="csv", fields=["name"]) as r:
        list(r)
    message = str(info.value)
    assert str(source) in message and "line 3" in message and "record 1" in message
    assert "fix the file" in message
    assert "Hemlig" not in message and "Per" not in message


def test_csv_undecodable_names_line_and_suggests_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("id,name\n1,Anna\n2,Björn Hemlig\n".encode("latin-1"))
    with pytest.raises(InputError) as info, open_reader(source, fmt="csv", fields=["name"]) as r:
        list(r)
    message = str(info.value)
    assert str(source) in message and "line 3" in message
    assert info.value.option == "encoding" and "`encoding`" in message and "latin-1" in message
    assert "--" not in message
    assert "Hemlig" not in message
    chunks = run(source, tmp_path / "out.csv", fmt="csv", fields=["name"], encoding="latin-1")
    assert chunks[0].fields["name"] == ["Anna", "Björn Hemlig"]
    assert (tmp_path / "out.csv").read_bytes() == source.read_bytes()


def test_csv_unclosed_quote_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('id,name\n1,"Anna\n2,Per\n')
    with (
        pytest.raises(InputError, match="malformed CSV"),
        open_reader(source, fmt="csv", fields=["name"]) as reader,
    ):
        list(reader)


def test_csv_empty_file_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"")
    with pytest.raises(InputError, match="header"):
        open_reader(source, fmt="csv", fields=["name"])


def test_csv_header_only(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,name")
    target = tmp_path / "out.csv"
    assert run(source, target, fmt="csv", fields=["name"]) == []
    assert target.read_bytes() == b"id,name"


def test_csv_reads_lazily() -> None:
    stream = io.BytesIO(b"id,name\n" + b"1,Anna Svensson\n" * 100_000)
    reader = open_reader("-", fmt="csv", fields=["name"], stdin=stream, chunk_rows=10)
    first = next(iter(reader))
    assert first.num_rows == 10
    assert stream.tell() < 200_000


csv_cells = st.text(alphabet=st.sampled_from(["a", "Å", " ", ",", '"', "\n", "\r", "0", "\t"]), max_size=6)


def csv_line(row: list[str], terminator: str) -> str:
    """Like csv.writer, but values holding a lone "\r" are quoted whatever the terminator."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()[:-2] + terminator


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(csv_cells, min_size=3, max_size=3), max_size=6),
    terminator=st.sampled_from(["\n", "\r\n"]),
    chunk_rows=st.integers(min_value=1, max_value=3),
)
def test_csv_round_trip_property(rows: list[list[str]], terminator: str, chunk_rows: int) -> None:
    # a single empty cell per row would make an empty line, which is not a record
    rows = [row for row in rows if any(row)]
    data = "".join(csv_line(row, terminator) for row in [["a", "b", "c"], *rows]).encode()
    stdout = io.BytesIO()
    run("-", None, fmt="csv", fields=["b"], stdin=io.BytesIO(data), stdout=stdout, chunk_rows=chunk_rows)
    assert stdout.getvalue() == data
    stdout = io.BytesIO()
    run("-", None, fmt="csv", fields=["b"], transform=upper, stdin=io.BytesIO(data), stdout=stdout)
    after = list(csv.reader(io.StringIO(stdout.getvalue().decode(), newline="")))
    assert after == [["a", "b", "c"], *[[r[0], r[1].upper(), r[2]] for r in rows]]
