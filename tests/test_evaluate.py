from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anonymizer.cli.tools import tools
from anonymizer.errors import InputError
from anonymizer.evaluate import read_conll, score, spans_from_tags, to_bio

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("tags", "io", "spans"),
    [
        (["B-PER", "I-PER", "O", "B-LOC"], False, {(0, 1, "PER"), (3, 3, "LOC")}),
        (["B-PER", "B-PER"], False, {(0, 0, "PER"), (1, 1, "PER")}),
        (["B-PER", "B-PER"], True, {(0, 1, "PER")}),  # IO: a run of one type is one span
        (["I-PER", "I-PER", "I-LOC"], False, {(0, 1, "PER"), (2, 2, "LOC")}),
        (["S-ORG", "B-PER", "E-PER"], False, {(0, 0, "ORG"), (1, 2, "PER")}),
        (["O", "O"], False, set()),
        ([], False, set()),
    ],
)
def test_spans_from_tags(tags: list[str], io: bool, spans: set[tuple[int, int, str]]) -> None:
    assert spans_from_tags(tags, io=io) == spans


def test_to_bio_from_io() -> None:
    assert to_bio(["I-PER", "I-PER", "O", "I-LOC"]) == ["B-PER", "I-PER", "O", "B-LOC"]


def test_score_exact_match_per_label_and_micro() -> None:
    gold = [{(0, 1, "PER"), (3, 3, "LOC")}, {(0, 0, "ORG")}]
    predicted = [{(0, 1, "PER"), (3, 4, "LOC")}, {(0, 0, "ORG"), (2, 2, "PER")}]
    result = score(gold, predicted)
    assert result["PER"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert result["LOC"]["f1"] == 0.0
    assert result["micro"]["precision"] == 0.5 and result["micro"]["recall"] == pytest.approx(0.6667)
    assert set(score(gold, predicted, labels=["PER"])) == {"PER", "micro"}


def test_tokens_may_contain_spaces(tmp_path: Path) -> None:
    path = tmp_path / "c.bio"
    path.write_text("t ex\tO\n5 000\tO\nAnna\tB-PER\n\nHej\tO\n", encoding="utf-8")
    sentences = list(read_conll(path))
    assert [s.tokens for s in sentences] == [["t ex", "5 000", "Anna"], ["Hej"]]
    assert sentences[0].tags == ["O", "O", "B-PER"]


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.bio"
    path.write_text("Anna\tB-PER\nLind B-PER\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.bio: line 2"):
        list(read_conll(path))


def test_evaluate_command_prints_json_and_writes_predictions(tmp_path: Path) -> None:
    predictions = tmp_path / "pred.tsv"
    corpus = DATA / "talbanken_dev_sample.bio"
    args = ["evaluate", str(corpus), "--predictions-out", str(predictions), "--labels", "PER,LOC,ORG"]
    result = CliRunner().invoke(tools, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"PER", "LOC", "ORG", "micro"} <= set(report)
    assert 0.0 <= report["micro"]["f1"] <= 1.0
    gold_lines = corpus.read_text(encoding="utf-8").splitlines()
    lines = predictions.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(gold_lines)  # same order, same sentence breaks
    for gold, line in zip(gold_lines, lines, strict=True):
        if gold:
            token, gold_tag, predicted = line.split("\t")
            assert token == gold.rsplit("\t", 1)[0]
            assert gold_tag.split("-")[-1] == gold.rsplit("\t", 1)[1].split("-")[-1]
            assert predicted == "O" or predicted[:2] in {"B-", "I-"}
        else:
            assert line == ""
