"""`anonymizer audit summarize`: counts, rates, histograms, the lowest scores and the drift alarm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anonymizer.errors import UsageError
from anonymizer.review.summary import BINS, Filters, compare, score_bin, summarize
from review_support import KEY, SAMPLES, Row, anonymize, audit_entries, fake_anonymizer, run_pipeline, tools

WORDS = {"Anna": ("PER", 0.95), "Erik": ("PER", 0.35), "Umeå": ("LOC", 0.72), "Volvo": ("ORG", 0.5)}
ROWS: list[Row] = [
    {"id": i, "text": text, "visits": i}
    for i, text in enumerate(
        [
            "Anna flyttade till Umeå.",
            "Erik och Anna jobbar på Volvo.",
            "Inga namn.",
            "Anna igen.",
        ]
    )
]


def make_run(folder: Path, words: dict[str, tuple[str, float]] = WORDS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return run_pipeline(fake_anonymizer(words), folder, "csv", ROWS, key=KEY.encode()).audit


def test_counts_rates_histogram_and_lowest(tmp_path: Path) -> None:
    audit = make_run(tmp_path)
    result = summarize([audit], lowest=2)
    assert result.spans == 6 and result.rows == 4 and result.runs == 1
    assert dict(result.by_label) == {"PER": 4, "LOC": 1, "ORG": 1}
    assert dict(result.by_detector) == {"ner": 6}
    assert dict(result.by_source) == {str(tmp_path / "in.csv"): 6}
    assert result.rate("PER") == pytest.approx(1000.0)
    assert result.rate("LOC") == pytest.approx(250.0)
    per = result.histogram["PER"]
    assert sum(per) == 4 and per[score_bin(0.95)] == 3 and per[score_bin(0.35)] == 1 and len(per) == BINS
    assert [(low.label, low.score, low.record, low.start) for low in result.lowest] == [
        ("PER", 0.35, 1, 0),
        ("ORG", 0.5, 1, 24),
    ]
    assert score_bin(1.0) == BINS - 1 and score_bin(0.0) == 0


def test_filters_by_label_source_and_score(tmp_path: Path) -> None:
    audit = make_run(tmp_path)
    assert summarize([audit], filters=Filters(labels=frozenset({"PER"}))).spans == 4
    assert summarize([audit], filters=Filters(below=0.6)).by_label == {"PER": 1, "ORG": 1}
    other = summarize([audit], filters=Filters(sources=frozenset({"elsewhere.csv"})))
    assert other.spans == 0 and other.runs == 0 and other.rows == 0
    mine = summarize([audit], filters=Filters(sources=frozenset({str(tmp_path / "in.csv")})))
    assert mine.spans == 6 and mine.rows == 4


def test_the_command_prints_tables_and_json_but_never_text(tmp_path: Path) -> None:
    audit = make_run(tmp_path)
    # As if written with --audit-include-text: the summary must not repeat it.
    with_text = tmp_path / "with-text.jsonl"
    lines = []
    for line in audit.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("type") != "summary":
            entry["text"] = "HEMLIGT-" + entry["label"]
        lines.append(json.dumps(entry))
    with_text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tables = tools("audit", "summarize", with_text)
    assert tables.exit_code == 0, tables.output
    assert "by label" in tables.stdout and "lowest-scored" in tables.stdout and "PER" in tables.stdout
    as_json = tools("audit", "summarize", with_text, "--json", "--label", "per,loc")
    report = json.loads(as_json.stdout)
    assert report["by_label"] == {"LOC": 1, "PER": 4}
    assert report["per_1000_rows"] == {"LOC": 250.0, "PER": 1000.0}
    assert set(report["lowest"][0]) == {
        "source",
        "record",
        "field",
        "start",
        "end",
        "label",
        "detector",
        "score",
    }
    for output in (tables.output, as_json.output):
        assert "HEMLIGT" not in output and "Anna" not in output


def test_the_drift_alarm_rings_when_a_label_goes_missing(tmp_path: Path) -> None:
    before = make_run(tmp_path / "before")
    no_persons = {word: value for word, value in WORDS.items() if value[0] != "PER"}
    after = make_run(tmp_path / "after", no_persons)
    drifts = {d.label: d for d in compare(summarize([after]), summarize([before]), threshold=0.25)}
    assert drifts["PER"].flagged and drifts["PER"].change == -1.0 and drifts["PER"].after == 0.0
    assert not drifts["LOC"].flagged and drifts["LOC"].change == 0.0

    rang = tools("audit", "summarize", after, "--against", before, "--fail-on-drift")
    assert rang.exit_code == 3
    assert "drift:" in rang.output and "PER" in rang.output and "DRIFT" in rang.stdout
    quiet = tools("audit", "summarize", before, "--against", before, "--fail-on-drift")
    assert quiet.exit_code == 0 and "drift:" not in quiet.output
    report = json.loads(tools("audit", "summarize", after, "--against", before, "--json").stdout)
    assert report["drift"]["flagged"] == ["PER"]
    assert tools("audit", "summarize", after, "--fail-on-drift").exit_code == 2


def test_threshold_and_min_spans(tmp_path: Path) -> None:
    before = summarize([make_run(tmp_path / "before")])
    fewer_orgs = {**WORDS, "Volvo": ("LOC", 0.5)}  # ORG 1 -> 0, LOC 1 -> 2
    after = summarize([make_run(tmp_path / "after", fewer_orgs)])
    flagged = {d.label for d in compare(after, before, threshold=0.25) if d.flagged}
    assert flagged == {"ORG", "LOC"}
    assert not any(d.flagged for d in compare(after, before, threshold=0.25, min_spans=3))
    assert {d.label for d in compare(after, before, threshold=1.5) if d.flagged} == {"ORG"}
    empty = summarize([])
    with pytest.raises(UsageError, match="no rows counted"):
        compare(after, empty)


def test_a_log_without_its_summary_line_has_no_rate(tmp_path: Path) -> None:
    audit = make_run(tmp_path)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(audit.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    result = summarize([cut])
    assert result.rows is None and result.rate("PER") is None and result.spans == 6
    assert "unknown" in tools("audit", "summarize", cut).stdout


@pytest.mark.shipped_model
def test_a_real_run_without_persons_rings_the_alarm(tmp_path: Path) -> None:
    full, partial = tmp_path / "full.jsonl", tmp_path / "partial.jsonl"
    common = (SAMPLES / "notes.csv", "--column", "text", "-o", tmp_path / "out.csv", "--audit-key", KEY, "-q")
    assert anonymize(*common, "--audit", full).exit_code == 0
    entities = "LOC,ORG,TME,PNR,PHONE,EMAIL"  # the same run, but the persons are gone
    assert anonymize(*common, "--audit", partial, "--entities", entities).exit_code == 0
    assert any(entry["label"] == "PER" for entry in audit_entries(full))
    result = tools("audit", "summarize", partial, "--against", full, "--fail-on-drift", "--json")
    assert result.exit_code == 3
    assert "PER" in json.loads(result.stdout)["drift"]["flagged"]
