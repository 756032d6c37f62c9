"""`anonymizer audit verify`: an output is its input with exactly the audited spans replaced."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from anonymizer.errors import UsageError
from anonymizer.review.auditlog import load_audit
from anonymizer.review.verify import verify_output
from review_support import (
    FORMATS,
    KEY,
    SAMPLES,
    SUFFIX,
    Row,
    Run,
    anonymize,
    edit,
    fake_anonymizer,
    run_pipeline,
    tools,
)

WORDS = {"Anna": ("PER", 0.9), "Erik": ("PER", 0.4), "Umeå": ("LOC", 0.7), "Volvo": ("ORG", 0.95)}
ROWS: list[Row] = [
    {"id": 1, "text": "Anna flyttade till Umeå i fjol.", "visits": 3},
    {"id": 2, "text": "Inga namn här.", "visits": 0},
    {"id": 3, "text": "Erik ringde Anna från Volvo.", "visits": 5},
]
# Words of the input and of the tampering that no message may quote.
CONTENT = ("Anna", "Erik", "Umeå", "Volvo", "flyttade", "ringde", "ringDe", "namn", "PER_9")


def fake_run(folder: Path, fmt: str, rows: list[Row] = ROWS, *, first_only: bool = False) -> Run:
    return run_pipeline(fake_anonymizer(WORDS, first_only=first_only), folder, fmt, rows, key=KEY.encode())


def verify(run: Run, output: Path | None = None, *extra: str) -> tuple[int, str]:
    result = tools(
        "audit", "verify", run.input, output or run.output, "--audit", run.audit, "--audit-key", KEY, *extra
    )
    return result.exit_code, result.output


def assert_no_content(message: str) -> None:
    leaked = [word for word in CONTENT if word in message]
    assert not leaked, f"the message quotes {leaked}: {message}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_untouched_output_verifies(tmp_path: Path, fmt: str) -> None:
    run = fake_run(tmp_path, fmt)
    code, output = verify(run)
    assert code == 0, output
    assert "OK: 3 rows" in output and "5 audited spans" in output


def _set_text(row: int, old: str, new: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        assert old in rows[row]["text"]
        rows[row]["text"] = rows[row]["text"].replace(old, new)

    return change


def _bump_visits(rows: list[Row]) -> None:
    value = rows[2]["visits"]
    rows[2]["visits"] = str(int(value) + 1) if isinstance(value, str) else value + 1


def _drop_last(rows: list[Row]) -> None:
    rows.pop()


def _extra_blank_line(rows: list[Row]) -> None:
    rows[1]["text"] += "\n"


# (name, change of the output rows, row, column named, words of the reason)
TAMPERING = [
    ("between", _set_text(2, " ringde ", " ringDe "), 2, "text", "text between spans changed"),
    ("replacement", _set_text(0, "[PER_1]", "[PER_9]"), 0, "text", "replacement of the span 0-4 (PER)"),
    ("dropped row", _drop_last, 2, None, "ends before this row"),
    ("other column", _bump_visits, 2, "visits", "a value that was not redacted differs"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "change", "row", "column", "reason"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
def test_a_tampered_output_fails_naming_row_and_column_only(
    tmp_path: Path,
    fmt: str,
    name: str,
    change: Callable[[list[Row]], None],
    row: int,
    column: str | None,
    reason: str,
) -> None:
    run = fake_run(tmp_path, fmt)
    if fmt == "text":
        if name == "other column":  # text has no other columns: its layout is what must not change
            change, row, column, reason = _extra_blank_line, 1, None, "blank lines or line endings"
        elif column == "text":
            column = None
    tampered = edit(run.output, fmt, change, tmp_path / f"tampered{SUFFIX[fmt]}")
    code, output = verify(run, tampered)
    assert code == 1, output
    where = f"row {row}" + (f", column {column!r}" if column else "")
    assert f"mismatch at {where}: " in output, output
    assert reason in output
    assert_no_content(output)


@pytest.mark.parametrize("fmt", FORMATS)
def test_original_text_that_survives_in_its_value_fails(tmp_path: Path, fmt: str) -> None:
    # The detector takes only the first "Anna": the output is consistent with the
    # audit, but the name is still there.
    rows = [{"id": 1, "text": "Anna ringde. Sedan kom Anna.", "visits": 1}]
    run = fake_run(tmp_path, fmt, rows, first_only=True)
    code, output = verify(run)
    assert code == 1
    column = "" if fmt == "text" else ", column 'text'"
    assert f"mismatch at row 0{column}: the original text of the span 0-4 (PER) survives" in output
    assert_no_content(output)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_input_or_a_wrong_key_fails_on_the_digest(tmp_path: Path, fmt: str) -> None:
    run = fake_run(tmp_path, fmt)
    wrong = tools(
        "audit", "verify", run.input, run.output, "--audit", run.audit, "--audit-key", "not-the-key"
    )
    assert wrong.exit_code == 1
    assert "row 0" in wrong.output and "the key is not the run's" in wrong.output
    changed = edit(run.input, fmt, _set_text(2, "Erik", "Olle"), tmp_path / f"changed{SUFFIX[fmt]}")
    code, output = verify(Run(fmt, changed, run.output, run.audit))
    assert code == 1
    assert "row 2" in output and "digest of the span 0-4 (PER" in output
    assert_no_content(output)
    assert "Olle" not in output


def test_the_key_comes_from_the_environment(tmp_path: Path) -> None:
    run = fake_run(tmp_path, "csv")
    args = ("audit", "verify", run.input, run.output, "--audit", run.audit)
    assert tools(*args, env={"ANONYMIZE_AUDIT_KEY": KEY}).exit_code == 0
    missing = tools(*args, env={"ANONYMIZE_AUDIT_KEY": ""})
    assert missing.exit_code == 2 and "--audit-key" in missing.output


def test_a_run_with_a_random_key_cannot_be_verified(tmp_path: Path) -> None:
    run = run_pipeline(fake_anonymizer(WORDS), tmp_path, "csv", ROWS, key=None)
    result = tools("audit", "verify", run.input, run.output, "--audit", run.audit, "--audit-key", KEY)
    assert result.exit_code == 2
    assert "random audit key" in result.output and "cannot be checked" in result.output


def test_audit_entries_past_the_input_and_a_wrong_row_count_fail(tmp_path: Path) -> None:
    run = fake_run(tmp_path, "jsonl")
    lines = run.audit.read_text(encoding="utf-8").splitlines()
    extra = json.loads(lines[0]) | {"record": 7}
    moved = tmp_path / "moved.jsonl"
    moved.write_text("\n".join([*lines[:-1], json.dumps(extra), lines[-1]]) + "\n", encoding="utf-8")
    result = verify_output(run.input, run.output, audit=load_audit(moved), key=KEY.encode(), fmt="jsonl")
    assert result.mismatch is not None and result.mismatch.row == 7
    assert "a row the input does not have" in result.mismatch.reason
    summary = json.loads(lines[-1]) | {"rows": 4}
    recount = tmp_path / "recount.jsonl"
    recount.write_text("\n".join([*lines[:-1], json.dumps(summary)]) + "\n", encoding="utf-8")
    result = verify_output(run.input, run.output, audit=load_audit(recount), key=KEY.encode(), fmt="jsonl")
    assert result.mismatch is not None and "counts 4 rows, the input has 3" in result.mismatch.reason


def test_columns_must_cover_the_audit_and_a_log_of_two_runs_is_refused(tmp_path: Path) -> None:
    run = fake_run(tmp_path, "csv")
    audit = load_audit(run.audit)
    with pytest.raises(UsageError, match="spans in column"):
        verify_output(run.input, run.output, audit=audit, key=KEY.encode(), fmt="csv", columns=["visits"])
    double = tmp_path / "double.jsonl"
    double.write_text(run.audit.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(UsageError, match="2 runs"):
        verify_output(run.input, run.output, audit=load_audit(double), key=KEY.encode(), fmt="csv")


def test_a_malformed_audit_line_names_file_and_line_not_content(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"record": 0, "start": 0, "end": 4, "text": "Anna"}\n', encoding="utf-8")
    run = fake_run(tmp_path, "csv")
    result = tools("audit", "verify", run.input, run.output, "--audit", bad, "--audit-key", KEY)
    assert result.exit_code == 2
    assert f"{bad}: line 1: no key" in result.output and "Anna" not in result.output


# End to end: the shipped model, the `anonymize` command, the samples.


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    folder = tmp_path_factory.mktemp("samples")
    runs = {}
    for fmt, name in (
        ("csv", "notes.csv"),
        ("jsonl", "notes.jsonl"),
        ("parquet", "notes.parquet"),
        ("text", "letter.txt"),
    ):
        source = SAMPLES / name
        run = Run(fmt, source, folder / f"out.{name}", folder / f"audit.{name}.jsonl")
        done = anonymize(
            source, *run.columns, "-o", run.output, "--audit", run.audit, "--audit-key", KEY, "-q"
        )
        assert done.exit_code == 0, done.output
        runs[fmt] = run
    return runs


@pytest.mark.shipped_model
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_samples_verify_after_a_real_run(sample_runs: dict[str, Run], fmt: str) -> None:
    run = sample_runs[fmt]
    result = tools(
        "audit", "verify", run.input, run.output, "--audit", run.audit, "--audit-key", KEY, "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["rows"] == 6 and report["spans"] > 10


@pytest.mark.shipped_model
def test_a_real_output_with_one_changed_character_fails(sample_runs: dict[str, Run], tmp_path: Path) -> None:
    run = sample_runs["csv"]

    def change(rows: list[Row]) -> None:
        rows[2]["text"] = rows[2]["text"].replace("anteckningen", "anteckningar")

    tampered = edit(run.output, "csv", change, tmp_path / "tampered.csv")
    result = tools("audit", "verify", run.input, tampered, "--audit", run.audit, "--audit-key", KEY)
    assert result.exit_code == 1
    assert "row 2, column 'text': the text between spans changed" in result.output
    assert "anteckning" not in result.output
