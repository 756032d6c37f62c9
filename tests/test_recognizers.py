"""The identifier rules of rules/recognizers.toml, run by PatternDetector: what they find, with
which label and validity, what they leave alone, and how configuration switches them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.config import RecognizerSpec, load_config
from anonymizer.detectors import Detector
from anonymizer.detectors.patterns import CONTEXT_BONUS, PatternDetector
from anonymizer.errors import ConfigError
from anonymizer.span import Span
from anonymizer.validators import luhn_check_digit

SPECS = load_config().recognizers
DETECTOR = PatternDetector(SPECS)
SCORES = {spec.name: spec.score for spec in SPECS}


def complete(body: str) -> str:
    """``body`` with its Luhn digit appended."""
    return body + str(luhn_check_digit(body))


def wrong(number: str) -> str:
    """``number`` with its last digit off by one: the checksum fails."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


PNR = "811218-9876"  # valid
PNR_ZERO = complete("050312123")  # born 2005, ten bare digits starting with 0
ORGNR = "556036-0793"
IBAN = "SE45 5000 0000 0583 9825 7466"
BANKGIRO = "5050-1055"
PLUSGIRO = "12 34 56-" + str(luhn_check_digit("123456"))


Found = tuple[str, str, bool | None]  # surface, label, valid


def found(text: str) -> list[Found]:
    return [(text[s.start : s.end], s.label, s.valid) for s in DETECTOR.find(text)]


