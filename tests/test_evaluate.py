from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from anonymizer.cli.tools import tools
from anonymizer.errors import InputError
from anonymizer.evaluation.evaluate import (
    DOCUMENTS_PER_BATCH,
    LeakedSpan,
    TaggedSentence,
    document_predictions,
    evaluate_documents,
    evaluate_tokens,
    leaks,
    read_conll,
    removed_spans,
    score,
    score_documents,
    spans_from_tags,
    to_bio,
)
from anonymizer.evaluation.gold import GoldDocument, parse_markup, write_jsonl
from anonymizer.evaluation.leaks import covered_ranges
from anonymizer.span import Rank, Redaction, Replacement, Span

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


@pytest.mark.shipped_model
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


# ---------------------------------------------------------------- character spans, leak rate, gold documents


def test_partially_covered_gold_span_leaks() -> None:
    assert leaks([(0, 9, "PER")], [(0, 4, "PER")]) == [(0, 9, "PER")]
    assert leaks([(5, 9, "PER")], [(6, 12, "PER")]) == [(5, 9, "PER")]


def test_span_covered_by_another_label_does_not_leak() -> None:
    assert leaks([(3, 14, "PNR")], [(0, 20, "PHONE")]) == []


def test_adjacent_replacements_together_cover_a_span() -> None:
    assert leaks([(0, 9, "PER")], [(0, 4, "PER"), (4, 9, "LOC")]) == []
    assert leaks([(0, 9, "PER")], [(0, 4, "PER"), (5, 9, "PER")]) == [(0, 9, "PER")]  # the space leaks
    assert covered_ranges([(5, 9, "X"), (0, 4, "X"), (4, 5, "Y"), (20, 22, "Z"), (21, 23, "Z")]) == [
        (0, 9),
        (20, 23),
    ]


def test_nothing_predicted_everything_leaks() -> None:
    assert leaks([(0, 2, "PER"), (5, 7, "TME")], []) == [(0, 2, "PER"), (5, 7, "TME")]


def test_score_documents_per_label_micro_and_false_positives() -> None:
    gold = [
        [(0, 9, "PER"), (20, 31, "PNR"), (40, 45, "TME")],
        [(0, 4, "PER"), (10, 20, "EMAIL")],
    ]
    predicted = [
        [(0, 9, "PER"), (20, 31, "PHONE"), (40, 44, "TME")],  # PNR replaced as PHONE, TME cut short
        [(0, 4, "PER"), (30, 35, "ORG")],  # EMAIL missed, ORG where gold has nothing
    ]
    result, leaked = score_documents(["a", "b"], ["x" * 44 + "9" + "x" * 5, "x" * 40], gold, predicted)
    assert result["PER"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
        "false_positives": 0,
        "leaked": 0,
        "leak_rate": 0.0,
        "leaked_chars": 0,
        "leak_rate_chars": 0.0,
        "replaced": 2,
        "overlap_precision": 1.0,
    }
    assert result["PNR"]["recall"] == 0.0 and result["PNR"]["leak_rate"] == 0.0  # covered, wrong label
    assert result["TME"]["recall"] == 0.0 and result["TME"]["leak_rate"] == 1.0
    assert result["EMAIL"]["leak_rate"] == 1.0 and result["EMAIL"]["support"] == 1
    assert result["PHONE"]["false_positives"] == 1 and result["PHONE"]["support"] == 0
    assert result["ORG"]["false_positives"] == 1 and result["ORG"]["precision"] == 0.0
    micro = result["micro"]
    assert (micro["support"], micro["leaked"], micro["false_positives"]) == (5, 2, 3)
    assert micro["leak_rate"] == 0.4 and micro["recall"] == 0.4 and micro["precision"] == 0.4
    assert micro["leak_rate_chars"] == 0.4 and micro["overlap_precision"] == 0.8
    assert result["identifiers"]["support"] == 2 and result["identifiers"]["leaked"] == 1
    assert leaked == [LeakedSpan("a", 40, 45, "TME"), LeakedSpan("b", 10, 20, "EMAIL")]


def test_score_documents_chosen_labels() -> None:
    result, leaked = score_documents(
        ["a"], ["x" * 20], [[(0, 3, "PER"), (5, 8, "LOC")]], [[(9, 12, "ORG")]], labels=["LOC"]
    )
    assert set(result) == {"LOC", "micro"}
    assert result["micro"]["support"] == 1 and result["micro"]["false_positives"] == 0
    assert leaked == [LeakedSpan("a", 5, 8, "LOC")]


