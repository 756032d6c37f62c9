"""Names by their position (issue 21, item 5) and the strict preset's name fields (item 7),
with negatives: form labels, roles and headings stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.config import load_config
from anonymizer.detectors.name_shapes import NameShapeDetector, load_name_shape_words
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.errors import ConfigError

DEFAULT = NameShapeDetector.load()
STRICT = NameShapeDetector.load(strict=True)


def found(text: str, detector: NameShapeDetector = DEFAULT) -> list[str]:
    return [text[s.start : s.end] for s in detector.find(text)]


def test_chat_speakers_before_a_time_stamp() -> None:
    chat = "fre 7 juni\nJossan 19:22: MIDSOMMAR?\nAmina 19:23: JA\nkalle 19:45: jag e på\nMamma 15:41: Ok\n"
    assert found(chat) == ["Jossan", "Amina", "kalle"]
    assert found("[08:33] Ville: kommer snart") == ["Ville"]


def test_chat_speakers_without_a_stamp_in_a_chat() -> None:
    chat = "fatima: han som\nlinus: nej??\nmirre: ni vet\nnicke: det VAR du\n"
    assert found(chat) == ["fatima", "linus", "mirre", "nicke"]
    form = "Besöksdatum: 2024-02-13\nBesökstyp: Mottagning\nKontaktorsak: Yrsel\nNeuro: ua\n"
    assert found(form) == []  # a form's labels are no speakers
    assert found("mirre: hej") == []  # one line is no chat (and "mirre" is no listed name)


def test_initials_and_names_after_a_signature_mark() -> None:
    notes = "2024-01-02 07:45  Sign. TL\nVaken.\n2024-01-06 19:30  Sign. Dag H\nKontroll: NP / attest"
    assert found(notes) == ["TL", "Dag H", "NP"]
    assert found("Kontroll: Ja, sign: Ok") == []


def test_name_fields_pairs_and_nicknames() -> None:
    assert found("Kassör: Stig Ek\nSäljare: Ingen uppgift\nHandläggare: Bo") == ["Stig Ek", "Bo"]
    assert found("Lisa och Bo kom. Glas och Porslin.") == ["Lisa", "Bo"]
    assert "Jossan" in found('Suppleant 1 år: Johanna "Jossan" Björk (nyval)')
    assert found("Intern klient: HUD-LT-0377") == []


def test_names_in_lower_case_that_are_no_ordinary_words() -> None:
    spans = [
        (s.label, "vi åker till visby med amira i juni"[s.start : s.end])
        for s in DEFAULT.find("vi åker till visby med amira i juni")
    ]
    assert spans == [("LOC", "visby"), ("PER", "amira")]
    assert found("wilma tar med sin björn och en rosa tröja") == ["wilma"]  # names that are words stay
    assert found("jag var i affären och sen på stan med per") == []
    assert found("mejla eva@firma.se eller se www.visby.se") == []


def test_strict_takes_every_name_field_value() -> None:
    text = "Säljare: Strand\nKontaktperson: Sten Flod"
    assert found(text, STRICT) == ["Strand", "Sten Flod"]
    assert found("Säljare: Ingen uppgift", STRICT) == []


def test_words_file_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "shapes.toml"
    path.write_text('fields = ["namn"]\nsignature_marks = "sign"\nnot_speakers = ["du"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"shapes.toml: signature_marks: expected a list"):
        load_name_shape_words(path)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("FÖRVALTNINGSRÄTTEN I LINKÖPING\nEnhet 2", "FÖRVALTNINGSRÄTTEN I LINKÖPING"),
        ("SVENSKA KYRKAN - HÄRNÖSANDS DOMKYRKOFÖRSAMLING", "HÄRNÖSANDS DOMKYRKOFÖRSAMLING"),
        ("STYRELSEMÖTE I BRF KASTANJEN 7", "BRF KASTANJEN 7"),
        ("Solgläntans vård- och omsorgsboende, Sandvikens kommun", "Solgläntans vård- och omsorgsboende"),
        ("Maja, förskollärare, Förskolan Trollsländan", "Förskolan Trollsländan"),
        ("Skola: Skiljeboskolan", "Skiljeboskolan"),
        ("Gunilla Suorra (S), ordförande", "S"),
        ("IFK Göteborg mot Malmö FF", "Malmö FF"),
        ("Köpt hos Zalando SE i december", "Zalando SE"),
        ("Hon informerades om Brottsofferjouren och fick", "Brottsofferjouren"),
        ("Hela Hälsingland  ·  Sport & fritid  ·  måndag", "Hela Hälsingland"),
        ("Vi bodde på Scandic Rubinen i Göteborg", "Scandic Rubinen"),
        ("Kvitto från Clas Ohlson.", "Clas Ohlson"),
        ("står vid ica med elias", "ica"),
    ],
)
def test_organisation_shapes(text: str, value: str) -> None:
    assert value in [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.label == "ORG"]


@pytest.mark.parametrize(
    "text",
    [
        "Storlek (M) och vikt (L)",
        "Förskolan är stängd. Varje förskola har",
        "BESLUT\nDOM",
        "Skola: ja",
        "Programmet Rusta och matcha",
        "Netto 500 kr",
        "Jag ska rusta upp huset",
    ],
)
def test_what_is_no_organisation(text: str) -> None:
    assert [s for s in _ORG_RULES.find(text) if s.label == "ORG"] == []


def test_places_of_travel_and_notices() -> None:
    def places(text: str) -> list[str]:
        return [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.label == "LOC"]

    assert places("Tåget avgår från Stockholm C kl 7.") == ["Stockholm C"]
    assert places("Incheckning Arlanda Terminal 5, hem via Landvetter flygplats") == [
        "Arlanda Terminal 5",
        "Landvetter flygplats",
    ]
    assert places("Begravningen sker i Solna kyrka, därefter på Skogskyrkogården.") == [
        "Solna kyrka",
        "Skogskyrkogården",
    ]
    assert places("Se bilaga C och vitamin C, typ C") == []
    assert places("Svenska kyrkan och Kyrkan") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("1. LINDQVIST/ANNA MRS", "LINDQVIST/ANNA"), ("BERG/PER ERIK MR, SVENSSON/BO MSTR", "SVENSSON/BO")],
)
def test_airline_name_fields(text: str, value: str) -> None:
    assert value in [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.label == "PER"]


@pytest.mark.parametrize("text", ["Protokoll TCP/IP MR-undersökning", "Svara JA/NEJ", "IN/OUT"])
def test_slashes_that_are_no_passenger(text: str) -> None:
    assert [s for s in _ORG_RULES.find(text) if s.label == "PER"] == []


_ORG_RULES = PatternDetector(load_config(None).recognizers)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("From: Rekrytering Bergvik <noreply.rekrytering@bergvik.se>\nHej!", "Rekrytering Bergvik"),
        ('Till: "Kundtjänst Solhem" <info@mail.solhem.nu>', "Kundtjänst Solhem"),
        ("Från: Anna Lind <anna.lind@gmail.com>", None),  # no word of the domain
        ("Från: Info <info@bergvik.se>", None),  # the word is in the user part only
        ("Ämne: Svar från Bergvik <bergvik@bergvik.se>", None),  # not a sender or recipient field
    ],
)
def test_a_mail_display_name_sharing_the_domain_is_the_organisation(text: str, value: str | None) -> None:
    found = [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.detector == "rule:org_mail_sender"]
    assert found == ([value] if value else [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Det säger han till NA efter mötet.", ["NA"]),
        ("Enligt DN:s granskning och uppgifter i SvD ökade det.", ["DN:s", "SvD"]),
        ("Hon intervjuades av Sveriges Radio och av Dagens Nyheter.", ["Sveriges Radio", "Dagens Nyheter"]),
        ("NA för den här raden, se fotnot.", []),  # a short form needs a word before it
        ("Priset är 5 kr per st och fältet är NA.", []),
        ("Bolaget AB och GP-läkaren.", []),
    ],
)
def test_newspapers_and_broadcasters(text: str, expected: list[str]) -> None:
    found = [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.detector == "rule:org_media"]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Bakgrund\nUtifrån kartläggningen behövs stöd.", None),  # an adverb after a heading
        ("Rubrik\nUppifrån syns hela gården.", None),
        ("De fiskade i Storsjön i fjol.", "Storsjön"),
        ("Vigseln hölls i Uppenbarelsekyrkan.", "Uppenbarelsekyrkan"),
    ],
)
def test_one_word_waters_and_churches_but_no_adverbs(text: str, place: str | None) -> None:
    found = [text[s.start : s.end] for s in _ORG_RULES.find(text) if s.detector == "rule:loc_water_church"]
    assert found == ([place] if place else [])


@pytest.mark.parametrize(
    "text",
    ["Patienten har känd AF sedan 2019.", "Paroxysmal AF, behandlas med Eliquis.", "Skolan ringde i dag."],
)
def test_medical_af_and_a_bare_school_are_not_organisations(text: str) -> None:
    assert [
        s for s in _ORG_RULES.find(text) if s.detector in {"rule:af_in_context", "rule:org_unit_named"}
    ] == []
