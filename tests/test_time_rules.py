"""The rule-based Swedish time-expression detector: what it finds, what it leaves, offsets."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.detectors import Detector
from anonymizer.detectors.time import TimeDetector
from anonymizer.span import Rank, Span

DETECTOR = TimeDetector()
EN_DASH = "\u2013"


def found(text: str) -> list[str]:
    return [text[span.start : span.end] for span in DETECTOR.find(text)]


POSITIVES = [
    # issue 12: bare years, months after "för", clock times with a dot, relative periods
    ("Hon anställdes 2015 och slutade 2019.", ["2015", "2019"]),
    ("Verksamhetsberättelsen för 2023 godkändes.", ["2023"]),
    ("Han vägde 80 kg i 2004 års mätning.", ["2004"]),
    ("Hyran för april är inte betald.", ["april"]),
    ("Han kom 14.30 igen.", ["14.30"]),
    ("Ringt ssk 07.58 som kom 08.25.", ["07.58", "08.25"]),
    ("Vi hörs efter årsskiftet.", ["årsskiftet"]),
    # numeric dates
    ("Mötet hölls 2021-03-12 i Lund.", ["2021-03-12"]),
    ("Loggat 2021-03-12T14:30 av systemet.", ["2021-03-12T14:30"]),
    ("login failed 2024-06-11T02:14:55Z from", ["2024-06-11T02:14:55Z"]),
    ("sparad 2024-06-11T02:14:55.120+02:00 i loggen", ["2024-06-11T02:14:55.120+02:00"]),
    # a weekday makes "1/3" a date; abbreviated weekdays before a date
    ("Tid: fredag 1/3 kl. 17.00 hos oss.", ["fredag 1/3 kl. 17.00"]),
    ("ses ons 8/5 kl 13:20 då", ["ons 8/5 kl 13:20"]),
    ("lör. 18/5 passar bra", ["lör. 18/5"]),
    # chat Swedish
    ("jag hämtar typ halv 6", ["halv 6"]),
    ("vi ses söndag eftermiddag eller fredag kväll", ["söndag eftermiddag", "fredag kväll"]),
    ("kan du imorn?", ["imorn"]),
    ("Vi ses 12/3 på stationen.", ["12/3"]),
    ("Beslut fattat 12/3 2021 av nämnden.", ["12/3 2021"]),
    ("Beslut fattat 12/3-2021 av nämnden.", ["12/3-2021"]),
    ("Han kom hem den 5/12.", ["den 5/12"]),
    ("Datum: 3.5.2021", ["3.5.2021"]),
    ("Rapporten för 2021-03 är klar.", ["2021-03"]),
    # written dates
    ("Han kom den 3:e maj 2021.", ["den 3:e maj 2021"]),
    ("Hon fyller år 3 maj.", ["3 maj"]),
    ("Från och med 3:e maj gäller det.", ["3:e maj"]),
    ("Sedan maj 2021 bor hon där.", ["maj 2021"]),
    ("Den 12 mars kom hon hem.", ["Den 12 mars"]),
    ("Hon föddes 1 januari 2020 i Umeå.", ["1 januari 2020"]),
    ("Vi ses 3 jan. 2020 igen.", ["3 jan. 2020"]),
    ("Leverans 12 dec 2020.", ["12 dec 2020"]),
    ("Vi ses 3 jan. Sedan åker jag.", ["3 jan"]),
    ("Festen var den tredje maj.", ["den tredje maj"]),
    ("Kursen går 1-3 maj.", ["1-3 maj"]),
    ("Han kom hem 12 dec -98.", ["12 dec -98"]),
    (f"Utställningen pågår maj{EN_DASH}juni 2021.", [f"maj{EN_DASH}juni 2021"]),
    # weekdays
    ("Han ringde i måndags.", ["i måndags"]),
    ("Vi ses på fredag.", ["fredag"]),
    ("Tisdagen blev lång.", ["Tisdagen"]),
    ("Hon kom i söndags kväll.", ["i söndags kväll"]),
    ("Det hände på lördagskvällen.", ["lördagskvällen"]),
    ("En onsdagsmorgon ringde han.", ["onsdagsmorgon"]),
    ("Efter måndagens möte åkte hon.", ["måndagens"]),
    ("Han tränar på måndagarna.", ["måndagarna"]),
    ("Det var fredagen den 13:e.", ["fredagen den 13:e"]),
    ("Vi ses nästa måndag.", ["nästa måndag"]),
    # months alone after a preposition
    ("Vi flyttar i maj.", ["maj"]),
    ("I januari var det kallt.", ["januari"]),
    ("Han var borta under augusti.", ["augusti"]),
    ("Stängt från maj till juni.", ["maj", "juni"]),
    ("Vi ses i slutet av oktober.", ["oktober"]),
    # times of day
    ("Vi ses kl. 14.30 vid porten.", ["kl. 14.30"]),
    ("Bussen går kl 14 varje dag.", ["kl 14"]),
    ("Kom klockan 9 i morgon.", ["klockan 9 i morgon"]),
    ("Han kom klockan tre.", ["klockan tre"]),
    ("Hon somnade klockan halv fem.", ["klockan halv fem"]),
    ("Möte klockan kvart över tre.", ["klockan kvart över tre"]),
    ("Mötet börjar 14:30.", ["14:30"]),
    ("Öppet 14.30-16.00 på vardagar.", ["14.30-16.00"]),
    (f"Öppet kl. 9{EN_DASH}17 på vardagar.", [f"kl. 9{EN_DASH}17"]),
    ("Jag är hemma mellan 14.30 och 15.", ["14.30", "15"]),
    ("Larmet gick vid 14-tiden.", ["14-tiden"]),
    ("Han kom hem vid tretiden.", ["tretiden"]),
    ("Han vaknade kl. 8 på morgonen.", ["kl. 8 på morgonen"]),
    # relative days
    ("Jag var där i går.", ["i går"]),
    ("Jag var där igår.", ["igår"]),
    ("I dag regnar det.", ["I dag"]),
    ("Vi åker idag.", ["idag"]),
    ("Vi åker i morgon bitti.", ["i morgon bitti"]),
    ("Vi åker imorgon.", ["imorgon"]),
    ("Hon kom i förrgår.", ["i förrgår"]),
    ("Vi ses i övermorgon.", ["i övermorgon"]),
    ("Ses vi i kväll?", ["i kväll"]),
    ("Ses vi ikväll?", ["ikväll"]),
    ("Det snöade i morse.", ["i morse"]),
    ("Det stormade i natt.", ["i natt"]),
    ("Han kom hem i går kväll.", ["i går kväll"]),
    ("Vad jag kände i går afton!", ["i går afton"]),
    # relative periods
    ("Det hände förra veckan.", ["förra veckan"]),
    ("Vi hörs nästa vecka.", ["nästa vecka"]),
    ("Förra året var bra.", ["Förra året"]),
    ("Vi bygger nästa år.", ["nästa år"]),
    ("Han flyttade i fjol.", ["i fjol"]),
    ("Skörden blev god i år.", ["i år"]),
    ("Hyran höjdes förra månaden.", ["förra månaden"]),
    ("Förra årets vinnare kom.", ["Förra årets"]),
    ("Vi hörs den här veckan.", ["den här veckan"]),
    ("Vi badade i somras.", ["i somras"]),
    ("Det var kallt i vintras.", ["i vintras"]),
    ("Hon började i höstas.", ["i höstas"]),
    ("Han slutade i våras.", ["i våras"]),
    ("Vi ses i vår.", ["i vår"]),
    ("Han dog för två år sedan.", ["för två år sedan"]),
    ("Hon flyttade för ett par veckor sedan.", ["för ett par veckor sedan"]),
    ("Vi ses om tre veckor.", ["om tre veckor"]),
    ("Semestern börjar vecka 12.", ["vecka 12"]),
    ("Leverans v. 12 enligt plan.", ["v. 12"]),
    ("Kursen går veckorna 12-14.", ["veckorna 12-14"]),
    # years in context
    ("Det hände år 2004.", ["år 2004"]),
    ("Han föddes året 1998.", ["året 1998"]),
    ("Musiken från 1990-talet lever.", ["1990-talet"]),
    ("Det var populärt på 80-talet.", ["80-talet"]),
    ("1800-talets fattigdom var svår.", ["1800-talets"]),
    ("Han jobbade där under 70- och 80-talen.", ["70- och 80-talen"]),
    ("Hon har bott här sedan 1995.", ["1995"]),
    ("Han jobbade där från 2010 till 2012.", ["2010", "2012"]),
    ("Det gällde mellan 2010 och 2012.", ["2010", "2012"]),
    ("Han var ordförande 1995-2000.", ["1995-2000"]),
    ("Säsongen 2019/20 blev kort.", ["2019/20"]),
    ("Under 2019 var det lugnt.", ["2019"]),
    ("Byggnaden stod klar i slutet av 2019.", ["2019"]),
    ("Avtalet gällde läsåret 2020/21.", ["läsåret 2020/21"]),
    ("Han föddes år 1066 i Norge.", ["år 1066"]),
    ("Hon var minister år 2008 och 2010.", ["år 2008", "2010"]),
    # seasons
    ("Hösten 2020 blev annorlunda.", ["Hösten 2020"]),
    ("Det byggdes våren 2019.", ["våren 2019"]),
    ("Vi träffades hösten -98.", ["hösten -98"]),
    ("Sommaren 2020 var varm.", ["Sommaren 2020"]),
    ("Han läste kursen HT20.", ["HT20"]),
    ("Vi ses under sommaren.", ["sommaren"]),
    # holidays
    ("Vi firar julafton hemma.", ["julafton"]),
    ("Hon kommer på midsommarafton.", ["midsommarafton"]),
    ("Nyårsafton firade vi i Visby.", ["Nyårsafton"]),
    ("Vi åker bort över påsk.", ["påsk"]),
    ("Vi åt lamm på påskafton.", ["påskafton"]),
    ("Butiken är stängd annandag jul.", ["annandag jul"]),
    ("Granen åker ut på trettondagen.", ["trettondagen"]),
    ("Vi ses på valborg.", ["valborg"]),
    ("Vi bakar lussekatter varje jul.", ["jul"]),
    ("De firade jul hos mormor i Kiruna.", ["jul"]),
    ("Familjen köper nya kläder till eid.", ["eid"]),
    ("Under ramadan äter de sent.", ["ramadan"]),
    ("Elden tänds på valborgsmässoafton.", ["valborgsmässoafton"]),
    ("Flaggan hissas på nationaldagen.", ["nationaldagen"]),
    ("Kyrkan var full under allhelgonahelgen.", ["allhelgonahelgen"]),
    ("Julen firas hemma.", ["Julen"]),
    ("Vi dansar på midsommar.", ["midsommar"]),
    ("Han ringde på julaftonen.", ["julaftonen"]),
    ("Vi ses efter jul.", ["jul"]),
    ("Det var Sveriges nationaldag.", ["Sveriges nationaldag"]),
    ("Kristi himmelsfärdsdag är röd.", ["Kristi himmelsfärdsdag"]),
    ("Vi ses i mellandagarna.", ["mellandagarna"]),
    # merged expressions
    ("Det var måndagen den 3 maj 2021 kl. 14.30.", ["måndagen den 3 maj 2021 kl. 14.30"]),
    ("Det var fredagen, den 13 maj.", ["fredagen, den 13 maj"]),
    ("Mötet hölls 2021-03-12 kl. 09.00.", ["2021-03-12 kl. 09.00"]),
    ("Det skedde 3 maj 2021, kl. 14.", ["3 maj 2021, kl. 14"]),
    ("Vi ses på tisdag 12 mars.", ["tisdag 12 mars"]),
    ("Vi åker i maj i år.", ["maj i år"]),
    ("Idag Kalle, i morgon Lisa.", ["Idag", "i morgon"]),
    ("jobbar helg då, ses tors iaf", ["tors"]),
    ("Öppet mån\u2013fre och lör-sön, stängt sön- och helgdagar.", ["mån\u2013fre", "lör-sön", "sön"]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_finds_time_expressions(text: str, expected: list[str]) -> None:
    assert found(text) == expected


# Spans of time that name no date: only with relative=True (the strict preset).
RELATIVE = [
    ("Hon ringde veckan efter och igen under helgen.", ["veckan efter", "helgen"]),
    ("Yrsel sedan ca två veckor tillbaka.", ["ca två veckor tillbaka"]),
    ("Det har regnat de senaste åren.", ["de senaste åren"]),
    ("Han kom tillbaka tre dagar senare.", ["tre dagar senare"]),
    ("Pat ringde på morgonen och igen på kvällen.", ["morgonen", "kvällen"]),
    ("Hon har varit sjuk de kommande två veckorna.", ["de kommande två veckorna"]),
]


@pytest.mark.parametrize(("text", "expected"), RELATIVE)
def test_relative_spans_of_time_only_when_asked(text: str, expected: list[str]) -> None:
    relative = TimeDetector(relative=True)
    assert [text[span.start : span.end] for span in relative.find(text)] == expected
    assert found(text) == []


def test_a_deictic_day_is_found_without_relative_spans() -> None:
    text = "Hon ringde i går kväll, i helgen och i morse, och kom dagen innan midsommar."
    assert found(text) == ["i går kväll", "i helgen", "i morse", "midsommar"]


NEGATIVES = [
    "Enligt 7 kap. 22 § skollagen (2010:800) gäller detta.",
    "Ärendet har dnr SN 2023/114 och ref 2024-17.",
    "Kundnr 2016 är spärrat.",
    "Vår referens: 2023-KS-0412, er referens 2022/BN-7.",  # a reference's year part
    "Det väger halv 3 kg.",
    "Tre fjärdedelar, 3/4 av alla, och 1/3 av resten.",
    "Han stod i ons-kön.",
    "Vi hjälper till i mån av tid.",
    "Tor ringde inte alls.",
    "ökad fre\u00adkvens av hembränning",
    "en regi\u00adons utveckling",
    "Maj Andersson kom hem sent.",
    "Jag träffade Maj Svensson på stationen.",
    "Marsvinet heter Pelle.",
    "Resan till Mars tar flera månader.",
    "Varje dag är en gåva.",
    "Det tog lång tid att komma fram.",
    "Han har bott här i många år.",
    "Om du vill kan vi ses.",
    "En vecka är lång.",
    "Cykeln kostade 2004 kronor.",
    "Priset höjdes till 2000.",
    "Det kostar under 2000 kronor.",
    "Han bor på Storgatan 2004.",
    "Kl är en förkortning.",
    "Ta 1/2 liter mjölk och 3/4 kopp socker.",
    "Vi har öppet 24/7.",
    "Varje månad utgör 1/12 och varje dag 1/360 av beloppet.",
    "Läs Joh 3:16 högt.",
    "Han har personnummer 19850312-1234.",
    "Storgatan 12, 114 55 Stockholm",
    "Ring 08-123 45 67.",
    "Det kostar 14.30 kr.",
    "Version 1.2.3 släpptes.",
    "God jul och gott nytt år!",
    "Han åt marsipan med Valborg Svensson.",
    "Eid Hansen och Lucia Berg kom sent.",  # capitalised: names
    "Vi ses i vår lägenhet.",
    "Motorn är en V12 och den andra en v8.",
    "Fredrik gick till tisdagsgruppen.",
    "Varje vecka 12 timmar.",
    "Ett 50-tal personer kom.",
    "Beslutet finns i betänkande 1995/96:TU7.",
    "Se direktiv 2009/22/EG och förordning (EU) 2016/2031.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_leaves_non_time_text_alone(text: str) -> None:
    assert found(text) == []


def test_several_expressions_after_unicode_text() -> None:
    text = "Åsa Öberg (född i Ängelholm) 🎉 kom i går, och vi ses igen den 3 maj kl. 10.\nI fjol var hon här."
    spans = DETECTOR.find(text)
    assert [text[s.start : s.end] for s in spans] == ["i går", "den 3 maj kl. 10", "I fjol"]
    start = text.index("den 3 maj")
    assert (spans[1].start, spans[1].end) == (start, start + len("den 3 maj kl. 10"))


def test_spans_carry_label_score_and_detector() -> None:
    spans = TimeDetector(score=0.75).find("Vi ses i morgon.")
    assert spans == [Span(7, 15, "TME", 0.75, "rule:time", rank=Rank.RULE)]


def test_detect_returns_one_list_per_text() -> None:
    texts = ["Vi ses i morgon.", "", "Inget här.", "Förra veckan och 2021-03-12."]
    result = DETECTOR.detect(texts)
    assert len(result) == len(texts)
    assert [[t[s.start : s.end] for s in spans] for t, spans in zip(texts, result, strict=True)] == [
        ["i morgon"],
        [],
        [],
        ["Förra veckan", "2021-03-12"],
    ]
    assert DETECTOR.detect([]) == []


def test_empty_and_whitespace_text() -> None:
    assert DETECTOR.find("") == []
    assert DETECTOR.find(" \n\t ") == []


def test_expressions_do_not_run_across_lines() -> None:
    assert found("i går\n3 maj") == ["i går", "3 maj"]


def test_detector_attributes() -> None:
    detector: Detector = TimeDetector()  # mypy checks the protocol
    assert detector.name == "time"
    assert TimeDetector.labels == frozenset({"TME"})


def test_regression_trettondag_jul_was_cut_after_dag() -> None:
    # "trettonde?" needed a "d" before "dag", so "trettondag jul" lost its "jul".
    assert found("Vi åker trettondag jul.") == ["trettondag jul"]
    assert found("Vi åker trettondedag jul.") == ["trettondedag jul"]


def test_regression_comma_merged_lists_of_years_and_times() -> None:
    # Joining every neighbour across a comma turned lists into one long span.
    assert found("år 2004, året 1998, 80-talet") == ["år 2004", "året 1998", "80-talet"]
    assert found("klockan 14 och 15, klockan 16") == ["klockan 14", "15", "klockan 16"]
    assert found("måndag, tisdag och onsdag") == ["måndag", "tisdag", "onsdag"]


_WORDS = [
    "i", "går", "dag", "maj", "Maj", "mars", "den", "3", "12", "2021", "-", ",", ".", "kl.",
    "klockan", "14.30", "14:30", "12/3", "år", "1995", "förra", "veckan", "om", "tre", "veckor",
    "sedan", "för", "måndag", "fredagen", "julafton", "hösten", "Andersson", "kronor", "å", "\n",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=25).map(" ".join))
def test_spans_are_sorted_disjoint_and_shift_with_a_prefix(text: str) -> None:
    spans = DETECTOR.find(text)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == text[span.start : span.end].strip()
    assert all(a.end < b.start for a, b in pairwise(spans))
    prefix = "Öl 🎉\n"
    shifted = [(s.start - len(prefix), s.end - len(prefix)) for s in DETECTOR.find(prefix + text)]
    assert shifted == [(s.start, s.end) for s in spans]
