from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from anonymizer.config import load_config
from anonymizer.detectors.lists import DenyListDetector, drop_allowed
from anonymizer.pipeline import Anonymizer
from anonymizer.span import Span
from support import FakeDetector, make_config


def test_deny_list_finds_whole_words_in_any_case_and_spacing() -> None:
    detector = DenyListDetector({"PER": ["Kalle Anka"], "ORG": ["Projekt Fenix"]})
    text = "KALLE  ANKA ledde projekt fenix; Kalle Ankas bil, Kalle Ankan."
    spans = detector.detect([text])[0]
    assert [(text[s.start : s.end], s.label) for s in sorted(spans)] == [
        ("KALLE  ANKA", "PER"),
        ("projekt fenix", "ORG"),
    ]
    assert all(s.detector == "rule:deny" and s.score == 1.0 for s in spans)


def test_allow_list_drops_only_its_label() -> None:
    text = "Region Skåne och Region Skåne"
    spans = [Span(0, 12, "ORG"), Span(17, 29, "LOC")]
    assert drop_allowed(text, spans, {"ORG": frozenset({"region skåne"})}) == [Span(17, 29, "LOC")]


def pipeline(tmp_path: Path, body: str) -> Anonymizer:
    path = tmp_path / "lists.toml"
    path.write_text(body, encoding="utf-8")
    loaded = load_config(path)
    config = replace(make_config(), allow=loaded.allow, deny=loaded.deny, entities=frozenset({"PER", "ORG"}))
    detectors = [FakeDetector({"Anna": "PER", "Skatteverket": "ORG"}), DenyListDetector(config.deny)]
    return Anonymizer(config=config, detectors=detectors)


def test_lists_from_toml_work_through_the_pipeline(tmp_path: Path) -> None:
    anonymizer = pipeline(
        tmp_path, '[lists.allow]\nORG = ["skatteverket"]\n[lists.deny]\nPER = ["Bamse"]\nORG = ["Fenix"]\n'
    )
    [result] = anonymizer.redact(["Anna och Bamse skrev till Skatteverket om Fenix. Anna igen."])
    assert result.text == "[PER_1] och [PER_2] skrev till Skatteverket om [ORG_1]. [PER_1] igen."


def test_allowed_terms_are_not_propagated(tmp_path: Path) -> None:
    anonymizer = pipeline(tmp_path, '[lists.allow]\nPER = ["Anna"]\n')
    [result] = anonymizer.redact(["Anna ringde. Anna"])
    assert result.text == "Anna ringde. Anna"
