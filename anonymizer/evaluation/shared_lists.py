"""The shared name and place lists (``shared/data/gazetteers``) that the synthetic documents
may draw from besides Faker."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from random import Random

from anonymizer.errors import InputError


@dataclass(frozen=True)
class NameList:
    """Names and their cumulative weights (number of bearers), for ``Random.choices``."""

    names: tuple[str, ...]
    cumulative: tuple[int, ...]

    @classmethod
    def of(cls, counts: dict[str, int]) -> NameList:
        return cls(tuple(counts), tuple(accumulate(counts.values())))

    def draw(self, rng: Random) -> str:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


@dataclass(frozen=True)
class Gazetteers:
    """Name and place lists of ``shared/data/gazetteers`` (see its README for the columns)."""

    female: NameList
    male: NameList
    surnames: NameList
    places: tuple[str, ...]
    agencies: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path, *, min_persons: int = 50) -> Gazetteers:
        """Read the lists; first names borne by fewer than ``min_persons`` people are left out."""
        places = [row["name"].removesuffix(" kommun") for row in _rows(folder / "kommuner.csv", ",")]
        places += [row["city"] for row in _rows(folder / "ortsnamn.csv", ",")]
        agencies = [row["name"] for row in _rows(folder / "myndigheter.tsv", "\t")]
        return cls(
            female=NameList.of(_names(folder / "tilltalsnamn-kvinnor.csv", "name", "persons", min_persons)),
            male=NameList.of(_names(folder / "tilltalsnamn-man.csv", "name", "persons", min_persons)),
            surnames=NameList.of(_names(folder / "efternamn-top1000.csv", "lastname", "frequency", 0)),
            places=tuple(sorted({place for place in places if place})),
            agencies=tuple(sorted({agency for agency in agencies if agency})),
        )


_NAME = re.compile(r"[A-ZÅÄÖÉ][a-zåäöéèüáí]+(?:-[A-ZÅÄÖÉ][a-zåäöéèüáí]+)?")


def _rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter=delimiter))
    except FileNotFoundError:
        raise InputError(f"{path}: gazetteer file missing; give the folder shared/data/gazetteers") from None


def _names(path: Path, name_column: str, count_column: str, minimum: int) -> dict[str, int]:
    names: dict[str, int] = {}
    for number, row in enumerate(_rows(path, ","), start=2):
        try:
            name, count = row[name_column], int(row[count_column])
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"{path}: line {number}: expected columns {name_column},{count_column} (an integer)"
            ) from None
        if count >= minimum and _NAME.fullmatch(name):
            names[name] = count
    if not names:
        raise InputError(f"{path}: no usable names in this file")
    return names
