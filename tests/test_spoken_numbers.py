"""Numbers read aloud (issue 21, item 3), with negatives: counts, times and amounts stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.detectors.spoken import SpokenNumberDetector, load_spoken_words
from anonymizer.errors import ConfigError

DETECTOR = SpokenNumberDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in DETECTOR.find(text)]


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        (
            "Mitt nummer är noll sju noll, fem fem två, trettioåtta elva.",
            "noll sju noll, fem fem två, trettioåtta elva",
            "PHONE",
        ),
        (
            "Ring mig på noll åtta - tolv trettiofyra femtiosex.",
            "noll åtta - tolv trettiofyra femtiosex",
            "PHONE",
        ),
        ("clearingnumret är åtta fyra noll fem, sju och sen", "åtta fyra noll fem, sju", "BANK"),
        (
            "det är lisa punkt berg nittio snabel-a gmail punkt com tack",
            "lisa punkt berg nittio snabel-a gmail punkt com",
            "EMAIL",
        ),
        ("Mejla bo snabel a firma punkt se", "bo snabel a firma punkt se", "EMAIL"),
        ("regnumret är Adam Caesar Erik ett två tre", "Adam Caesar Erik ett två tre", "REG"),
        ("bilen, Filip Olof Gustav noll fyra Erik", "Filip Olof Gustav noll fyra Erik", "REG"),
        (
            "Nås på plus fyrtiosex sju noll, ett två tre, fyrtiofem sextiosju.",
            "plus fyrtiosex sju noll, ett två tre, fyrtiofem sextiosju",
            "PHONE",
        ),
        # the other form of O, the international alphabet, pairs said as one number, dashes
        ("Bilen: Olle Petter Sigurd, fyra fem sex.", "Olle Petter Sigurd, fyra fem sex", "REG"),
        ("det är alfa bravo charlie tjugotre fem", "alfa bravo charlie tjugotre fem", "REG"),
        ("Kalle Niklas Tore - noll nio - Erik", "Kalle Niklas Tore - noll nio - Erik", "REG"),
        (
            "personnumret nitton sjuttioett noll tre tjugotvå fyrtioett femtioåtta",
            "nitton sjuttioett noll tre tjugotvå fyrtioett femtioåtta",
            "PNR",
        ),
        ("trettio åtta", None, None),
        (
            "numret är noll sju noll... eh fem fem två, trettioåtta elva",
            "noll sju noll... eh fem fem två, trettioåtta elva",
            "PHONE",
        ),
        ("Kontonummer: 123 fyrtiofem sextiosju åttio", "123 fyrtiofem sextiosju åttio", "BANK"),
        # hundreds in one word, a dash read aloud, the context word in the turn before
        (
            "Kontot är niohundrafyrtiotre, hundratio, tvåhundrasjuttiosex, fem.",
            "niohundrafyrtiotre, hundratio, tvåhundrasjuttiosex, fem",
            "BANK",
        ),
        (
            "Agent: Och vilket clearingnummer har du?\nKund: Åtta tre två sju streck nio.",
            "Åtta tre två sju streck nio",
            "BANK",
        ),
    ],
)
def test_numbers_read_aloud(text: str, value: str | None, label: str | None) -> None:
    if value is None:
        assert found(text) == []
    else:
        assert found(text) == [(value, label)]


@pytest.mark.parametrize(
    "text",
    [
        "Hon har fem barn och sex katter, tre hundar.",
        "Vi ses klockan tre, fyra eller fem.",
        "Det kostar tvåhundra kronor, eller tre fyra hundra.",
        "Adam och Erik kom, sen Martin.",  # names, no digits after
        "Martin, Erik och Kalle var där, tre av dem.",
        "Han fyllde sjuttiofem i maj och åttio i juni.",
        "ring 070-123 45 67",  # digits alone are the identifier rules'
        "Sidan nio, tio och elva.",
        "Det kostar tvåhundrafemtio kronor, ibland trehundra.",
        "Vi var hundra, sen tvåhundra, sen niohundra personer.",
    ],
)
def test_counts_times_and_amounts_stay(text: str) -> None:
    assert found(text) == []


def test_words_file_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "spoken.toml"
    path.write_text(
        '[digits]\nnoll = 0\n[tens]\ntjugo = "2"\n[phonetic]\nA = ["adam"]\n[context]\nPHONE = ["ring"]\n'
    )
    with pytest.raises(ConfigError, match=r"spoken.toml: \[digits\] noll: expected a string of digits"):
        load_spoken_words(path)
    path.write_text('[digits]\nnoll = "0"\n[tens]\ntjugo = "2"\n[phonetic]\nA = ["adam"]\n')
    with pytest.raises(ConfigError, match=r"\[context\] missing"):
        load_spoken_words(path)
