"""The strict preset: its unknown-word detector, the common-word table and ``--preset``."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from anonymizer.common_words import WordCase, load_word_cases
from anonymizer.config import load_config, preset_names
from anonymizer.detectors.unknown import UnknownWordDetector
from anonymizer.errors import ConfigError
from anonymizer.span import Rank
from anonymizer.training.common_words import count_word_cases, write_word_case_table

DETECTOR = UnknownWordDetector.load()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in DETECTOR.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown capitalised words mid-sentence, joined when adjacent
        ("Patienten listad på Husläkarmottagningen Hornstull.", [("Husläkarmottagningen Hornstull", "ORG")]),
        ("Familjen har kontakt med BVC Jakobsberg.", [("BVC Jakobsberg", "ORG")]),
        ("Han bor i Gimo nära Kolbäcksån.", [("Gimo", "LOC"), ("Kolbäcksån", "LOC")]),
        # a name the raw text never writes in lower case, also at a sentence start
        ("Kalle ringde i går.", [("Kalle", "PER")]),
        # ordinary words in name positions
        ("Hej Bo! Pappa Dag kommer.", [("Bo", "PER"), ("Dag", "PER")]),
        ("Dag Berg har ärendet.", [("Dag Berg", "PER")]),
    ],
)
def test_finds_unknown_capitalised_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jag träffade honom i dag.",  # sentence start, ordinary words
        "BESLUT\nAnsökan avslås.",  # an all-caps ordinary word
        "Tack för att Du hörde av dig.",  # the polite "Du"
        "Vi ses på måndag. Dag för dag blir det bättre.",  # "Dag" starts a sentence
    ],
)
def test_leaves_ordinary_words_alone(text: str) -> None:
    assert found(text) == []


def test_is_a_detector_of_its_own_rank() -> None:
    assert DETECTOR.name == "rule:unknown" and DETECTOR.labels == {"PER", "LOC", "ORG"}
    [spans] = DETECTOR.detect(["Vi åkte till Hornstull."])
    assert [(s.detector, s.rank, s.score) for s in spans] == [("rule:unknown", Rank.LIST, 0.5)]


def test_counts_cases_from_raw_text(tmp_path: Path) -> None:
    text = tmp_path / "t.txt.gz"
    with gzip.open(text, "wt", encoding="utf-8") as handle:
        handle.write("Dag efter dag kom Anna.\nVi såg Anna och en dag till.\n")
    total, lower, mid_capital = count_word_cases([text])
    assert (total["dag"], lower["dag"], mid_capital["dag"]) == (3, 2, 0)  # "Dag" starts the line
    assert (total["anna"], lower["anna"], mid_capital["anna"]) == (2, 0, 2)
    table = tmp_path / "word-case.tsv.gz"
    assert write_word_case_table([text], table, min_count=2) == 2  # anna and dag are seen twice
    loaded = load_word_cases(table)
    assert loaded["anna"] == WordCase(2, 0, 2) and loaded["anna"].lower_share == 0


def test_a_broken_table_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(ConfigError, match=r"bad\.tsv\.gz"):
        load_word_cases(bad)


def test_strict_preset_is_shipped_and_switches_the_detector_on() -> None:
    assert "strict" in preset_names()
    default, strict = load_config(), load_config(preset="strict")
    assert not default.unknown_words and default.model_threshold is None
    assert strict.unknown_words and strict.model_threshold == pytest.approx(0.5)
    assert strict.digest != default.digest


def test_a_user_file_is_laid_over_the_preset(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text("[rules.unknown_words]\nscore = 0.4\n", encoding="utf-8")
    config = load_config(user, preset="strict")
    assert config.unknown_words and config.unknown_words_score == pytest.approx(0.4)


def test_unknown_preset_lists_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="strict"):
        load_config(preset="nope")


def test_pipeline_with_the_strict_preset_redacts_more() -> None:
    from anonymizer.pipeline import Anonymizer

    text = "Vi möttes på Kastellgården vid Nävertorp."
    entities = ["LOC", "ORG", "PER"]
    strict = Anonymizer.load(preset="strict", entities=entities, key=b"k" * 32, model_path=None)
    assert any(d.name == "rule:unknown" for d in strict.detectors)
    [result] = strict.redact([text])
    assert "Kastellgården" not in result.text and "Nävertorp" not in result.text


@pytest.mark.shipped_model
def test_tagger_threshold_only_adds_spans() -> None:
    from anonymizer.detectors.ner import NerDetector, load_tagger
    from anonymizer.model.shipped import default_runtime_path

    model = load_tagger(default_runtime_path())
    texts = ["Mötet med Ingvar från Lyckeby flyttades.", "Hon pratade med lillebror Tage om Hörby igår."]
    plain = NerDetector(model).detect(texts)
    lowered = NerDetector(model, threshold=0.05).detect(texts)
    for before, after in zip(plain, lowered, strict=True):
        assert set(before) <= set(after)
    assert sum(map(len, lowered)) > sum(map(len, plain))
    assert NerDetector(model, threshold=1.01).detect(texts) == plain  # nothing reaches it


def test_strict_names_in_lower_case_and_what_is_no_name() -> None:
    from anonymizer.detectors.unknown import UnknownWordDetector

    detector = UnknownWordDetector.load()

    def found(text: str) -> list[str]:
        return [f"{text[s.start : s.end]}:{s.label}" for s in detector.find(text)]

    assert found("vi åker till visby i sommar med amira") == ["visby:LOC", "amira:PER"]
    assert found("jag var i affären och sen på stan") == []  # ordinary words in lower case
    assert found("Trygghetslarm med GPS och SIP enligt LSS") == []  # not_entities
    assert found("Det gäller VPN-inloggning och ROT-avdrag, TTY=pts/0") == []
    assert found("§ 4 Vattenskada\nKÖPEKONTRAKT") == []  # a heading, a compound in capitals
    assert found("Hos ANNA LINDQVIST") == ["ANNA LINDQVIST:PER"]
    # a form's label, an acronym opening a note, a currency after an amount
    assert found("Inkom: 2024-04-17\nBT 124/76, kostnad 800 THB") == []
    assert found("Hon reste med SJ i går") == ["SJ:PER"]  # an unknown acronym mid-sentence stays


def test_the_table_is_read_by_its_header_and_rows_parse_when_asked(tmp_path: Path) -> None:
    table = tmp_path / "word-case.tsv.gz"
    with gzip.open(table, "wt", encoding="utf-8") as handle:
        handle.write("word\tmid_capital\ttotal\tlower\nanna\t2\t2\t0\ndag\t0\t3\t2\n")
    loaded = load_word_cases(table)
    assert len(loaded) == 2 and sorted(loaded) == ["anna", "dag"]
    assert loaded["dag"] == WordCase(3, 2, 0) and loaded.get("nej") is None
    bad = tmp_path / "bad-row.tsv.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as handle:
        handle.write("word\ttotal\tlower\tmid_capital\nanna\ttwo\t0\t2\n")
    with pytest.raises(ConfigError, match=r"bad-row\.tsv\.gz: not a word-case table"):
        load_word_cases(bad)
