"""What the name lists and the raw text know about a token, as a fixed feature vector.

The tagger's lexicon embedding (:mod:`anonymizer.model.lexicon`) and the numpy
runtime both compute features with :func:`token_features`, so the two cannot drift.
A :class:`LexiconTables` is plain data (dicts, lists, strings): it is saved inside
the model, so a model keeps the lists it was trained with.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymizer.common_words import load_word_cases
from anonymizer.errors import ConfigError
from anonymizer.gazetteers import list_rows

# Bits looked up per case-folded word form.
LOOKUP_FEATURES = (
    "first_name",
    "first_name_10k",  # borne by at least 10,000 people
    "first_name_1k",
    "first_name_100",
    "first_name_common",  # also an ordinary word (Bo, Björn, Dag)
    "surname",
    "surname_common",
    "place",  # locality or city
    "municipality",
    "county",
    "country",
    "agency_word",  # a word of an agency's name
    "agency_head",  # the first word of an agency's name
    "text_known",  # in the raw-text table at all
    "text_lower_95",  # written in lower case in >= 95 % of its occurrences
    "text_lower_50",
    "text_lower_5",
    "text_lower_0",  # seen, but in lower case in < 5 %
    "text_mid_capital_50",  # capitalised mid-sentence in >= 50 %
    "text_frequent",  # at least 1,000 occurrences
)
# Computed from the token's own text.
SHAPE_FEATURES = ("org_suffix", "org_keyword", "unit_word", "capitalised", "all_caps", "has_digit")
FEATURE_NAMES = LOOKUP_FEATURES + SHAPE_FEATURES
_BIT = {name: 1 << index for index, name in enumerate(LOOKUP_FEATURES)}
# Words of agency names that say nothing on their own.
_FUNCTION_WORDS = frozenset({"för", "och", "i", "av", "på", "med", "till", "om", "den", "det"})


@dataclass(frozen=True)
class LexiconTables:
    """``lookup``: case-folded word -> bitmask of :data:`LOOKUP_FEATURES`."""

    lookup: dict[str, int]
    org_suffixes: tuple[str, ...]
    org_keywords: frozenset[str]
    unit_words: frozenset[str]

    def to_state(self) -> dict[str, object]:
        """Plain data (dicts, lists, strings), saved in a Flair model and in a runtime file."""
        return {
            "lookup": self.lookup,
            "org_suffixes": list(self.org_suffixes),
            "org_keywords": sorted(self.org_keywords),
            "unit_words": sorted(self.unit_words),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LexiconTables:
        lookup = state["lookup"]
        if not isinstance(lookup, dict):
            raise ValueError("lexicon state: 'lookup' is not a mapping")
        words = {
            key: [str(word) for word in state[key]] for key in ("org_suffixes", "org_keywords", "unit_words")
        }
        return cls(
            lookup=lookup,
            org_suffixes=tuple(words["org_suffixes"]),
            org_keywords=frozenset(words["org_keywords"]),
            unit_words=frozenset(words["unit_words"]),
        )


def token_features(tables: LexiconTables, text: str) -> list[float]:
    """The feature vector of one token, in :data:`FEATURE_NAMES` order."""
    folded = text.casefold()
    bits = tables.lookup.get(folded, 0)
    vector = [1.0 if bits & (1 << index) else 0.0 for index in range(len(LOOKUP_FEATURES))]
    letters = [char for char in text if char.isalpha()]
    vector += [
        1.0 if folded.endswith(tables.org_suffixes) and len(folded) > 6 else 0.0,
        1.0 if folded in tables.org_keywords else 0.0,
        1.0 if folded in tables.unit_words else 0.0,
        1.0 if text[:1].isupper() else 0.0,
        1.0 if len(letters) > 1 and all(char.isupper() for char in letters) else 0.0,
        1.0 if any(char.isdigit() for char in text) else 0.0,
    ]
    return vector


def sentence_features(tables: LexiconTables, tokens: Sequence[str]) -> list[list[float]]:
    return [token_features(tables, token) for token in tokens]


def build_tables(*, gazetteers: Path, word_case: Path, shapes: Path, min_count: int = 5) -> LexiconTables:
    """Tables from the shipped name lists (``rules/gazetteers``), the raw-text table
    (``rules/lexicon/word-case.tsv.gz``) and the shape lists (``rules/lexicon/features.toml``)."""
    lookup: dict[str, int] = {}

    def mark(word: str, *names: str) -> None:
        folded = word.casefold()
        for name in names:
            lookup[folded] = lookup.get(folded, 0) | _BIT[name]

    for row in list_rows(gazetteers, "first_names.tsv"):
        persons = int(row["persons"])
        mark(row["name"], "first_name")
        for threshold, name in (
            (10_000, "first_name_10k"),
            (1_000, "first_name_1k"),
            (100, "first_name_100"),
        ):
            if persons >= threshold:
                mark(row["name"], name)
                break
        if row["common"] == "1":
            mark(row["name"], "first_name_common")
    for row in list_rows(gazetteers, "surnames.tsv"):
        mark(row["name"], "surname", *(("surname_common",) if row["common"] == "1" else ()))
    kinds = {"locality": "place", "city": "place", "municipality": "municipality"}
    kinds |= {"county": "county", "country": "country"}
    for row in list_rows(gazetteers, "places.tsv"):
        for word in row["name"].split():
            mark(word, kinds.get(row["kind"], "place"))
    for row in list_rows(gazetteers, "agencies.tsv"):
        words = row["name"].split()
        mark(words[0], "agency_head")
        for word in words:
            if word.casefold() not in _FUNCTION_WORDS:
                mark(word, "agency_word")
    for word, counts in load_word_cases(word_case).items():
        total = counts.total
        if total < min_count:
            continue
        share = counts.lower_share
        case = (
            "text_lower_95"
            if share >= 0.95
            else "text_lower_50"
            if share >= 0.5
            else "text_lower_5"
            if share >= 0.05
            else "text_lower_0"
        )
        names = ["text_known", case]
        if counts.mid_capital / total >= 0.5:
            names.append("text_mid_capital_50")
        if total >= 1_000:
            names.append("text_frequent")
        mark(word, *names)
    try:
        organisation = tomllib.loads(shapes.read_text(encoding="utf-8"))["organisation"]
        return LexiconTables(
            lookup=lookup,
            org_suffixes=tuple(str(s).casefold() for s in organisation["suffixes"]),
            org_keywords=frozenset(str(k).casefold() for k in organisation["keywords"]),
            unit_words=frozenset(str(u).casefold() for u in organisation["unit_words"]),
        )
    except KeyError as error:
        raise ConfigError(
            f"{shapes}: missing key {error.args[0]!r} (organisation.suffixes, .keywords, .unit_words)"
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shapes}: {error}") from error
