"""The Swedish word lists: one shipped file, read once, every list checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anonymizer import propagate, text
from anonymizer.detectors import gazetteer, time
from anonymizer.errors import ConfigError
from anonymizer.lexicon import lexicon_path, load_lexicon


def _edited(tmp_path: Path, key: str, replacement: str) -> Path:
    """A copy of the shipped file with the list ``key`` replaced by ``replacement``."""
    source = lexicon_path().read_text(encoding="utf-8")
    edited, count = re.subn(rf"^{key} = \[.*?^\]\n", replacement, source, flags=re.MULTILINE | re.DOTALL)
    assert count == 1, key
    path = tmp_path / "sv.toml"
    path.write_text(edited, encoding="utf-8")
    return path


def test_the_shipped_lists_load_once_in_order() -> None:
    lexicon = load_lexicon()
    assert lexicon is load_lexicon()
    assert lexicon.months[0] == "januari" and lexicon.months[-1] == "december"
    assert lexicon.weekdays == ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
    assert {"dr", "handläggare"} <= lexicon.titles and "sonen" in lexicon.kinship
    assert "Jag" in lexicon.not_names and "jag" not in lexicon.not_names  # case-sensitive list


def test_every_user_takes_its_list_from_the_lexicon() -> None:
    lexicon = load_lexicon()
    assert gazetteer.TITLES is lexicon.titles and gazetteer.KINSHIP is lexicon.kinship
    assert propagate.NOT_NAME_PARTS is lexicon.not_name_parts
    calendar = {*lexicon.month_abbreviations, *lexicon.weekday_abbreviations}
    assert lexicon.abbreviations | calendar == text.ABBREVIATIONS
    assert time._MONTH_NAMES is lexicon.months and time._WEEKDAY_NAMES is lexicon.weekdays


def test_extra_abbreviations_are_dates_to_the_time_rules_but_not_abbreviations_to_the_tokenizer() -> None:
    lexicon = load_lexicon()
    assert {"febr"} == set(lexicon.extra_month_abbreviations)
    assert {"mån", "tor"} == set(lexicon.extra_weekday_abbreviations)
    assert not text.ABBREVIATIONS & {"febr", "mån", "tor"}
    assert [t.text for t in text.tokenize("Vi ses tor. 3 jan. med Tor.")] == [
        "Vi",
        "ses",
        "tor",
        ".",
        "3",
        "jan.",
        "med",
        "Tor",
        ".",
    ]
    finder = time.TimeDetector()
    found = [sample[s.start : s.end] for sample in ("mån 8/5", "3 febr. 2020") for s in finder.find(sample)]
    assert found == ["mån 8/5", "3 febr. 2020"]


@pytest.mark.parametrize(
    ("key", "replacement", "message"),
    [
        ("kinship", "", r"\[names\] kinship: list missing"),
        ("kinship", 'kinship = "mamma"\n', r"\[names\] kinship: expected a list of words"),
        ("kinship", "kinship = [1, 2]\n", r"\[names\] kinship: expected a list of words"),
        ("kinship", 'kinship = ["mamma", "Pappa"]\n', r"\[names\] kinship: 'Pappa' is not lower case"),
        ("kinship", 'kinship = ["mamma", "mamma"]\n', r"\[names\] kinship: 'mamma' is listed twice"),
        ("kinship", 'kinship = ["god dag"]\n', r"\[names\] kinship: 'god dag' is empty or holds a space"),
        ("kinship", 'kinship = [""]\n', r"\[names\] kinship: '' is empty"),
        ("kinship", 'kinship = []\nkinsip = ["mamma"]\n', r"\[names\] kinsip: unknown list; known: "),
        ("weekdays", 'weekdays = ["måndag"]\n', r"\[calendar\] weekdays: expected 7 words, found 1"),
        (
            "amount_units",
            'amount_units = ["kr", "k.r"]\n',
            r"\[time\] amount_units: 'k\.r' is not a word of letters",
        ),
        (
            "seasons",
            'seasons = ["våren", "höst|en"]\n',
            r"\[time\] seasons: 'höst|en' is not a word of letters",
        ),
        (
            "seasons",
            'seasons = ["sommaren 2"]\n',
            r"\[time\] seasons: 'sommaren 2' is empty or holds a space",
        ),
        ("seasons", 'seasons = ["Våren"]\n', r"\[time\] seasons: 'Våren' is not lower case"),
        (
            "month_prepositions",
            'month_prepositions = ["fram  till"]\n',
            r"\[time\] month_prepositions: 'fram  till' is not words of letters separated by single spaces",
        ),
        (
            "month_prepositions",
            'month_prepositions = ["t.o.m.", "(i)"]\n',
            r"\[time\] month_prepositions: '\(i\)' is not words of letters",
        ),
        (
            "month_prepositions",
            'month_prepositions = ["till och med "]\n',
            r"\[time\] month_prepositions: 'till och med ' is empty or holds a space",
        ),
        (
            "month_prepositions",
            'month_prepositions = ["i", "i"]\n',
            r"\[time\] month_prepositions: 'i' is listed twice",
        ),
        ("range_words", "", r"\[time\] range_words: list missing"),
    ],
)
def test_a_bad_list_names_the_file_and_key(tmp_path: Path, key: str, replacement: str, message: str) -> None:
    path = _edited(tmp_path, key, replacement)
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ": " + message):
        load_lexicon(path)


def test_the_time_rules_take_their_vocabulary_from_the_lexicon() -> None:
    """Phrases keep their spaces and abbreviations their full stops; the rules read them."""
    words = load_lexicon().time
    assert "fram till" in words.month_prepositions and "t.o.m." in words.year_prepositions
    assert "ca." in words.approximately and "ett par" in words.vague_numbers
    finder = time.TimeDetector(relative=True)
    samples = ["fram till maj", "t.o.m. 2019", "för ca. tre år sedan", "ett par veckor senare", "mors dag"]
    assert [[sample[s.start : s.end] for s in finder.find(sample)] for sample in samples] == [
        ["maj"],
        ["2019"],
        ["för ca. tre år sedan"],
        ["ett par veckor senare"],
        ["mors dag"],
    ]


def test_the_time_vocabulary_can_change_without_code(tmp_path: Path) -> None:
    path = _edited(tmp_path, "school_breaks", 'school_breaks = ["jul", "studie"]\n')
    assert load_lexicon(path).time.school_breaks == ("jul", "studie")


def test_case_sensitive_list_keeps_capitals(tmp_path: Path) -> None:
    path = _edited(tmp_path, "not_names", 'not_names = ["Jag", "AB"]\n')
    assert load_lexicon(path).not_names == frozenset({"Jag", "AB"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "word list file missing"),
        ("[names\n", "not valid TOML"),
        ("", r"table \[names\] missing"),
    ],
)
def test_a_missing_or_broken_file_is_named(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "sv.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ": " + message):
        load_lexicon(path)


def test_an_unknown_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sv.toml"
    path.write_text(lexicon_path().read_text(encoding="utf-8") + "\n[extra]\nwords = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[extra\]: unknown table"):
        load_lexicon(path)
