"""Plain text input and output (anonymizer.io.text_format)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    Chunk,
    open_reader,
)
from io_support import TEXTS, Transform, identity, run, upper


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
    with pytest.raises(UsageError, match="csv, parquet and jsonl") as info:
        open_reader(source, fmt="text", fields=["name"])
    assert info.value.option == "fields"


def test_text_undecodable_names_line_and_suggests_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"ok\nok\n\nSm\xf6rg\xe5s\n")
    with pytest.raises(InputError) as info, open_reader(source, fmt="text") as reader:
        list(reader)
    message = str(info.value)
    assert "line 4" in message and str(source) in message
    assert info.value.option == "encoding" and "--" not in message
    assert "pass it with --encoding (e.g. latin-1" in info.value.render("--encoding")


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
            # NUL-dense text is refused as probable UTF-16/32 (tests/test_bad_inputs.py)
            st.characters(codec="utf-8", exclude_characters="\x00"),
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
