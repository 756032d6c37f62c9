"""redact_frame on real pandas and polars frames, against the command on the same data."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner

from anonymizer import redact_frame, restore_frame
from anonymizer.cli.anonymize import anonymize
from anonymizer.config import OperatorSpec
from anonymizer.errors import UsageError
from anonymizer.operators.encrypt import TOKEN, Cipher
from anonymizer.pipeline import Anonymizer
from support import FakeDetector, make_config

RULE_LABELS = ["PNR", "PHONE", "EMAIL", "TME"]  # rules alone: no tagger
AUDIT_KEY = b"audit key for the tests"
TEXTS = [
    "Anna ringde från 070-123 45 67 den 3 maj 2021.",
    None,
    "Skriv till anna.lind@example.se, pnr 811218-9876.",
    "",
    "Inget här.",
    "Erik Berg och Anna Lind, 811218-9876 igen.",
]
NAMES = ["Anna Lind", None, "Anna Lind", "Erik Berg", None, "Erik Berg"]


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visits": [3, 1, 4, 1, 5, 9],
            "namn": pd.Categorical(NAMES),
            "text": np.array(TEXTS, dtype=object),
            "note": pd.array(
                ["pnr 811218-9876", None, "x", "ring 08-123 456 78", None, "ok"], dtype="string"
            ),
        },
        index=pd.Index([10, 7, 3, 99, 5, 8], name="row_id"),
    )


def values(series: pd.Series) -> list[Any]:
    return [None if pd.isna(value) else value for value in series.tolist()]


def fake() -> Anonymizer:
    detector = FakeDetector({"Anna": "PER", "Lind": "PER", "Erik": "PER", "Berg": "PER"})
    return Anonymizer(config=make_config().with_entities(frozenset({"PER"})), detectors=[detector])


def rules() -> Anonymizer:
    return Anonymizer.load(entities=RULE_LABELS, key=b"k" * 32)


# --- pandas ---------------------------------------------------------------------------------


def test_pandas_keeps_type_index_order_dtypes_nulls_and_categoricals() -> None:
    frame = sample_frame()
    result = redact_frame(frame, columns=["text", "note"], anonymizer=rules(), audit_key=AUDIT_KEY)
    out = result.frame
    assert type(out) is pd.DataFrame and out is not frame
    assert list(out.columns) == list(frame.columns) and out.index.equals(frame.index)
    assert out.index.name == "row_id" and dict(out.dtypes) == dict(frame.dtypes)
    pd.testing.assert_series_equal(out["visits"], frame["visits"])
    pd.testing.assert_series_equal(out["namn"], frame["namn"])  # not named: untouched
    assert values(out["text"]) == [
        "Anna ringde från [PHONE_1] [TME].",
        None,
        "Skriv till [EMAIL_1], pnr [PNR_1].",
        "",
        "Inget här.",
        "Erik Berg och Anna Lind, [PNR_1] igen.",
    ]
    assert out["note"].isna().tolist() == frame["note"].isna().tolist()
    assert out.loc[10, "note"] == "pnr [PNR_1]" and out.loc[99, "note"] == "ring [PHONE_1]"
    assert values(frame["text"]) == TEXTS  # the input is not changed
    assert result.counts == {"EMAIL": 1, "PHONE": 2, "PNR": 3, "TME": 1}
    assert {r["field"] for r in result.audit} == {"text", "note"}
    assert all("text" not in r and "811218" not in json.dumps(r) for r in result.audit)


def test_a_categorical_column_gets_only_its_redacted_categories() -> None:
    frame = pd.DataFrame(
        {
            "namn": pd.Categorical(
                ["Anna Lind", None, "Erik Berg"],
                categories=["Anna Lind", "Erik Berg", "Unused Name"],
                ordered=True,
            )
        }
    )
    out = redact_frame(frame, whole_columns={"namn": "PER"}, anonymizer=fake()).frame
    assert isinstance(out["namn"].dtype, pd.CategoricalDtype) and out["namn"].cat.ordered
    assert list(out["namn"].cat.categories) == ["[PER_1]"]  # "Unused Name" is gone
    assert out["namn"].isna().tolist() == [False, True, False]


def test_nan_nulls_stay_nan_and_the_result_does_not_depend_on_chunks() -> None:
    frame = pd.DataFrame({"text": pd.Series(["Anna och Erik", math.nan, None, "Erik"], dtype=object)})
    whole = redact_frame(frame, columns=["text"], anonymizer=fake())
    assert whole.frame["text"].tolist()[:1] == ["[PER_1] och [PER_2]"]
    assert math.isnan(whole.frame["text"][1]) and whole.frame["text"][2] is None
    for rows in (1, 3):
        chunked = redact_frame(frame, columns=["text"], anonymizer=fake(), chunk_rows=rows)
        pd.testing.assert_frame_equal(chunked.frame, whole.frame)
        assert chunked.audit == [
            {**r, "digest": c["digest"]} for r, c in zip(whole.audit, chunked.audit, strict=True)
        ]


def test_whole_columns_replace_every_value_and_teach_the_row() -> None:
    frame = pd.DataFrame({"namn": ["Lisa Ek", "Per Holm"], "text": ["Lisa Ek ringde. Lisa kommer.", "Ingen"]})
    out = redact_frame(frame, columns=["text"], whole_columns={"namn": "per"}, anonymizer=fake())
    assert out.frame["namn"].tolist() == ["[PER_1]", "[PER_1]"]
    assert out.frame["text"].tolist() == ["[PER_1] ringde. [PER_1] kommer.", "Ingen"]  # names no list knows
    assert [r["detector"] for r in out.audit if r["field"] == "namn"] == ["column", "column"]
    # Whole columns are learned first: "Anna" in the text, found by detection, is "Anna Lind".
    frame = pd.DataFrame({"text": ["Anna ringde, Erik också."], "namn": ["Anna Lind"]})
    out = redact_frame(frame, columns=["text"], whole_columns={"namn": "PER"}, anonymizer=fake())
    assert out.frame.iloc[0].tolist() == ["[PER_1] ringde, [PER_2] också.", "[PER_1]"]


def test_pipe_and_errors_that_quote_no_value() -> None:
    frame = pd.DataFrame({"text": ["Anna"], "n": [811218]})
    assert frame.pipe(redact_frame, columns=["text"], anonymizer=fake()).frame["text"][0] == "[PER_1]"
    for kwargs, message in [
        ({"columns": ["nope"]}, "no column 'nope'"),
        ({"columns": ["n"]}, "not text"),
        ({"columns": ["text"], "whole_columns": {"text": "PER"}}, "both"),
        ({"whole_columns": {"text": "P E R"}}, "not a label"),
        ({}, "at least one column"),
    ]:
        with pytest.raises(UsageError, match=message) as error:
            redact_frame(frame, anonymizer=fake(), **kwargs)
        assert "811218" not in str(error.value)
    mixed = pd.DataFrame({"t": pd.Series(["Anna", 811218], dtype=object)})
    with pytest.raises(UsageError, match="row 1: a int") as error:
        redact_frame(mixed, columns=["t"], anonymizer=fake())
    assert "811218" not in str(error.value)
    with pytest.raises(UsageError, match="pandas or polars"):
        redact_frame([["Anna"]], columns=["t"], anonymizer=fake())


# --- polars ---------------------------------------------------------------------------------


def test_polars_round_trip_with_nulls_and_categoricals_equals_pandas() -> None:
    pandas_frame = sample_frame()
    frame = pl.from_pandas(pandas_frame.reset_index())
    assert frame.schema["namn"] == pl.Categorical and frame.schema["text"] == pl.String
    options: dict[str, Any] = {
        "columns": ["text", "note"],
        "whole_columns": {"namn": "PER"},
        "audit_key": AUDIT_KEY,
    }
    result = frame.pipe(redact_frame, anonymizer=rules(), **options)
    out = result.frame
    assert type(out) is pl.DataFrame and out.schema == frame.schema and out.columns == frame.columns
    assert out["row_id"].to_list() == frame["row_id"].to_list()
    assert out["namn"].to_list() == ["[PER_1]", None, "[PER_1]", "[PER_1]", None, "[PER_1]"]
    expected = redact_frame(pandas_frame, anonymizer=rules(), **options)
    for name in ("namn", "text", "note"):
        assert out[name].to_list() == values(expected.frame[name])
    assert result.audit == expected.audit


def test_polars_refuses_columns_that_are_not_text() -> None:
    with pytest.raises(UsageError, match="not text"):
        redact_frame(pl.DataFrame({"n": [1, 2]}), columns=["n"], anonymizer=fake())


# --- the same as the command ------------------------------------------------------------------


def cli(*args: str | Path) -> None:
    result = CliRunner().invoke(anonymize, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def audit_records(path: Path) -> list[dict[str, Any]]:
    *records, _summary = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return [{k: v for k, v in r.items() if k != "source"} for r in records]


def test_redact_frame_equals_the_command_on_parquet_and_csv(tmp_path: Path) -> None:
    frame = sample_frame().reset_index(drop=True)
    options = [
        "--column",
        "text",
        "--column",
        "note",
        "--whole-column",
        "namn=PER",
        "--chunk-rows",
        "4",
        "--entities",
        ",".join(RULE_LABELS),
        "--audit-key",
        AUDIT_KEY.decode(),
        "-q",
    ]
    expected = redact_frame(
        frame,
        columns=["text", "note"],
        whole_columns={"namn": "PER"},
        anonymizer=rules(),
        audit_key=AUDIT_KEY,
        chunk_rows=4,
    )
    mine = [{k: v for k, v in r.items() if k != "source"} for r in expected.audit]

    frame.to_parquet(tmp_path / "in.parquet", index=False)
    cli(tmp_path / "in.parquet", *options, "-o", tmp_path / "out.parquet", "--audit", tmp_path / "p.jsonl")
    from_cli = pd.read_parquet(tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(from_cli, expected.frame, check_dtype=False, check_categorical=False)
    assert audit_records(tmp_path / "p.jsonl") == mine

    frame.to_csv(tmp_path / "in.csv", index=False)
    cli(tmp_path / "in.csv", *options, "-o", tmp_path / "out.csv", "--audit", tmp_path / "c.jsonl")
    from_csv = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    for name in ("namn", "text", "note"):
        assert from_csv[name].tolist() == ["" if pd.isna(v) else v for v in expected.frame[name].tolist()]
    assert audit_records(tmp_path / "c.jsonl") == mine


def test_a_batch_job_with_whole_columns_equals_the_single_file_run(tmp_path: Path) -> None:
    sample_frame().to_csv(tmp_path / "in.csv", index=False)
    options = ["--column", "text", "--whole-column", "namn=PER", "--entities", "PNR,PHONE", "-q"]
    cli(tmp_path / "in.csv", *options, "-o", tmp_path / "one.csv")
    cli(tmp_path / "in.csv", *options, "-o", f"{tmp_path / 'job'}/", "--workers", "1")
    assert (tmp_path / "job" / "in.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    names = pd.read_csv(tmp_path / "one.csv", dtype=str, keep_default_na=False)["namn"].tolist()
    assert names == ["[PER_1]", "", "[PER_1]", "[PER_1]", "", "[PER_1]"]


def test_whole_column_encrypt_gives_back_every_value() -> None:
    key = b"s" * 32
    config = make_config(PNR=OperatorSpec("encrypt", {})).with_entities(frozenset({"PER"}))
    detector = FakeDetector({"Anna": "PER"})
    anonymizer = Anonymizer(config=config, detectors=[detector], key=key)
    frame = pl.DataFrame({"pnr": ["811218-9876", None, "811218-9876", "19121212-1212"]})
    out = redact_frame(frame, whole_columns={"pnr": "PNR"}, anonymizer=anonymizer)
    tokens = out.frame["pnr"].to_list()
    assert tokens[0] == tokens[2] and tokens[1] is None  # deterministic: joins still work
    assert all(r.get("reversible") is True for r in out.audit)
    opened = [None if t is None else Cipher(key).open(*TOKEN.fullmatch(t).groups()) for t in tokens]  # type: ignore[union-attr]
    assert opened == frame["pnr"].to_list()


def test_whole_column_in_json_lines_and_its_usage_errors(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = ['{"namn": "Anna Lind", "n": 1.50, "text": "Anna ringde"}', '{"namn": null, "text": "x"}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli(source, "--whole-column", "namn=PER", "--column", "text", "--entities", "PNR", "-o", out, "-q")
    assert out.read_text().splitlines() == [
        '{"namn": "[PER_1]", "n": 1.50, "text": "[PER_1] ringde"}',
        '{"namn": null, "text": "x"}',
    ]
    runner = CliRunner()
    for args, message in [
        (["--whole-column", "namn"], "takes COLUMN=LABEL"),
        (["--whole-column", "namn=PER", "--whole-column", "namn=LOC"], "given twice"),
        (["--whole-column", "text=PER", "--column", "text"], "both redacted by detection"),
    ]:
        result = runner.invoke(anonymize, [str(source), "--entities", "PNR", *args])
        assert result.exit_code == 2 and message in result.output and "--whole-column" in result.output
    letter = tmp_path / "letter.txt"
    letter.write_text("Anna\n")
    result = runner.invoke(anonymize, [str(letter), "--whole-column", "namn=PER", "--entities", "PNR"])
    assert result.exit_code == 2 and "not to text" in result.output


def test_restore_frame_gives_the_frame_back_and_refuses_a_wrong_key() -> None:
    key, new = b"s" * 32, b"n" * 32
    config = make_config(PER=OperatorSpec("encrypt", {})).with_entities(frozenset({"PER"}))
    anonymizer = Anonymizer(config=config, detectors=[FakeDetector({"Anna": "PER", "Erik": "PER"})], key=key)
    frame = sample_frame()
    out = redact_frame(frame, columns=["text"], whole_columns={"namn": "PER"}, anonymizer=anonymizer).frame
    assert values(out["text"])[0].startswith("[PER:") and values(out["namn"])[0].startswith("[PER:")
    back = restore_frame(out, columns=["namn", "text"], keys=[key])
    pd.testing.assert_frame_equal(back, frame, check_categorical=False)
    with pytest.raises(UsageError, match="does not decrypt") as error:
        restore_frame(out, columns=["namn"], keys=[b"w" * 32])
    assert "Anna" not in str(error.value) and "[PER:" not in str(error.value)
    encrypted = pl.from_pandas(out)
    rotated = restore_frame(encrypted, columns=["namn", "text"], keys=[key], new_key=new)
    assert type(rotated) is pl.DataFrame and rotated["namn"].to_list() != encrypted["namn"].to_list()
    again = restore_frame(rotated, columns=["namn", "text"], keys=[new])
    assert again["text"].to_list() == values(frame["text"])
