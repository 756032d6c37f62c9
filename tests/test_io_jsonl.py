"""JSON Lines input and output (anonymizer.io.jsonl_format)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    open_reader,
)
from io_support import run, upper

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
    # Only the changed value is rewritten: the rest of the line keeps its bytes.
    assert out_lines[0] == in_lines[0].replace("Anna bor i Lund", "ANNA BOR I LUND")


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ('  {  "te\\u0078t" :"Anna" , "n":1.50e0 }  ', '  {  "te\\u0078t" :"ANNA" , "n":1.50e0 }  '),
        ('{"a": {"text": "inner"}, "text": "Per"}', '{"a": {"text": "inner"}, "text": "PER"}'),
    ],
    ids=["spaces-and-escapes", "nested-key"],
)
def test_jsonl_changed_values_are_rewritten_in_place(line: str, want: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    run(source, target, fmt="jsonl", fields=["text"], transform=upper)
    assert target.read_text(encoding="utf-8") == want + "\n"


@pytest.mark.parametrize("second", ['"Anna Lind"', "null", '"Anna"'])
def test_jsonl_a_repeated_selected_key_is_refused(second: str, tmp_path: Path) -> None:
    """A JSON reader takes one of the values; none may be written through unredacted."""
    source = tmp_path / "in.jsonl"
    source.write_text('{"n": 1}\n{"text":"Anna", "n": 2, "text":' + second + "}\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"line 2 \(record 1\): the object has the key 'text' more than once"
    ) as info:
        run(source, tmp_path / "out.jsonl", fmt="jsonl", fields=["text"], transform=upper)
    assert "Anna" not in str(info.value)
    assert not (tmp_path / "out.jsonl").exists()


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
        pytest.raises(UsageError, match=r"no object has the key 'txt' .*; 2 keys found") as info,
        open_reader(source, fmt="jsonl", fields=["txt"]) as reader,
    ):
        list(reader)
    assert info.value.option == "fields"


def test_jsonl_reads_lazily() -> None:
    stream = io.BytesIO(b'{"text": "Anna Svensson"}\n' * 100_000)
    reader = open_reader("-", fmt="jsonl", fields=["text"], stdin=stream, chunk_rows=10)
    first = next(iter(reader))
    assert first.num_rows == 10
    assert stream.tell() < 200_000
