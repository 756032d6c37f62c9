"""Time expressions spoken and in English (issue 21, item 6) from the TME rules of
rules/recognizers.toml, with negatives: amounts, counts, fractions and ages stay."""

from __future__ import annotations

import pytest

from anonymizer.config import load_config
from anonymizer.detectors.patterns import PatternDetector

DETECTOR = PatternDetector([spec for spec in load_config(None).recognizers if spec.label == "TME"])


def found(text: str) -> list[str]:
    return [text[s.start : s.end] for s in DETECTOR.find(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Vi ses vid halv fyra.", "halv fyra"),
        ("Han ringde kvart över tre.", "kvart över tre"),
        ("Kom senast tjugo i fem!", "tjugo i fem"),
        ("Han kom hem vid nio igår.", "nio"),
        ("Hon hämtar vid nio, sen går vi.", "nio"),
        ("Jag jobbar till 19", "19"),
        ("Träningen slutar 17.30 i dag", "17.30"),
        ("Hon slutar 17 på Åhléns", "17"),
        ("Ring oss vardagar 8\u201317 eller", "8\u201317"),
        ("Öppet 9.30-16 på lördagar", "9.30-16"),
        ("Flyttar till Oxelösund 1/3, vill behålla", "1/3"),
        ("Ledig 30/3-31/3", "30/3-31/3"),
        ("Natten mellan den 28 och 29 december", "den 28"),
        ("Jag är pank tills den 25e", "den 25e"),
        ("Published March 2025", "March 2025"),
        ("Arrival 3 March, departure", "3 March"),
        ("Due on November 12th", "November 12th"),
    ],
)
def test_time_shapes(text: str, value: str) -> None:
    assert value in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Han dömdes till 19 månader.",
        "Den 19-årige föraren skadades.",  # an age, not a day
        "Hon hyr den 3-rummaren på Storgatan.",
        "Hon flyttade vid 19 års ålder.",
        "Barn från 6 till 12 år.",
        "Priset steg till 19 kr.",
        "1/3 av kostnaden betalas nu.",
        "Han fick 3/4 delar.",
        "Se den 3 § i lagen.",
        "De kom till tre personer.",
        "Vi åker efter tre dagar.",
        "Det räcker med en halv sida.",
        "Ökningen var till 12 % i fjol.",
        "Resolution 398 27 March antogs.",
        "Version 2.1/3 släpps.",
        "Fribeloppet uppgår till 1 500 000 kronor.",
        "Bidraget betalas ut till 1. en förälder som",
        "Volymen räknas om till 15°C.",
        "Alla röstar vid ett och samma tillfälle.",
        "Avvikelser från 11 a-11 c §§ och till 11 a §",
        "Gränserna 50, 66 2/3 och 90 procent",
    ],
)
def test_counts_amounts_and_fractions_stay(text: str) -> None:
    assert found(text) == []