POSITIVES: list[tuple[str, list[Found]]] = [
    # PNR: every spelling, samordningsnummer, over-100 "+"
    (f"Hans personnummer är {PNR}.", [(PNR, "PNR", True)]),
    ("Pnr: 19811218-9876, tack.", [("19811218-9876", "PNR", True)]),
    ("Kompakt 8112189876 i registret.", [("8112189876", "PNR", True)]),
    ("Kompakt 198112189876 i registret.", [("198112189876", "PNR", True)]),
    (
        "Blanketten: 811218 9876 och 19811218 9876.",
        [("811218 9876", "PNR", True), ("19811218 9876", "PNR", True)],
    ),
    ("Hon är 101 år, 811218+9876.", [("811218+9876", "PNR", True)]),
    ("Samordningsnummer 811278-9873.", [("811278-9873", "PNR", True)]),
    (f"Barnets nummer {PNR_ZERO} finns.", [(PNR_ZERO, "PNR", True)]),
    (
        f"Barnets nummer {PNR_ZERO[:6]}-{PNR_ZERO[6:]} finns.",
        [(f"{PNR_ZERO[:6]}-{PNR_ZERO[6:]}", "PNR", True)],
    ),
    # ORGNR
    (f"Volvo AB, org.nr {ORGNR}, Göteborg.", [("Volvo AB", "ORG", None), (ORGNR, "ORGNR", True)]),
    (
        "Bolaget 5560360793 och 16556036-0793.",
        [("5560360793", "ORGNR", True), ("16556036-0793", "ORGNR", True)],
    ),
    (
        "Momsreg.nr: SE556036079301, VAT SE 556036-0793 01.",
        [("SE556036079301", "ORGNR", True), ("SE 556036-0793 01", "ORGNR", True)],
    ),
    # PHONE
    ("mobil: 070-123 45 67", [("070-123 45 67", "PHONE", True)]),
    ("Ring 0731234567 i dag.", [("0731234567", "PHONE", True)]),
    ("tel. 08-123 456 78", [("08-123 456 78", "PHONE", True)]),
    ("Växel 031/12 34 56.", [("031/12 34 56", "PHONE", True)]),
    ("Fax (08) 123 45 67.", [("(08) 123 45 67", "PHONE", True)]),
    ("Skatteverket 0771-567 567.", [("0771-567 567", "PHONE", True)]),
    (
        "Nås på 070 123 45 67 eller 0480-123 45.",
        [("070 123 45 67", "PHONE", True), ("0480-123 45", "PHONE", True)],
    ),
    ("Ring +46 70 123 45 67!", [("+46 70 123 45 67", "PHONE", True)]),
    ("Ring +46 (0)8-123 456 78.", [("+46 (0)8-123 456 78", "PHONE", True)]),
    ("Ring 0046 70 123 45 67.", [("0046 70 123 45 67", "PHONE", True)]),
    ("London: +44 20 7946 0958.", [("+44 20 7946 0958", "PHONE", True)]),
    ("Ring +46701234567.", [("+46701234567", "PHONE", True)]),
    # EMAIL
    ("Mejla anna.svensson@firma.se i dag.", [("anna.svensson@firma.se", "EMAIL", None)]),
    ("Skriv till Åsa.Öberg@Företag.SE.", [("Åsa.Öberg@Företag.SE", "EMAIL", None)]),
    (
        "Adress: anna(at)firma.se och anna [AT] firma.se",
        [("anna(at)firma.se", "EMAIL", None), ("anna [AT] firma.se", "EMAIL", None)],
    ),
    # URL
    ("Se https://www.exempel.se/a?b=1.", [("https://www.exempel.se/a?b=1", "URL", None)]),
    ("Läs www.annasblogg.se/om-mig, och", [("www.annasblogg.se/om-mig", "URL", None)]),
    (
        "Bloggen annasblogg.se och facebook.com/anna.svensson.",
        [("annasblogg.se", "URL", None), ("facebook.com/anna.svensson", "URL", None)],
    ),
    # IP
    ("Inloggning från 192.168.1.12 i går.", [("192.168.1.12", "IP", True)]),
    ("Nätet 10.0.0.1/24.", [("10.0.0.1", "IP", True)]),
    (
        "Adressen 2001:db8::1 och fe80::1ff:fe23:4567:890a.",
        [("2001:db8::1", "IP", True), ("fe80::1ff:fe23:4567:890a", "IP", True)],
    ),
    # BANK
    (f"IBAN: {IBAN}.", [(IBAN, "BANK", True)]),
    (f"Betala till bankgiro {BANKGIRO}.", [(BANKGIRO, "BANK", True)]),
    (f"Plusgiro {PLUSGIRO}.", [(PLUSGIRO, "BANK", True)]),
    ("Konto: clearing 8327-9, 123 456 789-0.", [("8327-9, 123 456 789-0", "BANK", True)]),
    ("Kontonummer 6000-123 456 789.", [("6000-123 456 789", "BANK", True)]),
    (
        "Clearingnummer 8327-9 och kontonummer 123 456 789-0.",
        [("8327-9", "BANK", None), ("123 456 789-0", "BANK", True)],
    ),
    ("Sätt in på konto 5000 12 345 67.", [("5000 12 345 67", "BANK", True)]),
    ("Nordea, kontonr 1234 12 34567.", [("Nordea", "ORG", None), ("1234 12 34567", "BANK", True)]),
    (
        "Clearingnummer 8214-9 kontonummer 914 552 317-4; clearing 6152, konto 298 441 075.",
        [
            ("8214-9", "BANK", None),
            ("914 552 317-4", "BANK", True),
            ("6152", "BANK", None),
            ("298 441 075", "BANK", True),
        ],
    ),
    ("Personkonto: 3300 811218-9876.", [("3300 811218-9876", "BANK", True), (PNR, "PNR", True)]),
    # ADDRESS
    ("Hon bor på Storgatan 12 B, 3 tr i Lund.", [("Storgatan 12 B, 3 tr", "ADDRESS", None)]),
    (
        "Kungsgatan 5, 3 tr, 111 43 Stockholm",
        [("Kungsgatan 5, 3 tr", "ADDRESS", None), ("111 43 Stockholm", "ADDRESS", None)],
    ),
    (
        "Lilla Nygatan 5b och Drottning Kristinas väg 12.",
        [("Lilla Nygatan 5b", "ADDRESS", None), ("Drottning Kristinas väg 12", "ADDRESS", None)],
    ),
    (
        "Sergels torg 1, Box 123, 12345 Stockholm.",
        [
            ("Sergels torg 1", "ADDRESS", None),
            ("Box 123", "ADDRESS", None),
            ("12345 Stockholm", "ADDRESS", None),
        ],
    ),
    (
        "SE-114 55 STOCKHOLM och 194 30 Upplands Väsby",
        [("SE-114 55 STOCKHOLM", "ADDRESS", None), ("194 30 Upplands Väsby", "ADDRESS", None)],
    ),
    (
        "Bäckgårdsvägen 34, lgh 1103\n163 63 Spånga",
        [
            ("Bäckgårdsvägen 34", "ADDRESS", None),
            ("lgh 1103", "ADDRESS", None),
            ("163 63 Spånga", "ADDRESS", None),
        ],
    ),
    (
        "Fittja gård 18 och Esplanaden 12.",
        [("Fittja gård 18", "ADDRESS", None), ("Esplanaden 12", "ADDRESS", None)],
    ),
    (
        "Inte kvar på Granvägen, korsningen Kopparbergsvägen/Vasagatan.",
        [
            ("Granvägen", "ADDRESS", None),
            ("Kopparbergsvägen", "ADDRESS", None),
            ("Vasagatan", "ADDRESS", None),
        ],
    ),
    (
        "Fastigheten Kolbäck 3:12 och fastigheten Kalix Sangis 4:17.",
        [("Kolbäck 3:12", "ADDRESS", None), ("Kalix Sangis 4:17", "ADDRESS", None)],
    ),
    # REG
    ("Bilen med regnr ABC 123 stod där.", [("ABC 123", "REG", None)]),
    ("Registreringsnummer: XYZ12D.", [("XYZ12D", "REG", None)]),
    ("Fordonet, en röd Volvo, hade skylten DEF 45G.", [("Volvo", "ORG", None), ("DEF 45G", "REG", None)]),
    ("Inbytesbil: Toyota Yaris, WRT 904, värderad till 42 000 kr.", [("WRT 904", "REG", None)]),
    # ORG by shape: legal form, kind + name, name + kind, one-word institutions, known names
    ("Fakturan kom från Bröderna Lindqvist Bygg AB i går.", [("Bröderna Lindqvist Bygg AB", "ORG", None)]),
    ("Ombud: Advokatfirman Sjöberg & Partners KB", [("Advokatfirman Sjöberg & Partners KB", "ORG", None)]),
    ("Remiss till Vårdcentralen Kungsbacka.", [("Vårdcentralen Kungsbacka", "ORG", None)]),
    ("Beslut av Förvaltningsrätten i Stockholm.", [("Förvaltningsrätten i Stockholm", "ORG", None)]),
    (
        "Kontakt med Region Kalmar län och Brf Solrosen 4.",
        [("Region Kalmar län", "ORG", None), ("Brf Solrosen 4", "ORG", None)],
    ),
    ("Hon ligger på Skellefteå lasarett.", [("Skellefteå lasarett", "ORG", None)]),
    ("Beslut från Mölndals stad.", [("Mölndals stad", "ORG", None)]),
    ("Han går i Kvarnbyskolan sedan i höstas.", [("Kvarnbyskolan", "ORG", None)]),
    (
        "Lånet är hos Handelsbanken, försäkringen hos If Skadeförsäkring.",
        [("Handelsbanken", "ORG", None), ("If Skadeförsäkring", "ORG", None)],
    ),
    ("Sent: Tuesday, 5 March 2024 14:22", [("Tuesday, 5 March 2024 14:22", "TME", None)]),
    ("On March 5, 2024 at 9:15 AM Anna wrote:", [("March 5, 2024 at 9:15 AM", "TME", None)]),
    ("Date: Fri, 3 May 2024 08:01:22 +0100", [("Fri, 3 May 2024 08:01:22", "TME", None)]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_finds_each_identifier_with_one_label(text: str, expected: list[Found]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_offsets_are_exact(text: str, expected: list[Found]) -> None:
    position = 0
    for span, (surface, _, _) in zip(DETECTOR.find(text), expected, strict=True):
        start = text.index(surface, position)
        assert (span.start, span.end) == (start, start + len(surface))
        position = span.start  # spans of different labels may nest


NEAR_MISSES = [
    # statutes: references, amounts, dates, numbers
    "Enligt SFS 2010:110 gäller detta.",
    "Se 5 kap. 3 § i lagen (1976:126).",
    "Avgiften är 12 500 kronor per år, högst 1 000 000 kronor.",
    "Direktiv 2009/22/EG och förordning (EU) 2016/679 ska tillämpas.",
    "Dnr 2024/1234 avser ärendet.",
    "Beslutet fattades 1994-06-30 och gäller 2021-03-12.",
    "Mötet börjar kl. 14.30 och slutar 14:30:00.",
    "Mellan 2010-2015 och 1995-2000 ökade antalet.",
    "KN-nummer 0901 11 00 eller 2710 00 74.",
    "Se tabell 5.3.1.4 i bilaga I.",
    "Vikt 10 001-15 000 kg: 2,00 kronor.",
    "CPV-kod 60112000-6 omfattas.",
    "Diarienummer 038395-2013 och 005544-2012.",
    # near-miss identifiers
    "Fel månad 811318-9876 och fel dag 811232-9876.",
    "Numret 81121-89876 är fel uppdelat.",
    "Adressen 256.1.1.1 finns inte.",
    "Förkortningar: t.ex., bl.a., s.k. och m.m.",
    "Summan 5050-1055 utan sammanhang.",
    "Koden ABC 123 utan sammanhang.",
    "Summa 123 45 kronor.",
    "Europaväg 4, Tågplan 2014 och Smedjebacken 31.",
    "Resolution 398 27 March antogs.",
    "May I ask about the 2024 report?",
    "Han ringde 3 gånger, 0,5 procent.",
    "Pengarna kom in på kontot 2024-01-15; saldot på kontot är 1 250 000 kronor.",
    "Fakturan (fakturanr 7730012245) är betald.",
    "HSA-id: SE2321000131-E00000001",
    "Tillgången till rättegången och övergången. Rättegången, Järnvägen, Flygplatsen.",
    "Fastigheten omfattas av Övergångsbestämmelser 2006:1340.",
    # ordinary nouns and sentence starts are no organisation names
    "Varje kommun ska ha en plan. Grundskolan och förskolan ingår.",
    "Nu skola vi gå hem. Men bostäder saknas. Tre personer kom.",
    "Uttrycket ekonomisk förening avser en förening.",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_leaves_near_misses_alone(text: str) -> None:
    assert found(text) == []


def test_a_failed_checksum_is_still_redacted_lower() -> None:
    text = f"Sökande {wrong(PNR)} och {wrong(ORGNR)}."
    pnr, orgnr = DETECTOR.find(text)
    assert (pnr.label, pnr.valid, pnr.score, pnr.detector) == ("PNR", False, 0.6, "rule:pnr")
    assert (orgnr.label, orgnr.valid, orgnr.score) == ("ORGNR", False, 0.5)
    assert text[pnr.start : pnr.end] == wrong(PNR)


def test_failed_checksums_without_an_invalid_score_are_dropped_or_left_to_another_rule() -> None:
    assert found("Adress 999.1.1.1.") == []
    # ten bare digits starting with 0 that fail as a personnummer are a phone number
    assert found(f"Ring {wrong(PNR_ZERO)}.") == [(wrong(PNR_ZERO), "PHONE", True)]


def test_context_before_raises_the_score() -> None:
    bare, with_context = DETECTOR.find(f"Sökande {PNR}, personnummer {PNR}.")
    assert bare.score == SCORES["pnr"]
    assert with_context.score == min(1.0, round(SCORES["pnr"] + CONTEXT_BONUS, 4))


@pytest.mark.parametrize(
    "text",
    [
        "ABC123 är bilens regnr.",  # context after does not count (written apart, a plate needs none)
        "Regnr står här och sedan kommer en lång utfyllnad, ABC123.",  # beyond the window
        "Automobilen ABC123.",  # "bil" only inside a word
    ],
)
def test_required_context_is_a_whole_word_shortly_before(text: str) -> None:
    assert found(text) == []


def test_spans_of_one_label_do_not_overlap() -> None:
    # bank_account and bank_account_number both match; one BANK span is reported
    text = "Kontonummer 8327-9, 123 456 789-0."
    assert [s.detector for s in DETECTOR.find(text)] == ["rule:bank_account"]


def test_longest_match_of_a_rule_wins_and_value_group_is_the_span() -> None:
    spec = RecognizerSpec(
        name="ref",
        label="REF",
        patterns=(r"\d{3}", r"\d{3}-\d{4}", r"(?i:ref)[.:]?\s*(?P<value>[A-Z]\d{4})"),
    )
    detector = PatternDetector([spec])
    text = "Nr 123-4567, Ref: A1234."
    assert [(text[s.start : s.end], s.detector) for s in detector.find(text)] == [
        ("123-4567", "rule:ref"),
        ("A1234", "rule:ref"),
    ]


def test_detector_protocol() -> None:
    detector: Detector = DETECTOR
    assert detector.name == "patterns"
    identifiers = {"PNR", "ORGNR", "PHONE", "EMAIL", "URL", "IP", "BANK", "ADDRESS", "REG"}
    labels = identifiers | {"ORG", "LOC", "TME", "PER"}
    assert detector.labels == labels
    texts = [f"Pnr {PNR}", "", "Inget här."]
    assert detector.detect(texts) == [DETECTOR.find(text) for text in texts]
    assert all(isinstance(span, Span) for span in detector.detect(texts)[0])


# One text per shipped rule that only that rule finds (or only it and ALSO_FOUND's rules).
ALSO_FOUND = {"org_mail_sender": ["rule:email"]}  # a sender's name comes with its address
EXAMPLES = {
    "pnr": f"Pnr {PNR}.",
    "pnr_leading_zero": f"Pnr {PNR_ZERO}.",
    "orgnr": f"Orgnr {ORGNR}.",
    "orgnr_compact": "Orgnr 5560360793.",
    "vat_number": "Momsreg.nr SE556036079301",
    "phone_se": "Tel 070-123 45 67.",
    "phone_international": "Tel +46 70 123 45 67.",
    "email": "anna@firma.se",
    "url": "www.firma.se",
    "ipv4": "IP 192.168.1.12",
    "ipv6": "IP 2001:db8::1",
    "iban": IBAN,
    "bankgiro": f"Bankgiro {BANKGIRO}",
    "plusgiro": f"Plusgiro {PLUSGIRO}",
    "bank_account": "Konto 6000-123 456 789",
    "bank_clearing": "Clearingnummer 8214-9.",
    "bank_personkonto": "Pengarna går till 3300-8503121231.",
    "bank_swedbank": "Till 8327-9 914 123 456-7 i morgon.",
    "pnr_slash": "personnr 850312/1231",
    "iban_lower_case": "iban se45 5000 0000 0583 9825 7466",
    "bank_account_number": "Kontonummer 123 456 789-0",
    "address_street": "Storgatan 12",
    "address_street_name": "Hon bor på Granvägen.",
    "address_property": "Fastigheten Kolbäck 3:12.",
    "address_postal": "111 43 Stockholm",
    "reg": "Regnr ABC 123",
    "org_company": "Kontakt med Lindqvist Bygg AB.",
    "org_kind_name": "Vårdcentralen Kungsbacka",
    "org_name_kind": "Hon ligger på Skellefteå lasarett.",
    "org_compound": "Han går i Kvarnbyskolan.",
    "org_known": "Telia",
    "org_union": "Fackavgift till Handels dras varje månad.",
    "loc_road": "Olyckan skedde på E4 vid avfarten.",
    "loc_water_church": "De badade i Kolbäcksån efter mässan.",
    "loc_mall": "Vi sågs vid Väla köpcentrum.",
    "pnr_glued": "id code is199003052397",
    "org_unit_place": "Tolk via Tolkcentralen Stockholm.",
    "org_unit_named": "Plats på förskolan Kastanjen.",
    "af_in_context": "Hon är inskriven hos AF sedan länge.",
    "loc_care_area": "Jonas Lind, enhetschef hemtjänst Kvarnholmen.",
    "phone_glued": "Ring tel0701234567 i dag.",
    "tme_english_date": "Sent: Tuesday, 5 March 2024 14:22",
    "phone_parenthesised": "Ring (+46) 70 123 45 67 i dag.",
    "swish": "Betala via Swish till 123 418 77 06.",
    "swish_compact": "Swisha 1234187706 i dag.",
    "pnr_spaced": "Pnr 19 71 03 22 - 41 58",
    "no_fodselsnummer": "Fødselsnummer 151086 95088.",
    "fi_hetu": "Henkilötunnus 131052-308T.",
    "dk_cpr": "CPR-nr 211062-5629.",
    "dk_cvr": "CVR 13585628.",
    "fi_ytunnus": "Y-tunnus 2077474-0.",
    "reg_spaced": "Har fortfarande golfen KXJ 209 lol",
    "tme_spoken_clock": "Vi ses vid halv fyra.",
    "tme_hour_after": "Jag jobbar till 19 i dag.",
    "tme_hour_range": "Ring oss vardagar 8-17.",
    "tme_day_month": "Flyttar till Oxelösund 1/3.",
    "tme_den_day": "Natten mellan den 28 och",
    "tme_english_month": "Published March 2025",
    "org_capitals": "FÖRVALTNINGSRÄTTEN I LINKÖPING",
    "org_shapes": "Hon bor på Solgläntans vård- och omsorgsboende.",
    "org_party": "Gunilla Suorra (S), ordförande",
    "address_field": "Adress: Ringdansen 38",
    "card_number": "Betalt med 4571 2345 6789 0120.",
    "org_masthead": "NORRAN  |  Nyheter  |  Publicerad 2024-03-01",
    "org_media": "Det säger hon till Nerikes Allehanda.",
    "org_mail_sender": "Från: Rekrytering Bergvik <jobb@bergvik.se>",
    "per_airline": "Passagerare: LINDQVIST/ANNA MRS",
    "org_brands": "Kvitto från Clas Ohlson.",
    "loc_travel_church": "Tåget avgår från Stockholm C kl 7.",
    "card_number_compact": "Kortnummer 4571234567890120.",
    "loc_dateline": "Magnus Ek, rektor\nSpånga 2024-10-04\n",
    "address_postcode": "Postnr: 123 45",
    "bank_checked": "Skicka till 5001-1234563 snarast.",
    "phone_country_code_bare": "Mobil 46701234567 dagtid.",
    "reg_lower_spaced": "bil: abc 123",
    "phone_typed": "Handläggare: Christer, tel. 090-096651.",
    "bank_swedbank_account": "Ja, det är 944 872 365-1 tror jag.",
}


def test_every_shipped_rule_has_an_example() -> None:
    assert set(EXAMPLES) == {spec.name for spec in SPECS}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_rule_can_be_switched_off(tmp_path: Path, name: str) -> None:
    text = EXAMPLES[name]
    assert [s.detector for s in DETECTOR.find(text)] == [f"rule:{name}", *ALSO_FOUND.get(name, [])]
    path = tmp_path / "user.toml"
    path.write_text(f"[recognizers.{name}]\nenabled = false\n", encoding="utf-8")
    specs = load_config(path).recognizers
    assert name not in {spec.name for spec in specs}
    assert len(specs) == len(SPECS) - 1
    assert f"rule:{name}" not in {span.detector for span in PatternDetector(specs).find(text)}


def test_unknown_validator_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "user.toml"
    path.write_text('[recognizers.ticket]\nlabel = "TICKET"\npatterns = [\'\\d+\']\nvalidator = "nope"\n')
    specs = load_config(path).recognizers
    with pytest.raises(ConfigError) as error:
        PatternDetector(specs)
    message = str(error.value)
    assert message.startswith(f"{path}: key 'recognizers.ticket.validator': unknown validator 'nope'")
    assert "known: " in message and "personnummer" in message


def test_user_file_can_change_a_shipped_rule(tmp_path: Path) -> None:
    path = tmp_path / "user.toml"
    path.write_text("[recognizers.reg]\ncontext_required = false\n", encoding="utf-8")
    detector = PatternDetector(load_config(path).recognizers)
    assert [s.label for s in detector.find("Volvon ABC 123.")] == ["REG"]


# --- property: any valid personnummer in any spelling --------------------------------

SEPARATORS_10 = ("-", "", " ", " - ")
SEPARATORS_12 = ("-", "", " ")


@st.composite
def personnummer_spellings(draw: st.DrawFn) -> str:
    birth = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)))
    day = birth.day + (60 if draw(st.booleans()) else 0)  # samordningsnummer
    serial = f"{draw(st.integers(0, 999)):03d}"
    ten = complete(f"{birth:%y%m}{day:02d}{serial}")
    if draw(st.booleans()):
        separator = draw(st.sampled_from(SEPARATORS_12))
        return f"{birth:%Y}{ten[2:6]}{separator}{ten[6:]}"
    separator = draw(st.sampled_from(SEPARATORS_10))
    if birth.year < 1926 and draw(st.booleans()):
        separator = "+"  # a hundred years old or more
    return f"{ten[:6]}{separator}{ten[6:]}"


@settings(max_examples=300, deadline=None)
@given(
    number=personnummer_spellings(),
    before=st.sampled_from(["", "Pnr: ", "Personnummer ", "Sökande ", "(", "Hon, "]),
    after=st.sampled_from(["", ".", ", tack", " och mer", ")", "\nNästa rad"]),
)
def test_any_valid_personnummer_is_found_exactly(number: str, before: str, after: str) -> None:
    text = before + number + after
    spans = DETECTOR.find(text)
    assert [(s.start, s.end, s.label, s.valid) for s in spans] == [
        (len(before), len(before) + len(number), "PNR", True)
    ]


@settings(max_examples=200, deadline=None)
@given(body=st.from_regex(r"[1-9][0-9][2-9][0-9]{6}", fullmatch=True), dash=st.booleans())
def test_any_valid_organisationsnummer_is_orgnr_only(body: str, dash: bool) -> None:
    number = complete(body)
    written = f"{number[:6]}-{number[6:]}" if dash else number
    assert found(f"Org.nr {written}.") == [(written, "ORGNR", True)]