def test_document_predictions_records() -> None:
    records = list(
        document_predictions(
            ["a", "b"],
            ["Anna Lind ringde", "tyst"],
            [[(0, 4, "PER")], []],
            [LeakedSpan("a", 0, 9, "PER")],
        )
    )
    assert records == [
        {
            "id": "a",
            "predicted": [{"start": 0, "end": 4, "label": "PER", "text": "Anna"}],
            "leaked": [{"start": 0, "end": 9, "label": "PER", "text": "Anna Lind"}],
        },
        {"id": "b", "predicted": [], "leaked": []},
    ]


def _span_file(tmp_path: Path) -> Path:
    markups = {
        "brev": "Hej [[Anna Lind|PER]]! Vi ses på [[fredag kl. 14.30|TME]] i [[Umeå|LOC]].",
        "sms": "Ring mig [[i går|TME]], tack",
    }
    path = tmp_path / "gold.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        write_jsonl(
            handle, [GoldDocument(name, name, *parse_markup(markup)) for name, markup in markups.items()]
        )
    return path


def test_evaluate_command_scores_span_files_with_rules_only(tmp_path: Path) -> None:
    predictions = tmp_path / "pred.jsonl"
    args = ["evaluate", str(_span_file(tmp_path)), "--entities", "TME", "--predictions-out", str(predictions)]
    result = CliRunner().invoke(tools, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 2 and report["entities"] == ["TME"] and report["model_sha256"] is None
    assert report["TME"]["support"] == 2 and report["TME"]["leak_rate"] == 0.0
    assert report["PER"]["leak_rate"] == 1.0 and report["LOC"]["leaked"] == 1
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["brev", "sms"]
    assert {"start": 4, "end": 13, "label": "PER", "text": "Anna Lind"} in records[0]["leaked"]
    assert all(p["label"] == "TME" for r in records for p in r["predicted"])


def test_evaluate_command_reads_markup_files_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "01-sms.txt").write_text("Vi ses [[i morgon|TME]], [[Anna|PER]]!\n", encoding="utf-8")
    (folder / "02-chatt.txt").write_text("ok, på [[fredag|TME]] då\n", encoding="utf-8")
    for target, documents in ((folder, 2), (folder / "01-sms.txt", 1)):
        result = CliRunner().invoke(tools, ["evaluate", str(target), "--entities", "TME", "--labels", "tme"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["documents"] == documents and set(report) >= {"TME", "micro"} and "PER" not in report


def test_evaluate_command_refuses_options_of_the_other_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(tools, ["evaluate", str(_span_file(tmp_path)), "--io"])
    assert result.exit_code == 2 and "--io applies to token" in result.output
    result = CliRunner().invoke(
        tools, ["evaluate", str(DATA / "talbanken_dev_sample.bio"), "--entities", "TME"]
    )
    assert result.exit_code == 2
    assert "--config, --entities and --preset apply to gold documents" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "ab", "spans": [{"start": 0, "end": 5, "label": "PER"}]}\n')
    result = CliRunner().invoke(tools, ["evaluate", str(bad), "--entities", "TME"])
    assert result.exit_code == 2 and "bad.jsonl: line 1" in result.output


@pytest.mark.shipped_model
def test_evaluate_command_runs_the_shipped_pipeline_on_gold_documents(tmp_path: Path) -> None:
    result = CliRunner().invoke(tools, ["evaluate", str(_span_file(tmp_path)), "--labels", "PER,LOC,TME"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model_sha256"] and "PER" in report["entities"]
    assert set(report) >= {"PER", "LOC", "TME", "micro"}
    for label in ("PER", "LOC", "TME", "micro"):
        assert 0.0 <= report[label]["leak_rate"] <= 1.0 and 0.0 <= report[label]["f1"] <= 1.0


# ---------------------------------------------------------------- the library functions, with fakes


class FakeTagger:
    """Tags every listed token as a one-token entity."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[tuple[int, int, str, float]]]:
        return [
            [(i, i, self.labels[token], 0.9) for i, token in enumerate(tokens) if token in self.labels]
            for tokens in token_lists
        ]


def test_evaluate_tokens_scores_and_writes_predictions() -> None:
    sentences = [
        TaggedSentence(["Anna", "Lind", "bor", "i", "Umeå"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
        TaggedSentence(["Hej", "Erik"], ["O", "B-PER"]),
    ]
    evaluation = evaluate_tokens(sentences, FakeTagger({"Anna": "PER", "Umeå": "LOC", "Erik": "PER"}))
    assert evaluation.predicted_tags == (["B-PER", "O", "O", "O", "B-LOC"], ["O", "B-PER"])
    assert evaluation.scores["LOC"]["f1"] == 1.0
    assert evaluation.scores["PER"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    handle = io.StringIO()
    evaluation.write_predictions(handle)
    assert handle.getvalue().splitlines()[:2] == ["Anna\tB-PER\tB-PER", "Lind\tI-PER\tO"]


class FakeRedactor:
    """Replaces the first occurrence of each listed surface; labels in ``keep`` keep their text."""

    def __init__(self, finds: dict[str, str], *, keep: frozenset[str] = frozenset()) -> None:
        self.finds = finds
        self.keep = keep
        self.batches: list[int] = []

    def redact(self, texts: Sequence[str]) -> list[Redaction]:
        self.batches.append(len(texts))
        redactions = []
        for text in texts:
            replacements = []
            for surface, label in self.finds.items():
                start = text.find(surface)
                if start >= 0:
                    span = Span(start, start + len(surface), label, rank=Rank.RULE)
                    replacements.append(Replacement(span, surface if label in self.keep else f"[{label}]"))
            replacements.sort(key=lambda r: r.span)
            redactions.append(Redaction(len(text), "", tuple(replacements)))
        return redactions


def _documents(count: int) -> list[GoldDocument]:
    return [
        GoldDocument(
            f"d{index}", "sms", *parse_markup("Ring [[Anna Lind|PER]] [[i morgon|TME]] i [[Umeå|LOC]]")
        )
        for index in range(count)
    ]


def test_a_span_kept_as_it_was_is_not_removed() -> None:
    text = "Ring Anna i morgon"
    [redaction] = FakeRedactor({"Anna": "PER", "i morgon": "TME"}, keep=frozenset({"TME"})).redact([text])
    assert removed_spans(text, redaction) == [(5, 9, "PER")]


def test_evaluate_documents_scores_leaks_and_kept_spans() -> None:
    redactor = FakeRedactor({"Anna": "PER", "i morgon": "TME", "Umeå": "LOC"}, keep=frozenset({"LOC"}))
    evaluation = evaluate_documents(_documents(3), redactor)
    per, tme, loc = (evaluation.scores[label] for label in ("PER", "TME", "LOC"))
    assert (per["recall"], per["false_positives"], per["leak_rate"]) == (0.0, 3, 1.0)  # "Anna" of "Anna Lind"
    assert (tme["f1"], tme["leak_rate"]) == (1.0, 0.0)
    assert (loc["recall"], loc["leaked"], loc["leak_rate"]) == (0.0, 3, 1.0)  # found, but kept: it leaks
    assert evaluation.scores["micro"]["leak_rate"] == round(6 / 9, 4)
    assert [span.label for span in evaluation.leaked] == ["PER", "LOC"] * 3
    [record, *_] = evaluation.prediction_records()
    assert record["id"] == "d0" and [p["text"] for p in record["predicted"]] == ["Anna", "i morgon"]
    assert [s["text"] for s in record["leaked"]] == ["Anna Lind", "Umeå"]


def test_evaluate_documents_is_the_same_in_any_batch_size() -> None:
    documents = _documents(DOCUMENTS_PER_BATCH + 6)
    finds = {"Anna Lind": "PER", "morgon": "TME"}
    default = FakeRedactor(finds)
    one_by_one = FakeRedactor(finds)
    first = evaluate_documents(documents, default, labels=["PER", "TME"])
    second = evaluate_documents(documents, one_by_one, labels=["PER", "TME"], batch_size=1)
    assert default.batches == [DOCUMENTS_PER_BATCH, 6] and one_by_one.batches == [1] * len(documents)
    assert first == second
    assert set(first.scores) == {"PER", "TME", "micro"} and first.scores["TME"]["leak_rate_chars"] == 1.0
    assert first.scores["TME"]["leak_rate"] == 0.0  # "i [TME]": only "i " shows
    with pytest.raises(ValueError, match="batch_size"):
        evaluate_documents(documents, default, batch_size=0)
