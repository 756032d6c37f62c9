"""The Swedish common-word table: how the raw text writes each word (``rules/lexicon/word-case.tsv.gz``).

Built by ``anonymizer build-lexicon`` (:mod:`anonymizer.training.common_words`).
Loaded once. The strict preset asks it whether a capitalised word is known to be
an ordinary word; the tagger's lexicon features ask it how a word is written.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from anonymizer.config import shipped_file
from anonymizer.errors import ConfigError

WORD_CASE_FILE = "lexicon/word-case.tsv.gz"


class WordCase(NamedTuple):
    """A tuple, not a dataclass: 120,000 of them are made at every start."""

    total: int
    lower: int  # written all in lower case
    mid_capital: int  # capitalised in the middle of a sentence

    @property
    def lower_share(self) -> float:
        return self.lower / self.total


class WordCases(Mapping[str, WordCase]):
    """Lower-cased word form -> its counts, each row parsed when it is first asked for:
    a start of `anonymize` asks for a few hundred of the 120,000."""

    def __init__(self, rows: dict[str, str], columns: tuple[int, int, int]) -> None:
        self._rows = rows  # word -> the rest of its line
        self._columns = columns  # total, lower, mid_capital among the rest's fields

    def __getitem__(self, word: str) -> WordCase:
        fields = self._rows[word].split("\t")
        total, lower, mid = self._columns
        return WordCase(int(fields[total]), int(fields[lower]), int(fields[mid]))

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@lru_cache(maxsize=2)
def load_word_cases(path: Path | None = None) -> WordCases:
    """The table of ``path`` (default: the shipped one); the word comes first on each line."""
    path = path or shipped_file("rules", WORD_CASE_FILE)
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = handle.read().split("\n")
        header = lines[0].split("\t")
        if header[0] != "word":
            raise ValueError(f"the first column is {header[0]!r}, not 'word'")
        # Split off the word only: parsing every row (csv and a dataclass each) took half
        # a second at every start of `anonymize` (the tagger repairs read the table).
        columns = tuple(header.index(name) - 1 for name in ("total", "lower", "mid_capital"))
        rows = dict(line.split("\t", 1) for line in lines[1:] if line)
        table = WordCases(rows, (columns[0], columns[1], columns[2]))
        first = next(iter(rows), None)
        if first is not None:
            table[first]  # the first row parses, or the file is no table
    except (OSError, StopIteration, IndexError, ValueError, TypeError) as error:
        raise ConfigError(f"{path}: not a word-case table ({type(error).__name__}: {error})") from error
    return table
