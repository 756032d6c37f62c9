"""The Swedish word lists (``rules/lexicon/sv.toml``): titles, kinship words, words that are
no names, abbreviations, months and weekdays, the vocabulary of the time rules, read and
checked once.

Used by the gazetteer detector, mention propagation, the surrogate operator, the
tokenizer, the time rules and the synthetic generator; each list exists only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any, get_origin, get_type_hints

from anonymizer.errors import ConfigError
from anonymizer.toml_files import read_toml

LEXICON_FILE = "lexicon/sv.toml"


Words = tuple[str, ...]
Phrases = Annotated[tuple[str, ...], "phrases"]


@dataclass(frozen=True)
class TimeWords:
    """[time], in the file's order: the words the time rules build their patterns from.

    ``Words`` lists hold words of letters, which the rules put into their patterns as
    they are; ``Phrases`` may also hold several words separated by single spaces and a
    full stop after an abbreviation ("t.o.m."), which the rules escape.
    """

    amount_units: Words
    ordinal_units: Words
    ordinal_tens: Words
    ordinals: Words
    clock_hours: Words
    clock_minutes: Words
    clock_day_parts: Words
    weekday_day_parts: Words
    adverb_tails: Words
    numbers: Words
    number_tens: Words
    number_units: Words
    approximately: Phrases
    vague_numbers: Phrases
    quantified_units: Words
    period_determiners: Phrases
    period_units: Words
    seasons: Words
    holiday_eves: Words
    holiday_days: Phrases
    holiday_days_apart: Phrases
    holiday_weekends: Phrases
    holiday_words: Words
    holiday_lower_case: Words
    school_breaks: Words
    month_prepositions: Phrases
    year_prepositions: Phrases
    weak_year_prepositions: Words
    season_prepositions: Phrases
    holiday_prepositions: Words
    range_words: Words
    reference_words: Phrases
    street_endings: Words


@dataclass(frozen=True)
class Lexicon:
    # [names]
    titles: frozenset[str]
    abbreviated_titles: frozenset[str]
    kinship: frozenset[str]
    not_names: frozenset[str]  # case-sensitive
    not_entities: frozenset[str]  # case-sensitive
    vehicle_makes: frozenset[str]
    not_name_parts: frozenset[str]
    header_words: frozenset[str]
    surname_endings: tuple[str, ...]
    # [calendar], in the file's order
    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    month_abbreviations: tuple[str, ...]
    weekday_abbreviations: tuple[str, ...]
    extra_month_abbreviations: tuple[str, ...]
    extra_weekday_abbreviations: tuple[str, ...]
    # [tokenizer]
    abbreviations: frozenset[str]
    # [names] greetings and [shapes]: the strict preset's unknown-word rule
    greetings: frozenset[str]
    organisation_endings: tuple[str, ...]
    organisation_words: frozenset[str]
    unit_words: frozenset[str]
    unnamed_units: frozenset[str]
    place_endings: tuple[str, ...]
    # [time]
    time: TimeWords


# The table of each list; a list of the first two must have this many words.
_TABLES: dict[str, str] = {
    "titles": "names",
    "abbreviated_titles": "names",
    "kinship": "names",
    "not_names": "names",
    "not_entities": "names",
    "vehicle_makes": "names",
    "not_name_parts": "names",
    "header_words": "names",
    "surname_endings": "names",
    "months": "calendar",
    "weekdays": "calendar",
    "month_abbreviations": "calendar",
    "weekday_abbreviations": "calendar",
    "extra_month_abbreviations": "calendar",
    "extra_weekday_abbreviations": "calendar",
    "abbreviations": "tokenizer",
    "greetings": "names",
    "organisation_endings": "shapes",
    "organisation_words": "shapes",
    "unit_words": "shapes",
    "unnamed_units": "shapes",
    "place_endings": "shapes",
}
_TIME_TABLE = "time"
_TABLES.update({field.name: _TIME_TABLE for field in fields(TimeWords)})
_LENGTHS = {"months": 12, "weekdays": 7}
_CASE_SENSITIVE = frozenset({"not_names", "not_entities"})
_LETTERS = re.compile(r"[^\W\d_]+")
_PHRASE_WORD = r"[^\W\d_]+(?:\.[^\W\d_]+)*\.?"
_PHRASE = re.compile(rf"{_PHRASE_WORD}(?: {_PHRASE_WORD})*")
_PHRASES = frozenset(
    name
    for name, hint in get_type_hints(TimeWords, include_extras=True).items()
    if get_origin(hint) is Annotated
)


def lexicon_path() -> Path:
    """The shipped file: package data when installed, beside the package in a checkout
    (the rule of ``config.shipped_file``)."""
    package = Path(__file__).resolve().parent
    installed = package / "rules" / LEXICON_FILE
    return installed if installed.is_file() else package.parent / "rules" / LEXICON_FILE


@cache
def load_lexicon(path: Path | None = None) -> Lexicon:
    """The word lists of ``path`` (default: the shipped file); errors name the file and key."""
    path = path or lexicon_path()
    raw = read_toml(path, "word list file")
    _check_keys(raw, path)
    values: dict[str, Any] = {}
    for name, hint in get_type_hints(Lexicon).items():
        if name == _TIME_TABLE:
            continue
        table = _TABLES[name]
        words = _words(raw[table][name], path, table, name)
        values[name] = frozenset(words) if get_origin(hint) is frozenset else words
    time = {
        field.name: _words(raw[_TIME_TABLE][field.name], path, _TIME_TABLE, field.name)
        for field in fields(TimeWords)
    }
    return Lexicon(**values, time=TimeWords(**time))


def _check_keys(raw: dict[str, Any], path: Path) -> None:
    expected: dict[str, set[str]] = {}
    for key, table in _TABLES.items():
        expected.setdefault(table, set()).add(key)
    for table, keys in expected.items():
        if not isinstance(raw.get(table), dict):
            raise ConfigError(f"{path}: table [{table}] missing; it holds {', '.join(sorted(keys))}")
        for key in raw[table]:
            if key not in keys:
                raise ConfigError(f"{path}: [{table}] {key}: unknown list; known: {', '.join(sorted(keys))}")
        for key in sorted(keys - set(raw[table])):
            raise ConfigError(f"{path}: [{table}] {key}: list missing")
    for table in raw:
        if table not in expected:
            raise ConfigError(f"{path}: [{table}]: unknown table; known: {', '.join(sorted(expected))}")


def _words(value: object, path: Path, table: str, key: str) -> tuple[str, ...]:
    where = f"{path}: [{table}] {key}"
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise ConfigError(f'{where}: expected a list of words, e.g. {key} = ["ord", "ord"]')
    phrases = table == _TIME_TABLE and key in _PHRASES
    seen: set[str] = set()
    for word in value:
        if not word or word != word.strip() or (not phrases and any(char.isspace() for char in word)):
            raise ConfigError(f"{where}: {word!r} is empty or holds a space; write one word per item")
        if phrases and not _PHRASE.fullmatch(word):
            raise ConfigError(
                f"{where}: {word!r} is not words of letters separated by single spaces"
                ' (a full stop only after an abbreviation, as in "t.o.m.")'
            )
        if table == _TIME_TABLE and not phrases and not _LETTERS.fullmatch(word):
            raise ConfigError(f"{where}: {word!r} is not a word of letters; write one word per item")
        if key not in _CASE_SENSITIVE and word != word.casefold():
            raise ConfigError(f"{where}: {word!r} is not lower case; write it as {word.casefold()!r}")
        if word in seen:
            raise ConfigError(f"{where}: {word!r} is listed twice; keep one")
        seen.add(word)
    expected = _LENGTHS.get(key)
    if expected is not None and len(value) != expected:
        raise ConfigError(f"{where}: expected {expected} words, found {len(value)}")
    return tuple(value)
