"""End-to-end tests of `anonymize` with the shipped model (no mocks)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from anonymizer.cli.anonymize import anonymize

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
KEY = "test-key"


def run(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner().invoke(anonymize, [str(a) for a in args], input=input, catch_exceptions=False)


def read_audit(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    *records, summary = lines
    assert summary["type"] == "summary"
    return records, summary


def rebuild(original: str, records: list[dict[str, Any]]) -> str:
    """Apply audit records to the original value: must give the redacted value."""
    out, cursor = [], 0
    for record in sorted(records, key=lambda r: r["start"]):
        out.append(original[cursor : record["start"]])
        out.append(record["replacement"])
        cursor = record["end"]
    return "".join(out) + original[cursor:]


def check_audit_against(
    values: dict[tuple[int, str | None], str],
    redacted: dict[tuple[int, str | None], str],
    audit: Path,
    *,
    rows: int,
) -> list[dict[str, Any]]:
    records, summary = read_audit(audit)
    by_cell: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
    for record in records:
        original = values[(record["record"], record["field"])]
        surface = original[record["start"] : record["end"]]
        digest = hmac.new(KEY.encode(), surface.encode(), hashlib.sha256).hexdigest()
        assert record["digest"] == digest
        assert "text" not in record
        by_cell.setdefault((record["record"], record["field"]), []).append(record)
    for cell, original in values.items():
        assert rebuild(original, by_cell.get(cell, [])) == redacted[cell]
    assert summary["rows"] == rows
    assert sum(summary["counts"].values()) == len(records)
    assert set(summary) >= {"counts", "rows", "seconds", "model_sha256", "config_sha256", "version", "source"}
    return records


@pytest.mark.shipped_model
def test_csv_round_trip_keeps_rows_columns_and_redacts(tmp_path: Path) -> None:
    out, audit = tmp_path / "out.csv", tmp_path / "audit.jsonl"
    result = run(SAMPLES / "notes.csv", "--column", "text", "-o", out, "--audit", audit, "--audit-key", KEY)
    assert result.exit_code == 0, result.output
    with (SAMPLES / "notes.csv").open(encoding="utf-8", newline="") as f:
        before = list(csv.DictReader(f))
    with out.open(encoding="utf-8", newline="") as f:
        after = list(csv.DictReader(f))
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert [r["visits"] for r in after] == [r["visits"] for r in before]
    assert list(after[0]) == ["id", "text", "visits"]
    assert after[4]["text"] == ""  # empty cell stays empty
    text = "\n".join(r["text"] for r in after)
    for name in ["Lars Svensson", "Sofia Ahmed", "Johan Ek", "Per Andersson", "Umeå", "Malmö", "850612-1238"]:
        assert name not in text
    assert "[PER_1]" in after[0]["text"]
    values = {(i, "text"): r["text"] for i, r in enumerate(before)}
    redacted = {(i, "text"): r["text"] for i, r in enumerate(after)}
    records = check_audit_against(values, redacted, audit, rows=len(before))
    assert {r["label"] for r in records} >= {"PER", "LOC", "TME"}
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600
    assert all(r["source"] == str(SAMPLES / "notes.csv") for r in records)


@pytest.mark.shipped_model
def test_parquet_keeps_schema_types_nulls_and_order(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    result = run(SAMPLES / "notes.parquet", "--column", "text", "-o", out)
    assert result.exit_code == 0, result.output
    before, after = pq.read_table(SAMPLES / "notes.parquet"), pq.read_table(out)
    assert after.schema.equals(before.schema, check_metadata=True)
    for column in ("id", "visits"):
        assert after.column(column).equals(before.column(column))
    texts = after.column("text").to_pylist()
    assert texts[4] is None
    assert "Lars Svensson" not in texts[0] and texts[2] == before.column("text")[2].as_py()


@pytest.mark.shipped_model
def test_jsonl_keeps_keys_and_values(tmp_path: Path) -> None:
    out, audit = tmp_path / "out.jsonl", tmp_path / "audit.jsonl"
    result = run(SAMPLES / "notes.jsonl", "--column", "text", "-o", out, "--audit", audit, "--audit-key", KEY)
    assert result.exit_code == 0, result.output
    before = [json.loads(line) for line in (SAMPLES / "notes.jsonl").read_text(encoding="utf-8").splitlines()]
    after = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in after] == [list(r) for r in before]
    assert [(r["id"], r["visits"]) for r in after] == [(r["id"], r["visits"]) for r in before]
    assert after[4]["text"] is None
    values = {(i, "text"): r["text"] for i, r in enumerate(before) if r["text"]}
    redacted = {(i, "text"): r["text"] for i, r in enumerate(after) if r["text"]}
    check_audit_against(values, redacted, audit, rows=len(before))


@pytest.mark.shipped_model
def test_text_file_numbers_placeholders_across_paragraphs(tmp_path: Path) -> None:
    out, audit = tmp_path / "letter.redacted.txt", tmp_path / "audit.jsonl"
    result = run(SAMPLES / "letter.txt", "-o", out, "--audit", audit, "--audit-key", KEY)
    assert result.exit_code == 0, result.output
    original, redacted = (SAMPLES / "letter.txt").read_text(encoding="utf-8"), out.read_text(encoding="utf-8")
    assert original.count("\n\n") == redacted.count("\n\n")
    for name in ["Erik Johansson", "Maria Lindqvist", "Karin Berg", "Göteborg"]:
        assert name not in redacted
    records, _ = read_audit(audit)
    replacements_by_digest: dict[str, set[str]] = {}
    paragraphs_by_digest: dict[str, set[int]] = {}
    for record in records:
        replacements_by_digest.setdefault(record["digest"], set()).add(record["replacement"])
        paragraphs_by_digest.setdefault(record["digest"], set()).add(record["record"])
    repeated = [digest for digest, found_in in paragraphs_by_digest.items() if len(found_in) > 1]
    assert repeated, "the sample letter names someone in two paragraphs"
    for digest in repeated:  # the same surface string gets the same placeholder in every paragraph
        assert len(replacements_by_digest[digest]) == 1
    paragraphs = original.split("\n\n")
    values = {(i, None): p.strip("\n") for i, p in enumerate(paragraphs)}
    redacted_paragraphs = redacted.split("\n\n")
    redacted_values = {(i, None): p.strip("\n") for i, p in enumerate(redacted_paragraphs)}
    check_audit_against(values, redacted_values, audit, rows=len(paragraphs))


@pytest.mark.shipped_model
def test_stdin_to_stdout_as_a_subprocess() -> None:
    letter = (SAMPLES / "letter.txt").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "anonymizer.cli.anonymize"],
        input=letter,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode("utf-8")
    assert "Erik Johansson" not in out and "[PER_" in out
    assert out.count("\n") == letter.decode().count("\n")
    assert "anonymize:" in done.stderr.decode()  # the summary goes to stderr, never stdout


@pytest.mark.shipped_model
def test_stdin_csv_needs_format_and_works_with_it() -> None:
    data = (SAMPLES / "notes.csv").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "anonymizer.cli.anonymize", "-", "--format", "csv", "--column", "text", "-q"],
        input=data,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines()[0] == "id,text,visits"
    assert done.stderr == b""


def test_entities_option_limits_what_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert run(SAMPLES / "letter.txt", "--entities", "TME", "-o", out, "-q").exit_code == 0
    redacted = out.read_text(encoding="utf-8")
    assert "Erik Johansson" in redacted and "[TME]" in redacted and "[PER_" not in redacted


@pytest.mark.shipped_model
def test_config_file_changes_operators(tmp_path: Path) -> None:
    config = tmp_path / "mask.toml"
    config.write_text('[operators.PER]\noperator = "mask"\n', encoding="utf-8")
    out = tmp_path / "out.txt"
    assert run(SAMPLES / "letter.txt", "--config", config, "-o", out, "-q").exit_code == 0
    redacted = out.read_text(encoding="utf-8")
    assert "Karin Berg" not in redacted and "**********" in redacted


@pytest.mark.shipped_model
def test_audit_include_text_is_explicit(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    result = run(SAMPLES / "letter.txt", "-o", tmp_path / "o.txt", "--audit", audit, "--audit-include-text")
    assert result.exit_code == 0
    records, _ = read_audit(audit)
    original = (SAMPLES / "letter.txt").read_text(encoding="utf-8")
    assert all(r["text"] in original for r in records)


@pytest.mark.shipped_model
def test_audit_never_holds_removed_text_by_default(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    assert run(SAMPLES / "letter.txt", "-o", tmp_path / "o.txt", "--audit", audit).exit_code == 0
    log = audit.read_text(encoding="utf-8")
    for name in ["Erik", "Johansson", "Karin", "Göteborg", "maj"]:
        assert name not in log
    _, summary = read_audit(audit)
    assert summary["audit_key"] == "random (this run only)"


def test_identifiers_are_redacted_without_loading_the_tagger(tmp_path: Path) -> None:
    source = tmp_path / "ids.csv"
    source.write_text(
        "id,text\n"
        '1,"Pnr 811218-9876, fel skrivet 811218-9875, tel 070-123 45 67, anna@firma.se"\n'
        '2,"Bankgiro 5050-1055, orgnr 556036-0793, bor på Storgatan 12 B, 111 43 Stockholm"\n',
        encoding="utf-8",
    )
    out, audit = tmp_path / "out.csv", tmp_path / "audit.jsonl"
    entities = "PNR,PHONE,EMAIL,BANK,ORGNR,ADDRESS"
    result = run(source, "--column", "text", "--entities", entities, "-o", out, "--audit", audit, "-q")
    assert result.exit_code == 0, result.output
    redacted = out.read_text(encoding="utf-8")
    for value in ["811218-987", "070-123", "anna@", "5050-1055", "556036", "Storgatan", "111 43"]:
        assert value not in redacted
    records, summary = read_audit(audit)
    assert summary["model_sha256"] is None  # rule labels only: the tagger was not loaded
    pnr = [r for r in records if r["label"] == "PNR"]
    assert [(r["valid"], r["score"] < 0.9) for r in pnr] == [(True, False), (False, True)]
    assert all(r["valid"] is True for r in records if r["label"] in {"ORGNR", "BANK"})


@pytest.mark.parametrize(
    ("preset", "tagger_loaded"),
    [(None, False), pytest.param("time-rules-and-model.toml", True, marks=pytest.mark.shipped_model)],
    ids=["default", "preset"],
)
def test_model_labels_decide_whether_time_loads_the_tagger(
    tmp_path: Path, preset: str | None, tagger_loaded: bool
) -> None:
    presets = SAMPLES.parent / "rules" / "presets"
    options: list[str | Path] = [] if preset is None else ["--config", presets / preset]
    out, audit = tmp_path / "out.txt", tmp_path / "audit.jsonl"
    result = run(SAMPLES / "letter.txt", "--entities", "TME", *options, "-o", out, "--audit", audit, "-q")
    assert result.exit_code == 0, result.output
    records, summary = read_audit(audit)
    assert (summary["model_sha256"] is not None) == tagger_loaded
    # the shipped tagger knows no TME: the time rules find them either way
    assert records and {r["label"] for r in records} == {"TME"}


def pseudonymize(tmp_path: Path, name: str, *options: str, env: dict[str, str] | None = None) -> Result:
    config = tmp_path / "pseudonym.toml"
    config.write_text(
        '[operators.PER]\noperator = "pseudonym"\n[operators.PNR]\noperator = "surrogate"\n', encoding="utf-8"
    )
    return CliRunner(env=env).invoke(
        anonymize,
        [
            str(SAMPLES / "notes.csv"),
            "--column",
            "text",
            "--config",
            str(config),
            "-o",
            str(tmp_path / name),
            *options,
        ],
        catch_exceptions=False,
    )


@pytest.mark.shipped_model
def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(tmp_path: Path) -> None:
    key, other = tmp_path / "key", tmp_path / "other"
    key.write_text("a" * 32 + "\n", encoding="utf-8")
    other.write_text("b" * 32, encoding="utf-8")
    for name, options in [
        ("1.csv", ("--key-file", str(key))),
        ("2.csv", ("--key-file", str(key))),
        ("3.csv", ("--key-file", str(other))),
    ]:
        assert pseudonymize(tmp_path, name, *options, "-q").exit_code == 0
    first, second, third = ((tmp_path / n).read_text(encoding="utf-8") for n in ("1.csv", "2.csv", "3.csv"))
    ids = set(re.findall(r"\[PER_([0-9a-f]{8})\]", first))
    assert len(ids) >= 4 and first == second
    assert ids.isdisjoint(re.findall(r"\[PER_([0-9a-f]{8})\]", third))
    assert "850612-1238" not in first and re.search(r"\d{6}-\d{4}", first)  # a fake personnummer
    from_env = pseudonymize(tmp_path, "4.csv", "-q", env={"ANONYMIZE_KEY": "a" * 32})
    assert from_env.exit_code == 0 and (tmp_path / "4.csv").read_text(encoding="utf-8") == first


@pytest.mark.shipped_model
def test_keyed_operators_without_a_key_warn_and_short_keys_are_refused(tmp_path: Path) -> None:
    result = pseudonymize(tmp_path, "o.csv", env={"ANONYMIZE_KEY": ""})
    assert result.exit_code == 0 and "random key for this run only" in result.stderr
    short = tmp_path / "short"
    short.write_text("abc", encoding="utf-8")
    assert_usage_error(pseudonymize(tmp_path, "p.csv", "--key-file", str(short)), "at least 16")
    assert not (tmp_path / "p.csv").exists()


# --- errors: exit code, message, nothing at the target path ---------------------------------


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output


def test_missing_column_counts_the_columns_and_quotes_none(tmp_path: Path) -> None:
    """A header may be a first row of data (a file without one): its cells are never shown."""
    out = tmp_path / "out.csv"
    result = run(SAMPLES / "notes.csv", "--column", "txt", "--entities", "PNR", "-o", out)
    assert_usage_error(result, "no column 'txt'", "columns found (names not shown")
    assert "visits" not in result.output
    assert not out.exists()


def test_tabular_input_needs_a_column(tmp_path: Path) -> None:
    assert_usage_error(run(SAMPLES / "notes.csv", "-o", tmp_path / "o.csv"), "--column")


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes((SAMPLES / "notes.csv").read_bytes())
    result = run(data, "--column", "text", "-o", data)
    assert_usage_error(result, "input file")
    assert data.read_bytes() == (SAMPLES / "notes.csv").read_bytes()


def test_audit_path_equal_to_input_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "letter.txt"
    data.write_bytes((SAMPLES / "letter.txt").read_bytes())
    assert_usage_error(run(data, "-o", tmp_path / "o.txt", "--audit", data), "input file")
    assert data.read_bytes() == (SAMPLES / "letter.txt").read_bytes()


@pytest.mark.shipped_model
def test_unwritable_output_directory_exits_with_a_message(tmp_path: Path) -> None:
    result = run(SAMPLES / "letter.txt", "-o", tmp_path / "missing" / "o.txt")
    assert result.exit_code in (1, 2) and "missing" in result.output
    assert not (tmp_path / "missing").exists()


@pytest.mark.shipped_model
def test_undecodable_input_names_file_row_and_encoding(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("id,text\n1,Hej\n2,Åsa bor i Växjö\n".encode("latin-1"))
    out = tmp_path / "out.csv"
    result = run(bad, "--column", "text", "-o", out)
    assert_usage_error(result, str(bad), "--encoding")
    assert re.search(r"line 3|row 1|record 1", result.output)
    assert "Växjö" not in result.output and "sa bor" not in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["latin1.csv"]
    ok = run(bad, "--column", "text", "--encoding", "latin-1", "-o", out, "-q")
    assert ok.exit_code == 0 and out.exists()


@pytest.mark.shipped_model
def test_unknown_option_and_entity_are_usage_errors(tmp_path: Path) -> None:
    assert run(SAMPLES / "letter.txt", "--colour").exit_code == 2
    assert_usage_error(run(SAMPLES / "letter.txt", "--entities", "PER,FOO"), "FOO", "known")


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[operators.PER]\noperator = "shred"\n', encoding="utf-8")
    assert_usage_error(run(SAMPLES / "letter.txt", "--config", config), str(config), "operators.PER.operator")


def test_missing_input_and_unknown_extension(tmp_path: Path) -> None:
    assert_usage_error(run(tmp_path / "nope.csv", "--column", "text"), "nope.csv")
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"x")
    assert_usage_error(run(odd), "--format")


@pytest.mark.shipped_model
def test_detection_failure_exits_1_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anonymizer.detectors.ner import NerDetector

    calls = {"n": 0}
    real = NerDetector.detect

    def fail_on_second_chunk(self: NerDetector, texts: Any) -> Any:
        calls["n"] += 1
        if calls["n"] >= 2:  # and on the retries of its records one by one
            raise RuntimeError("boom")
        return real(self, texts)

    monkeypatch.setattr(NerDetector, "detect", fail_on_second_chunk)
    out, audit = tmp_path / "out.csv", tmp_path / "audit.jsonl"
    result = run(SAMPLES / "notes.csv", "--column", "text", "--chunk-rows", "2", "-o", out, "--audit", audit)
    assert result.exit_code == 1
    assert "detector 'ner' failed" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.shipped_model
def test_quiet_prints_nothing_to_stderr(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "anonymizer.cli.anonymize",
            str(SAMPLES / "letter.txt"),
            "-q",
            "-o",
            str(tmp_path / "o.txt"),
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""


def test_the_cli_page_explains_every_option() -> None:
    """The site's reference is generated from the command; its hand-written table must keep up."""
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    help_text = run("--help").output
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text))
    missing = sorted(option for option in options if option not in page)
    assert not missing, f"docs/cli.md lacks {missing}"


@pytest.mark.shipped_model
def test_output_file_mode_is_not_private_by_accident(tmp_path: Path) -> None:
    out = tmp_path / "o.txt"
    assert run(SAMPLES / "letter.txt", "-o", out, "-q").exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
