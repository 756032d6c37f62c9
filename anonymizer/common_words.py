"""The Swedish common-word table: how the raw text writes each word (``rules/lexicon/word-case.tsv.gz``).

Built by ``anonymizer build-lexicon`` (:mod:`anonymizer.training.common_words`).
Loaded once. The strict preset asks it whether a capitalised word is known to be
an ordinary word; the tagger's lexicon features ask it how a word is written.
"""

from __future__ import annotations

import gzip
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


@lru_cache(maxsize=2)
def load_word_cases(path: Path | None = None) -> dict[str, WordCase]:
    """Lower-cased word form -> its counts."""
    path = path or shipped_file("rules", WORD_CASE_FILE)
    table: dict[str, WordCase] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = handle.read().split("\n")
        # Columns by position, split by hand: csv and a dataclass per row took half a
        # second at every start of `anonymize` (the tagger repairs read the table).
        word, total, lower, mid = map(lines[0].split("\t").index, ("word", "total", "lower", "mid_capital"))
        for line in lines[1:]:
            if line:
                row = line.split("\t")
                table[row[word]] = WordCase(int(row[total]), int(row[lower]), int(row[mid]))
    except (OSError, StopIteration, IndexError, ValueError, TypeError) as error:
        raise ConfigError(f"{path}: not a word-case table ({type(error).__name__}: {error})") from error
    return table
