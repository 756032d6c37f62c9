"""Round trips, chunking, errors and atomic output of anonymizer.io."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    Chunk,
    atomic_output,
    detect_format,
    open_reader,
    open_writer,
)

Transform = Callable[[str], str]


def identity(text: str) -> str:
    return text


def upper(text: str) -> str:
    return text.upper()


def run(
    source: Path | str,
    target: Path | None,
    *,
    fmt: str,
    fields: Sequence[str] = (),
    transform: Transform = identity,
    stdin: io.BytesIO | None = None,
    stdout: io.BytesIO | None = None,
    chunk_rows: int = 1000,
    encoding: str = "utf-8",
) -> list[Chunk]:
    """What the pipeline does, with ``transform`` as the redaction."""
    chunks = []
    with (
        open_reader(
            source, fmt=fmt, fields=fields, stdin=stdin, chunk_rows=chunk_rows, encoding=encoding
        ) as reader,
        atomic_output(target, stdout=stdout or io.BytesIO()) as out,
    ):
        writer = open_writer(out, reader=reader)
        for chunk in reader:
            chunks.append(chunk)
            writer.write(
                chunk,
                {
                    name: [None if v is None else transform(v) for v in values]
                    for name, values in chunk.fields.items()
                },
            )
        writer.close()
    return chunks


def text_round_trip(
    data: bytes,
    tmp_path: Path,
    *,
    transform: Transform = identity,
    chunk_rows: int = 1000,
    encoding: str = "utf-8",
) -> tuple[bytes, list[Chunk]]:
    source = tmp_path / "in.txt"
    source.write_bytes(data)
    target = tmp_path / "out.txt"
    chunks = run(source, target, fmt="text", transform=transform, chunk_rows=chunk_rows, encoding=encoding)
    return target.read_bytes(), chunks


# --- text -------------------------------------------------------------------

TEXTS = [
    b"",
    b"one line",
    b"one line\n",
    b"Anna bor i Lund.\nHon heter Svensson.\n\nNytt stycke.\n",
    b"crlf line\r\nsecond\r\n\r\nnext\r\n",
    b"no trailing newline\n\nlast",
    b"many blanks\n\n\n\n\nafter\n\n\n",
    b"\n\n  \n\tleading blanks\n",
    b"blank lines with spaces\n   \n\t\n  \r\nnext\n",
    b"   \n\n \t \n",
    b"old mac\r\rlines\r",
    b"mixed\r\nend\n\r\n\nings",
    "\ufeffBOM först\n\nåäö\n".encode(),
]


@pytest.mark.parametrize("data", TEXTS)
@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_text_identity_is_byte_exact(data: bytes, chunk_rows: int, tmp_path: Path) -> None:
    output, chunks = text_round_trip(data, tmp_path, chunk_rows=chunk_rows)
    assert output == data
    assert all(c.num_rows <= chunk_rows for c in chunks)


def test_text_records_are_paragraphs_and_separators_travel_in_native(tmp_path: Path) -> None:
    data = b"\nAnna Svensson\r\nbor i Lund.\r\n\r\n  \r\nPer\r\n\r\n\r\nslut"
    output, chunks = text_round_trip(data, tmp_path, transform=upper)
    assert output == b"\nANNA SVENSSON\r\nBOR I LUND.\r\n\r\n  \r\nPER\r\n\r\n\r\nSLUT"
    (chunk,) = chunks
    assert chunk.fields == {None: ["Anna Svensson\r\nbor i Lund.", "Per", "slut"]}
    assert chunk.native.leading == "\n"  # type: ignore[attr-defined]
    assert chunk.native.separators == ("\r\n\r\n  \r\n", "\r\n\r\n\r\n", "")  # type: ignore[attr-defined]


def test_text_chunks_keep_order_and_first_row(tmp_path: Path) -> None:
    data = "\n\n".join(f"stycke {i}" for i in range(5)).encode() + b"\n"
    output, chunks = text_round_trip(data, tmp_path, chunk_rows=2, transform=upper)
    assert [c.first_row for c in chunks] == [0, 2, 4]
    assert [c.num_rows for c in chunks] == [2, 2, 1]
    assert [t for c in chunks for t in c.fields[None]] == [f"stycke {i}" for i in range(5)]
    assert output == data.upper()


def test_text_keeps_bom_and_encoding(tmp_path: Path) -> None:
    data = "\ufeffÅsa Öberg\n\nbor här\n".encode()
    output, chunks = text_round_trip(data, tmp_path, transform=upper)
    assert chunks[0].fields[None] == ["Åsa Öberg", "bor här"]
    assert output == "\ufeffÅSA ÖBERG\n\nBOR HÄR\n".encode()
    latin = "Åsa Öberg\n".encode("latin-1")
    output, chunks = text_round_trip(latin, tmp_path, encoding="latin-1")
    assert output == latin
    assert chunks[0].fields[None] == ["Åsa Öberg"]


def test_text_rejects_columns(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"x\n")
    with pytest.raises(UsageError, match="csv, parquet and jsonl"):
        open_reader(source, fmt="text", fields=["name"])


def test_text_undecodable_names_line_and_suggests_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"ok\nok\n\nSm\xf6rg\xe5s\n")
    with pytest.raises(InputError) as info, open_reader(source, fmt="text") as reader:
        list(reader)
    message = str(info.value)
    assert "line 4" in message and "--encoding" in message and str(source) in message


def test_text_from_stdin_to_stdout() -> None:
    data = b"Hej Anna\n\nHej Per"
    stdout = io.BytesIO()
    run("-", None, fmt="text", transform=upper, stdin=io.BytesIO(data), stdout=stdout)
    assert stdout.getvalue() == b"HEJ ANNA\n\nHEJ PER"


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(["\n", "\r", "\r\n", " ", "\t", "\x0c", "\u2028", "\ufeff", "a"]),
            st.characters(codec="utf-8"),
        )
    ).map("".join),
    chunk_rows=st.integers(min_value=1, max_value=4),
)
def test_text_identity_round_trip_property(text: str, chunk_rows: int) -> None:
    data = text.encode("utf-8")
    stdout = io.BytesIO()
    chunks = run("-", None, fmt="text", stdin=io.BytesIO(data), stdout=stdout, chunk_rows=chunk_rows)
    assert stdout.getvalue() == data
    rows = 0
    for chunk in chunks:
        assert chunk.first_row == rows
        rows += chunk.num_rows
        for paragraph in chunk.fields[None]:
            assert paragraph and paragraph.strip()


def test_text_reads_lazily() -> None:
    """Memory follows the chunk, not the file: the first chunk comes before EOF."""
    stream = io.BytesIO(b"ett stycke text\n\n" * 100_000)
    reader = open_reader("-", fmt="text", stdin=stream, chunk_rows=10)
    first = next(iter(reader))
    assert first.num_rows == 10
    assert stream.tell() < 200_000


# --- csv --------------------------------------------------------------------

CSV_SAMPLE = (
    "id,name,note,amount\n"
    '007,Anna Svensson,"bor i Lund, Skåne",1.50\n'
    '008,Per,"sa ""hej""\npå två rader",\n'
    "009,,,0\n"
    '010,"Eva, Karin",ok,-0.0\n'
)


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


def test_csv_missing_column_lists_existing(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,namn,anteckning\n1,a,b\n")
    with pytest.raises(UsageError) as info:
        open_reader(source, fmt="csv", fields=["name"])
    message = str(info.value)
    assert "'name'" in message and "'id', 'namn', 'anteckning'" in message


def test_csv_needs_a_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id\n1\n")
    with pytest.raises(UsageError, match="--column"):
        open_reader(source, fmt="csv")


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
    assert "--encoding" in message and "latin-1" in message
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


# --- parquet ----------------------------------------------------------------


def sample_frame(rows: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.array(range(rows), dtype="int64"),
            "name": [f"Anna {i}" if i % 3 else None for i in range(rows)],
            "score": [i / 3 for i in range(rows)],
            "when": pd.date_range("2024-01-01", periods=rows, freq="h", tz="Europe/Stockholm"),
            "tags": [[f"t{i}", "x"] for i in range(rows)],
            "kind": pd.Categorical([["a", "b"][i % 2] for i in range(rows)]),
            "flag": pd.array([True, None, False, True, None][:rows] * (rows // 5 + 1), dtype="boolean")[
                :rows
            ],
        },
        index=pd.Index([f"r{i}" for i in range(rows)], name="key"),
    )


def write_parquet(frame: pd.DataFrame, path: Path, **options: object) -> None:
    frame.to_parquet(path, engine="pyarrow", **options)  # type: ignore[call-overload]


@pytest.mark.parametrize("transform", [identity, upper])
@pytest.mark.parametrize("chunk_rows", [2, 1000])
def test_parquet_round_trip_keeps_schema_and_other_columns(
    transform: Transform, chunk_rows: int, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    write_parquet(sample_frame(), source, row_group_size=3)
    target = tmp_path / "out.parquet"
    run(source, target, fmt="parquet", fields=["name", "kind"], transform=transform, chunk_rows=chunk_rows)
    before = pq.read_table(source)
    after = pq.read_table(target)
    assert after.schema.equals(before.schema, check_metadata=True)
    assert after.schema.metadata == before.schema.metadata
    for name in before.column_names:
        if name in ("name", "kind"):
            continue
        assert after.column(name).equals(before.column(name)), name
    expected = [None if v is None else transform(v) for v in before.column("name").to_pylist()]
    assert after.column("name").to_pylist() == expected
    kinds = [str(v) for v in before.column("kind").to_pylist()]
    assert after.column("kind").to_pylist() == [transform(v) for v in kinds]
    frame = pd.read_parquet(target)
    assert list(frame.index) == list(sample_frame().index)


@pytest.mark.parametrize("type_", [pa.string(), pa.large_string()])
def test_parquet_keeps_string_type(type_: pa.DataType, tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    table = pa.table({"text": pa.array(["a", None, "c"], type=type_), "n": [1, 2, 3]})
    pq.write_table(table, source)
    target = tmp_path / "out.parquet"
    run(source, target, fmt="parquet", fields=["text"], transform=upper)
    after = pq.read_table(target)
    assert after.schema.field("text").type == type_
    assert after.column("text").to_pylist() == ["A", None, "C"]


def test_parquet_chunks_keep_order_and_first_row(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": [f"rad {i}" for i in range(5)]}), source)
    target = tmp_path / "out.parquet"
    chunks = run(source, target, fmt="parquet", fields=["text"], chunk_rows=2, transform=upper)
    assert [c.first_row for c in chunks] == [0, 2, 4]
    assert [c.num_rows for c in chunks] == [2, 2, 1]
    assert pq.read_table(target).column("text").to_pylist() == [f"RAD {i}" for i in range(5)]


def test_parquet_empty_file_gives_empty_file_with_schema(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    write_parquet(sample_frame().iloc[:0], source)
    target = tmp_path / "out.parquet"
    assert run(source, target, fmt="parquet", fields=["name"]) == []
    before, after = pq.read_table(source), pq.read_table(target)
    assert after.num_rows == 0
    assert after.schema.equals(before.schema, check_metadata=True)


def test_parquet_non_string_column_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    write_parquet(sample_frame(), source)
    with pytest.raises(UsageError, match=r"'score' has type double"):
        open_reader(source, fmt="parquet", fields=["score"])
    with pytest.raises(UsageError, match=r"'id', 'name'"):
        open_reader(source, fmt="parquet", fields=["namn"])


def test_parquet_not_parquet_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    source.write_bytes(b"id,name\n1,Anna\n")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        open_reader(source, fmt="parquet", fields=["name"])


def test_parquet_from_stdin_to_stdout(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"text": ["a", "b"], "n": [1, 2]}), buffer)
    stdout = io.BytesIO()
    run(
        "-",
        None,
        fmt="parquet",
        fields=["text"],
        transform=upper,
        stdin=io.BytesIO(buffer.getvalue()),
        stdout=stdout,
    )
    after = pq.read_table(io.BytesIO(stdout.getvalue()))
    assert after.to_pydict() == {"text": ["A", "B"], "n": [1, 2]}


# --- jsonl ------------------------------------------------------------------

JSONL_SAMPLE = (
    '{"id": 7, "text": "Anna bor i Lund", "meta": {"score": 1.50, "tags": ["a"]}, "z": null}\n'
    "\n"
    '{"text":null,"id":"008"}\r\n'
    '{"id": 9, "other": "no text key"}\n'
    "   \n"
    '{"text": "Per \\u00e5ker", "id": 10, "big": 12345678901234567890}'
)


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_jsonl_identity_is_byte_exact(chunk_rows: int, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(JSONL_SAMPLE.encode())
    target = tmp_path / "out.jsonl"
    chunks = run(source, target, fmt="jsonl", fields=["text"], chunk_rows=chunk_rows)
    assert target.read_bytes() == JSONL_SAMPLE.encode()
    values = [v for c in chunks for v in c.fields["text"]]
    assert values == ["Anna bor i Lund", None, None, "Per åker"]
    assert [c.first_row for c in chunks] == list(range(0, 4, chunk_rows))[: len(chunks)]


def test_jsonl_upper_keeps_order_types_and_blank_lines(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(JSONL_SAMPLE.encode())
    target = tmp_path / "out.jsonl"
    run(source, target, fmt="jsonl", fields=["text"], transform=upper)
    out_lines = target.read_bytes().decode().split("\n")
    in_lines = JSONL_SAMPLE.split("\n")
    assert len(out_lines) == len(in_lines)
    assert out_lines[1] == "" and out_lines[4] == "   "
    assert out_lines[2:4] == in_lines[2:4]  # null and missing key: untouched
    first = json.loads(out_lines[0])
    assert list(first) == ["id", "text", "meta", "z"]
    assert first == {**json.loads(in_lines[0]), "text": "ANNA BOR I LUND"}
    assert out_lines[5] == '{"text": "PER ÅKER", "id": 10, "big": 12345678901234567890}'


def test_jsonl_blank_lines_do_not_shift_records(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('\n{"t": "a"}\n\n\n{"t": "b"}\n{"t": "c"}\n\n')
    chunks = run(source, tmp_path / "out.jsonl", fmt="jsonl", fields=["t"], chunk_rows=2)
    assert [(c.first_row, c.fields["t"]) for c in chunks] == [(0, ["a", "b"]), (2, ["c"])]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"t": "a"', "not valid JSON"),
        ('["t", "a"]', "JSON array"),
        ('"hemligt"', "JSON string"),
        ('{"t": 5}', "key 't' holds a JSON number"),
        ('{"t": ["hemligt"]}', "key 't' holds a JSON array"),
        ('{"t": true}', "key 't' holds a JSON boolean"),
    ],
)
def test_jsonl_bad_lines_name_the_line(line: str, expected: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"t": "ok"}\n\n' + line + "\n")
    with pytest.raises(InputError) as info, open_reader(source, fmt="jsonl", fields=["t"]) as r:
        list(r)
    message = str(info.value)
    assert expected in message and "line 3" in message and "record 1" in message
    assert str(source) in message and "hemligt" not in message


def test_jsonl_key_in_no_record_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a", "id": 1}\n{"id": 2}\n')
    with (
        pytest.raises(UsageError, match=r"'txt'.*'text', 'id'"),
        open_reader(source, fmt="jsonl", fields=["txt"]) as reader,
    ):
        list(reader)


def test_jsonl_reads_lazily() -> None:
    stream = io.BytesIO(b'{"text": "Anna Svensson"}\n' * 100_000)
    reader = open_reader("-", fmt="jsonl", fields=["text"], stdin=stream, chunk_rows=10)
    first = next(iter(reader))
    assert first.num_rows == 10
    assert stream.tell() < 200_000


# --- detect_format, open_reader ---------------------------------------------


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
    with pytest.raises(UsageError, match="--format"):
        detect_format(name)


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


# --- atomic_output ----------------------------------------------------------


def test_atomic_output_replaces_target_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"data")
        assert not target.exists()
        (tmp,) = tmp_path.iterdir()
        assert tmp.name.startswith(".out.csv.") and tmp.name.endswith(".tmp")
    assert target.read_bytes() == b"data"
    assert list(tmp_path.iterdir()) == [target]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_atomic_output_keeps_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("existing", [None, b"previous"])
def test_atomic_output_leaves_nothing_on_error(existing: bytes | None, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    if existing is not None:
        target.write_bytes(existing)
    with pytest.raises(RuntimeError), atomic_output(target, stdout=io.BytesIO()) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    if existing is None:
        assert list(tmp_path.iterdir()) == []
    else:
        assert list(tmp_path.iterdir()) == [target]
        assert target.read_bytes() == existing


def test_failed_run_leaves_no_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,name\n" + "1,a\n" * 10 + "2,b,c\n")
    target = tmp_path / "out.csv"
    with pytest.raises(InputError):
        run(source, target, fmt="csv", fields=["name"], chunk_rows=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_atomic_output_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError), atomic_output(tmp_path / "no" / "out.txt", stdout=io.BytesIO()):
        pass


def test_atomic_output_none_writes_to_stdout() -> None:
    stdout = io.BytesIO()
    with atomic_output(None, stdout=stdout) as out:
        out.write(b"x")
    assert stdout.getvalue() == b"x"


# --- bounded buffering and properties -----------------------------------------


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


def test_atomic_text_output_is_all_or_nothing(tmp_path: Path) -> None:
    from anonymizer.io import atomic_text_output

    target = tmp_path / "out.jsonl"
    with atomic_text_output(target) as handle:
        handle.write("å\nä\n")
    assert target.read_bytes() == "å\nä\n".encode()
    with pytest.raises(RuntimeError), atomic_text_output(target) as handle:
        handle.write("halv")
        raise RuntimeError("boom")
    assert target.read_bytes() == "å\nä\n".encode()  # the earlier content stays
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left
