from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from anonymizer.config import Config, load_config
from anonymizer.detectors.lists import DenyListDetector, drop_allowed
from anonymizer.pipeline import Anonymizer
from anonymizer.span import Rank, Span
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
    spans = [Span(0, 12, "ORG", rank=Rank.MODEL), Span(17, 29, "LOC", rank=Rank.MODEL)]
    assert drop_allowed(text, spans, {"ORG": frozenset({"region skåne"})}) == [spans[1]]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_allow_list_matches_decomposed_text(tmp_path: Path) -> None:
    """Regression: "Försäkringskassan" written in NFD (as macOS writes it) was redacted."""
    allow = load(tmp_path, '[lists.allow]\nORG = ["Försäkringskassan"]\n').allow
    for text in (nfd("Försäkringskassan"), "Försäkringskassan", nfd("FÖRSÄKRINGSKASSAN")):
        assert drop_allowed(text, [Span(0, len(text), "ORG", rank=Rank.MODEL)], allow) == []
    allow = load(tmp_path, f'[lists.allow]\nORG = ["{nfd("Försäkringskassan")}"]\n').allow
    text = "Försäkringskassan"
    assert drop_allowed(text, [Span(0, len(text), "ORG", rank=Rank.MODEL)], allow) == []


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        # Regression: a deny-listed name in NFD text was not redacted.
        ("Åsa Öberg", nfd("Brev från Åsa Öberg i dag"), nfd("Åsa Öberg")),
        (nfd("Åsa Öberg"), "Brev från ÅSA  ÖBERG i dag", "ÅSA  ÖBERG"),
        ("Åsa Öberg", "Brev från \uff21\u030asa Öberg", "\uff21\u030asa Öberg"),  # full-width, NFKC
        ("Straße", "in der STRASSE", "STRASSE"),  # case folding lengthens "ß"
        ("Anne", nfd("Anné och Anne"), "Anne"),  # "e" + accent is another name
    ],
)
def test_deny_list_matches_any_unicode_form(term: str, text: str, found: str) -> None:
    spans = DenyListDetector({"PER": [term]}).detect([text])[0]
    assert [text[s.start : s.end] for s in spans] == [found]
    assert all(s.rank is Rank.DENY for s in spans)


def load(tmp_path: Path, body: str) -> Config:
    path = tmp_path / "lists.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path)


def pipeline(tmp_path: Path, body: str) -> Anonymizer:
    loaded = load(tmp_path, body)
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


def test_nfd_lists_work_through_the_pipeline(tmp_path: Path) -> None:
    anonymizer = pipeline(tmp_path, '[lists.allow]\nPER = ["Anna"]\n[lists.deny]\nORG = ["Skåne Energi"]\n')
    [result] = anonymizer.redact([nfd("Anna skrev till Skåne Energi. Anna.")])
    assert result.text == "Anna skrev till [ORG_1]. Anna."


def test_detectors_see_decomposed_text_composed(tmp_path: Path) -> None:
    """Detection runs on the NFC copy; spans cover whole characters of the NFD original."""
    anonymizer = pipeline(tmp_path, '[lists.deny]\nORG = ["Skåne Energi"]\n')
    anonymizer.detectors[0] = FakeDetector({"Åsa": "PER", "Öberg": "PER"})
    text = nfd("Åsa Öberg skrev till Skåne Energi.")
    [spans] = anonymizer.detect([text])
    assert [(text[s.start : s.end], s.label) for s in spans] == [
        (nfd("Åsa"), "PER"),
        (nfd("Öberg"), "PER"),
        (nfd("Skåne Energi"), "ORG"),
    ]


LETTER = (
    "Hej!\n\nJag heter Åsa Öberg och ringde Försäkringskassan i Göteborg i går. "
    "Öberg är mitt efternamn och Åsa mitt förnamn.\n\nMed vänlig hälsning\nÅsa Öberg"
)


@pytest.mark.shipped_model
def test_a_decomposed_letter_is_redacted_as_its_composed_form(tmp_path: Path) -> None:
    """Regression: with "Försäkringskassan" allow-listed, NFD input gave "[PER_1]rsa[ORG_1]kringskassan"."""
    path = tmp_path / "allow.toml"
    path.write_text('[lists.allow]\nORG = ["Försäkringskassan"]\n', encoding="utf-8")
    anonymizer = Anonymizer.load(config=path, key=b"nfd regression key, 32 bytes..")
    decomposed = nfd(LETTER)
    composed_result, decomposed_result = anonymizer.redact([LETTER, decomposed])
    assert "Försäkringskassan" in composed_result.text
    assert not {"Åsa", "Öberg", "Göteborg"} & set(composed_result.text.split())
    assert unicodedata.normalize("NFC", decomposed_result.text) == composed_result.text
    assert [
        (unicodedata.normalize("NFC", decomposed[i.span.start : i.span.end]), i.span.label, i.replacement)
        for i in decomposed_result.replacements
    ] == [
        (LETTER[i.span.start : i.span.end], i.span.label, i.replacement) for i in composed_result.replacements
    ]
