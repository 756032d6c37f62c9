"""The opt-in CSV formula guard: no data cell of the output starts as a spreadsheet formula.

Off by default (a Swedish phone number starts with ``+``, and every other column keeps
its exact text); on, every data cell of every column that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a ``'`` before it, the header is written
as read, and a job's parts give the same bytes as one file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.io import open_reader, open_writer
from anonymizer.io.csv_format import FORMULA_START, guard_formula
from jobs_support import RULES, run

PNR = "811218-9876"
ROWS = [
    ['=HYPERLINK("http://x")', f"ring {PNR}", "+46 70 123 45 67"],
    ["ok", "@SUM(A1)", "-5"],
    ["\tx", "\rcr", "plain"],
]


def csv_bytes(rows: list[list[str]], header: tuple[str, ...] = ("a", "text", "c")) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n": values holding "\r" or "\n" are quoted
    writer.writerows([list(header), *rows])
    return buffer.getvalue().encode("utf-8")


def rewrite(data: bytes, *, guard: bool) -> bytes:
    """``data`` read and written back unchanged, with the guard on or off."""
    out = io.BytesIO()
    reader = open_reader("-", fmt="csv", fields=("text",), stdin=io.BytesIO(data), formula_guard=guard)
    with reader:
        writer = open_writer(out, reader=reader)
        for chunk in reader:
            writer.write(chunk, {})
        writer.close()
    return out.getvalue()


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_off_by_default_the_output_is_the_input() -> None:
    data = csv_bytes(ROWS)
    assert rewrite(data, guard=False) == data


def test_the_guard_prefixes_every_formula_cell_in_every_column() -> None:
    guarded = cells(rewrite(csv_bytes(ROWS), guard=True))
    assert guarded[0] == ["a", "text", "c"]
    assert guarded[1:] == [[guard_formula(value) for value in row] for row in ROWS]
    assert guarded[1][0] == '\'=HYPERLINK("http://x")' and guarded[2][0] == "ok" and guarded[2][2] == "'-5"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), min_size=3, max_size=3), min_size=1, max_size=5))
def test_no_guarded_cell_starts_a_formula(rows: list[list[str]]) -> None:
    rows = [row for row in rows if any(row)]  # an all-empty row is a blank line, not a record
    guarded = cells(rewrite(csv_bytes(rows), guard=True))[1:]
    assert len(guarded) == len(rows)
    for row, original in zip(guarded, rows, strict=True):
        assert not any(value.startswith(FORMULA_START) for value in row)
        assert [
            value.removeprefix("'") if o.startswith(FORMULA_START) else value
            for value, o in zip(row, original, strict=True)
        ] == original


def test_the_command_and_a_job_guard_the_same_bytes(tmp_path: Path) -> None:
    source = tmp_path / "in" / "notes.csv"
    source.parent.mkdir()
    source.write_bytes(csv_bytes(ROWS * 400))
    one = tmp_path / "one.csv"
    assert (
        run(source, "-o", one, "--column", "text", "--entities", RULES, "--csv-formula-guard", "-q").exit_code
        == 0
    )
    lines = cells(one.read_bytes())
    assert lines[1] == ['\'=HYPERLINK("http://x")', "ring [PNR_1]", "'+46 70 123 45 67"]
    out = tmp_path / "out"
    args = [source.parent, "-o", out, "--column", "text", "--entities", RULES, "--csv-formula-guard", "-q"]
    result = run(*args, "--part-size", "4K", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert (out / "notes.csv").read_bytes() == one.read_bytes()


def test_the_guard_is_for_csv_output(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("=1+1\n", encoding="utf-8")
    result = run(source, "-o", tmp_path / "out.txt", "--entities", RULES, "--csv-formula-guard")
    assert result.exit_code == 2
    assert "the formula guard applies to csv output only" in result.output
