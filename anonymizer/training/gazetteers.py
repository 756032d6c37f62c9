"""Build the shipped name lists (``rules/gazetteers/``) from ``../shared/data``.

The shared lists are large and full of ordinary words (Björn, Bo, Rosa, Sten, Per).
What ships is a filtered derivative: names that enough people carry, each marked
``common`` when the raw Swedish text uses it in lower case often enough that a
capitalised occurrence alone proves nothing (sentence starts, headings). The
detector (``anonymizer.detectors.gazetteer``) asks more context of common names.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A name is common when its lower-case form makes up at least this share of its
# occurrences in the raw text, and occurs at least COMMON_MIN_LOWER times.
COMMON_SHARE = 0.05
COMMON_MIN_LOWER = 3
# A one-word agency name is taken in any case when less than this share of its
# occurrences in the raw text is in lower case.
ANY_CASE_SHARE = 0.3
# Ordinary words that the raw text (parliament, statutes, old novels) rarely writes
# in lower case, but everyday Swedish does: they are marked common all the same.
EXTRA_COMMON = frozenset(
    """
    rosa lind ek björk ros viol sol vår maj lycka hed dal ström holm strand lund gran
    berg sten björn stig bo per vid till mark hammar frid hjort falk örn svala tall
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class GazetteerSettings:
    min_first_name_bearers: int = 20  # tilltalsnamn carried by at least this many people
    text_files: tuple[str, ...] = ("interpellations.txt.gz", "sfs_statutes.txt.gz", "eltec_swe.txt.gz")


def _rows(path: Path, *, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def _count(value: str) -> int:
    return int(value.replace(" ", "").replace("\u00a0", "") or 0)


def word_case_counts(paths: Iterable[Path], vocabulary: set[str]) -> tuple[Counter[str], Counter[str]]:
    """Lower-case and capitalised occurrences of the (lower-cased) words in ``vocabulary``."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                for word in _WORD.findall(line):
                    folded = word.lower()
                    if folded not in vocabulary:
                        continue
                    if word == folded:
                        lower[folded] += 1
                    elif word[0].isupper():
                        capital[folded] += 1
    return lower, capital


def _any_case(name: str, lower: Counter[str], capital: Counter[str]) -> bool:
    """A one-word name the raw text seldom writes in lower case ("Försäkringskassan", not
    "Polisen"): the gazetteer takes it in any case ("försäkringskassan", "SKATTEVERKET")."""
    folded = name.lower()
    seen = lower[folded] + capital[folded]
    return " " not in name and seen > 0 and lower[folded] < ANY_CASE_SHARE * seen


def _is_common(name: str, lower: Counter[str], capital: Counter[str]) -> bool:
    folded = name.lower()
    if folded in EXTRA_COMMON:
        return True
    low = lower[folded]
    return low >= COMMON_MIN_LOWER and low >= COMMON_SHARE * (low + capital[folded])


def build_gazetteers(
    data_root: Path, out: Path, *, settings: GazetteerSettings | None = None
) -> dict[str, int]:
    """Write first_names.tsv, surnames.tsv, places.tsv and agencies.tsv; returns rows per file."""
    settings = settings or GazetteerSettings()
    source = data_root / "gazetteers"
    genders: dict[str, set[str]] = {}
    bearers: Counter[str] = Counter()
    for gender, name in (("f", "tilltalsnamn-kvinnor.csv"), ("m", "tilltalsnamn-man.csv")):
        for row in _rows(source / name):
            first = row["name"].strip()
            if _count(row["persons"]) >= settings.min_first_name_bearers and _WORD.fullmatch(first):
                genders.setdefault(first, set()).add(gender)
                bearers[first] += _count(row["persons"])
    surnames = [row["lastname"].strip() for row in _rows(source / "efternamn-top1000.csv")]
    places: dict[str, str] = {}
    for row in _rows(source / "lander.csv"):
        places.setdefault(row["country"].strip(), "country")
        if row["capital"].strip():
            places.setdefault(row["capital"].strip(), "city")
    for row in _rows(source / "lan.csv"):
        places.setdefault(row["name"].strip(), "county")
        places.setdefault(row["residencetown"].strip(), "city")
    localities = {row["city"].strip() for row in _rows(source / "ortsnamn.csv")}
    for row in _rows(source / "kommuner.csv"):
        municipality = row["name"].strip()
        places.setdefault(municipality, "municipality")
        short = _municipality_short_name(municipality, localities)
        if short:
            places.setdefault(short, "municipality")
    for locality in localities:
        places.setdefault(locality, "locality")
    agencies = sorted({row["name"].strip() for row in _rows(source / "myndigheter.tsv", delimiter="\t")})

    single_words = {name.lower() for name in [*genders, *surnames, *places, *agencies] if " " not in name}
    lower, capital = word_case_counts(
        (data_root / "text" / name for name in settings.text_files), single_words
    )

    out.mkdir(parents=True, exist_ok=True)
    written = {
        "first_names.tsv": _write(
            out / "first_names.tsv",
            ("name", "gender", "persons", "lower_case_uses", "common"),
            (
                (
                    name,
                    "".join(sorted(kinds)),
                    str(bearers[name]),
                    str(lower[name.lower()]),
                    _flag(_is_common(name, lower, capital)),
                )
                for name, kinds in sorted(genders.items())
            ),
        ),
        "surnames.tsv": _write(
            out / "surnames.tsv",
            ("name", "common"),
            ((name, _flag(_is_common(name, lower, capital))) for name in sorted(set(surnames))),
        ),
        "places.tsv": _write(
            out / "places.tsv",
            ("name", "kind", "common"),
            (
                (name, kind, _flag(" " not in name and _is_common(name, lower, capital)))
                for name, kind in sorted(places.items())
                if name
            ),
        ),
        "agencies.tsv": _write(
            out / "agencies.tsv",
            ("name", "any_case"),
            ((name, _flag(_any_case(name, lower, capital))) for name in agencies if name),
        ),
    }
    return written


def _municipality_short_name(name: str, localities: set[str]) -> str | None:
    """ "Mölndals stad" -> "Mölndal", "Hultsfreds kommun" -> "Hultsfred", "Borås kommun" -> "Borås".

    None where the short form is no place name of its own ("Falu kommun" is Falun).
    """
    short = name.removesuffix(" kommun").removesuffix(" stad")
    if short == name or " " in short:
        return None
    if short in localities:
        return short
    if short.endswith("s"):  # the genitive of "X kommun", "X stad"
        return short[:-1]
    return None


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _write(path: Path, header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")
            count += 1
    return count
