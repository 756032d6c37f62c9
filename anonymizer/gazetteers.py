"""The shipped name lists (``rules/gazetteers/*.tsv``, built by ``anonymizer build-gazetteers``).

Used by the gazetteer detector (as a recall aid with context) and by the
surrogate operator (the gender of a first name).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from anonymizer.config import shipped_file

# A first name is taken in lower case only if this many people carry it, it has four
# letters or more and the raw text never writes it in lower case.
LOWER_CASE_MIN_BEARERS = 2000
# A first name that is also an ordinary word and has fewer bearers than this ("Till",
# "Mentor") is read as the word when another name follows it ("Till Eva Nilsson").
RARE_NAME_BEARERS = 500


@dataclass(frozen=True)
class NameLists:
    first_names: frozenset[str]
    common_first_names: frozenset[str]
    genders: Mapping[str, str]  # casefolded first name -> "f", "m" or "fm"
    bearers: Mapping[str, int]  # first name -> how many people carry it
    lower_case_names: frozenset[str]  # names safe to take even in lower case ("jonas" in a chat)
    surnames: frozenset[str]  # common words left out
    all_surnames: frozenset[str]
    places: tuple[str, ...]  # longest first, common words left out
    all_places: frozenset[str]
    agencies: tuple[str, ...]  # longest first
    any_case_agencies: frozenset[str] = frozenset()  # case-folded one-word agencies taken in any case

    @cached_property
    def folded_first_names(self) -> frozenset[str]:
        return frozenset(name.casefold() for name in self.first_names)

    @cached_property
    def folded_surnames(self) -> frozenset[str]:
        """Every listed surname, case-folded (also those that are common words)."""
        return frozenset(name.casefold() for name in self.all_surnames)

    def rare_word_name(self, word: str) -> bool:
        """Whether ``word`` (in any case) is an ordinary word that few people carry as a first name."""
        name = word[:1].upper() + word[1:].lower()
        return name in self.common_first_names and self.bearers.get(name, 0) < RARE_NAME_BEARERS


def list_rows(folder: Path, name: str) -> Iterator[dict[str, str]]:
    """The rows of one shipped list (``folder/name``, tab-separated with a header)."""
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


def gazetteer_folder() -> Path:
    return shipped_file("rules", "gazetteers/first_names.tsv").parent


@lru_cache(maxsize=4)
def load_name_lists(folder: Path | None = None) -> NameLists:
    folder = folder or gazetteer_folder()

    first, common, genders, bearers, lower_case = set(), set(), {}, {}, set()
    for row in list_rows(folder, "first_names.tsv"):
        first.add(row["name"])
        bearers[row["name"]] = int(row["persons"])
        genders[row["name"].casefold()] = row["gender"]
        if row["common"] == "1":
            common.add(row["name"])
        elif (
            int(row["persons"]) >= LOWER_CASE_MIN_BEARERS
            and int(row["lower_case_uses"]) == 0
            and len(row["name"]) >= 4
        ):
            lower_case.add(row["name"].casefold())
    surname_rows = list(list_rows(folder, "surnames.tsv"))
    surnames = {row["name"] for row in surname_rows if row["common"] == "0"}
    place_rows = list(list_rows(folder, "places.tsv"))
    places = {row["name"] for row in place_rows if row["common"] == "0"}
    agency_rows = list(list_rows(folder, "agencies.tsv"))
    agencies = {row["name"] for row in agency_rows}
    any_case = frozenset(row["name"].casefold() for row in agency_rows if row.get("any_case") == "1")
    return NameLists(
        first_names=frozenset(first),
        common_first_names=frozenset(common),
        genders=genders,
        bearers=bearers,
        lower_case_names=frozenset(lower_case - {place.casefold() for place in places}),
        surnames=frozenset(surnames),
        all_surnames=frozenset(row["name"] for row in surname_rows),
        places=tuple(sorted(places, key=len, reverse=True)),
        all_places=frozenset(row["name"] for row in place_rows),
        agencies=tuple(sorted(agencies, key=len, reverse=True)),
        any_case_agencies=any_case,
    )
