"""Parquet input and output (anonymizer.io.parquet_format)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymizer.errors import InputError, UsageError
from anonymizer.io import (
    open_reader,
)
from io_support import Transform, identity, run, upper


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
    with pytest.raises(UsageError, match=r"no column 'namn'; \d+ columns found \(names not shown"):
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
