"""Labelled synthetic Swedish documents: templates filled with Faker ``sv_SE`` and the gazetteers.

A template is a list of lines; each line is a string or a tuple of alternatives (one
is drawn, ``""`` drops the line). Fields in braces are filled while the document is
assembled, so every span's offsets are known exactly, never searched for afterwards:

* ``{a.full}``, ``{a.first}``, ``{a.pnr}`` ... -- person ``a`` of the document, the same
  person wherever ``a`` recurs (see ``_PERSON_FIELDS``);
* ``{date}``, ``{pnr}``, ``{iban}`` ... -- a fresh value each time (see ``_FIELDS``).

Time expressions that only whitespace parts ("fredag kl. 14") become one TME span,
as in the hand-written corpus. Identifiers carry valid check digits (Luhn, mod 97)
and come in the spellings people write. The output depends on the seed and the
gazetteer files alone.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from random import Random

from faker import Faker

from anonymizer.errors import InputError
from anonymizer.gold import GoldDocument, GoldSpan
from anonymizer.validators import iban_check_digits, luhn_check_digit

Piece = tuple[str, str | None]  # text, label (None: not an entity)
Line = str | tuple[str, ...]

REFERENCE_YEAR = 2025  # ages (the "+" of people aged 100 or more) are counted from this year
_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUWXYZ"  # no I, Q, V, Å, Ä, Ö


# ---------------------------------------------------------------- gazetteers


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
        raise InputError(
            f"{path}: gazetteer file missing; point --gazetteers at shared/data/gazetteers"
        ) from None


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


# ---------------------------------------------------------------- identifiers


def pnr(rng: Random, *, coordination: bool = False) -> str:
    """A personnummer (samordningsnummer: day + 60) with a valid check digit, in a random spelling."""
    born = date(1920, 1, 1) + timedelta(days=rng.randrange(365 * 103))
    day = born.day + (60 if coordination else 0)
    nine = f"{born.year % 100:02d}{born.month:02d}{day:02d}{rng.randrange(1000):03d}"
    ten = nine + str(luhn_check_digit(nine))
    century = str(born.year // 100)
    if REFERENCE_YEAR - born.year >= 100:
        return rng.choice([f"{ten[:6]}+{ten[6:]}", f"{century}{ten[:6]}-{ten[6:]}"])
    return rng.choice(
        [
            f"{ten[:6]}-{ten[6:]}",
            f"{ten[:6]}-{ten[6:]}",
            f"{century}{ten[:6]}-{ten[6:]}",
            f"{century}{ten}",
            ten,
        ]
    )


def orgnr(rng: Random) -> str:
    """An organisationsnummer (third digit >= 2, valid Luhn) as NNNNNN-NNNN or ten digits."""
    nine = (
        rng.choice("2557789")
        + str(rng.randrange(10))
        + str(rng.randint(2, 9))
        + f"{rng.randrange(10**6):06d}"
    )
    ten = nine + str(luhn_check_digit(nine))
    return rng.choice([f"{ten[:6]}-{ten[6:]}", f"{ten[:6]}-{ten[6:]}", ten])


def iban(rng: Random) -> str:
    """A Swedish IBAN (24 characters) with valid check digits, in groups of four or compact."""
    bban = rng.choice(["500", "600", "800", "300", "950", "920"]) + f"{rng.randrange(10**17):017d}"
    value = "SE" + iban_check_digits("SE", bban) + bban
    if rng.random() < 0.7:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def bankgiro(rng: Random) -> str:
    """NNN-NNNN or NNNN-NNNN; the last digit is a Luhn check digit."""
    body = str(rng.randrange(10**5, 10**6) if rng.random() < 0.5 else rng.randrange(10**6, 10**7))
    digits = body + str(luhn_check_digit(body))
    return f"{digits[:-4]}-{digits[-4:]}"


def plusgiro(rng: Random) -> str:
    """A plusgiro number (Luhn) in pairs from the right, ``12 34 56-7``, or ``123456-7``."""
    body = str(rng.randrange(10**4, 10**7))
    check = luhn_check_digit(body)
    if rng.random() < 0.2:
        return f"{body}-{check}"
    pairs = [body[max(0, end - 2) : end] for end in range(len(body), 0, -2)]
    return f"{' '.join(reversed(pairs))}-{check}"


def bank_account(rng: Random) -> list[Piece]:
    """Clearing and account number: two spans when words part them, one span when written together."""
    bank = rng.choice(["Swedbank", "Handelsbanken", "SEB", "Nordea"])
    if bank == "Swedbank":
        clearing4 = f"8{rng.randrange(100, 1000)}"
        clearing = f"{clearing4}-{luhn_check_digit(clearing4)}"
        raw = f"{rng.randrange(10**9):09d}"
        account = f"{raw[:3]} {raw[3:6]} {raw[6:]}-{luhn_check_digit(raw)}"
    elif bank == "Handelsbanken":
        clearing = f"6{rng.randrange(100, 1000)}"
        raw = f"{rng.randrange(10**9):09d}"
        account = rng.choice([f"{raw[:3]} {raw[3:6]} {raw[6:]}", raw])
    elif bank == "SEB":
        clearing = f"5{rng.randrange(100, 1000)}"
        raw = f"{rng.randrange(10**7):07d}"
        account = rng.choice([f"{raw[:2]} {raw[2:5]} {raw[5:]}", raw])
    else:
        clearing = f"3{rng.randrange(100, 300)}"
        account = f"{rng.randrange(10**7):07d}"
    style = rng.randrange(3)
    if style == 0:
        return [
            ("clearingnummer ", None),
            (clearing, "BANK"),
            (", kontonummer ", None),
            (account, "BANK"),
            (" (", None),
            (bank, "ORG"),
            (")", None),
        ]
    if style == 1:
        together = f"{clearing}, {account}" if bank == "Swedbank" else f"{clearing}-{account}"
        return [("konto i ", None), (bank, "ORG"), (": ", None), (together, "BANK")]
    return [("kontonr ", None), (bank, "ORG"), (" ", None), (f"{clearing} {account}", "BANK")]


def plate(rng: Random) -> str:
    """A Swedish registration number: ``ABC 123``, ``ABC 12D`` or without the space."""
    letters = "".join(rng.choice(_PLATE_LETTERS) for _ in range(3))
    last = str(rng.randrange(10)) if rng.random() < 0.6 else rng.choice(_PLATE_LETTERS.replace("O", ""))
    tail = f"{rng.randrange(10)}{rng.randrange(10)}{last}"
    return rng.choice([f"{letters} {tail}", f"{letters} {tail}", f"{letters}{tail}"])


def _digits(rng: Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def phone(rng: Random, *, kind: str | None = None) -> str:
    """A Swedish mobile (``kind="mobile"``), landline or foreign number in one of the usual spellings."""
    kind = kind or rng.choice(["mobile", "mobile", "mobile", "landline", "landline", "foreign"])
    if kind == "mobile":
        operator, rest = rng.choice("02369"), _digits(rng, 7)
        grouped = f"{rest[:3]} {rest[3:5]} {rest[5:]}"
        return rng.choice(
            [
                f"07{operator}-{grouped}",
                f"07{operator}-{grouped}",
                f"07{operator}-{rest}",
                f"07{operator}{rest}",
                f"07{operator} {grouped}",
                f"+46 7{operator} {grouped}",
                f"+467{operator}{rest}",
                f"0046 7{operator}-{grouped}",
                f"+46 (0)7{operator}-{grouped}",
            ]
        )
    if kind == "landline":
        if rng.random() < 0.4:
            rest = _digits(rng, 8)
            return rng.choice(
                [
                    f"08-{rest[:3]} {rest[3:6]} {rest[6:]}",
                    f"08-{rest}",
                    f"08-{rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}",
                    f"+46 8 {rest[:3]} {rest[3:6]} {rest[6:]}",
                    f"(08) {rest[:3]} {rest[3:6]} {rest[6:]}",
                ]
            )
        area = rng.choice(["031", "040", "018", "090", "013", "054", "0651", "0980", "0470", "021"])
        rest = _digits(rng, 6 if len(area) == 3 else 5)
        grouped = f"{rest[:2]} {rest[2:4]} {rest[4:]}" if len(rest) == 6 else f"{rest[:3]} {rest[3:]}"
        return rng.choice(
            [
                f"{area}-{grouped}",
                f"{area}-{grouped}",
                f"{area}/{grouped}",
                f"{area}-{rest}",
                f"{area} {rest}",
            ]
        )
    rest = _digits(rng, 8)
    return rng.choice(
        [
            f"+47 {rest[:3]} {rest[3:5]} {rest[5:]}",
            f"+45 {rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}",
            f"+358 40 {rest[:3]} {rest[3:7]}",
            f"+49 30 {rest[:7]}",
            f"0047 {rest}",
        ]
    )


def ascii_fold(text: str) -> str:
    """``Åsa Öberg`` -> ``asa oberg``: how names turn up in e-mail addresses."""
    return "".join(char for char in unicodedata.normalize("NFKD", text.lower()) if char.isascii())


# ---------------------------------------------------------------- one document's people and values


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool
    pnr: str
    mobile: str
    street: str
    postal: str
    email: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


def _genitive(name: str) -> list[Piece]:
    """The genitive -s stays outside the name span (nothing is added after s, x, z)."""
    return [(name, "PER")] if name[-1] in "sxzSXZ" else [(name, "PER"), ("s", None)]


_PERSON_FIELDS: dict[str, Callable[[Person], list[Piece]]] = {
    "full": lambda p: [(p.full, "PER")],
    "first": lambda p: [(p.first, "PER")],
    "last": lambda p: [(p.last, "PER")],
    "first_lc": lambda p: [(p.first.lower(), "PER")],
    "full_gen": lambda p: _genitive(p.full),
    "first_gen": lambda p: _genitive(p.first),
    "last_gen": lambda p: _genitive(p.last),
    "reversed": lambda p: [(f"{p.last}, {p.first}", "PER")],
    "pnr": lambda p: [(p.pnr, "PNR")],
    "mobile": lambda p: [(p.mobile, "PHONE")],
    "email": lambda p: [(p.email, "EMAIL")],
    "street": lambda p: [(p.street, "ADDRESS")],
    "postal": lambda p: [(p.postal, "ADDRESS")],
    "address": lambda p: [(p.street, "ADDRESS"), (", ", None), (p.postal, "ADDRESS")],
    "address_lines": lambda p: [(p.street, "ADDRESS"), ("\n", None), (p.postal, "ADDRESS")],
    "she": lambda p: [("hon" if p.female else "han", None)],
    "her": lambda p: [("henne" if p.female else "honom", None)],
}


class _Document:
    """Everything drawn for one document."""

    def __init__(self, rng: Random, faker: Faker, gazetteers: Gazetteers | None) -> None:
        self.rng = rng
        self.faker = faker
        self.gazetteers = gazetteers
        self.people: dict[str, Person] = {}
        self.day = date(2021, 1, 1) + timedelta(days=rng.randrange(4 * 365))

    def fill(self, name: str, attribute: str | None) -> list[Piece]:
        if attribute is not None:
            return _PERSON_FIELDS[attribute](self.person(name))
        return _FIELDS[name](self)

    # -- names, places, organisations

    def first_name(self, female: bool) -> str:
        rng, gazetteers = self.rng, self.gazetteers
        if gazetteers is not None and rng.random() < 0.7:
            name = (gazetteers.female if female else gazetteers.male).draw(rng)
        else:
            name = str(self.faker.first_name_female() if female else self.faker.first_name_male())
        if "-" not in name and rng.random() < 0.06:
            other = str(self.faker.first_name_female() if female else self.faker.first_name_male())
            if "-" not in other and other != name:
                name = f"{name}-{other}"
        return name

    def last_name(self) -> str:
        if self.gazetteers is not None and self.rng.random() < 0.7:
            return self.gazetteers.surnames.draw(self.rng)
        return str(self.faker.last_name())

    def place(self) -> str:
        if self.gazetteers is not None and self.rng.random() < 0.6:
            return self.rng.choice(self.gazetteers.places)
        return str(self.faker.city())

    def postal(self) -> str:
        code = str(self.faker.postcode())
        code = self.rng.choice([f"{code[:3]} {code[3:]}", f"{code[:3]} {code[3:]}", code])
        town = self.place()
        return f"{code} {town.upper() if self.rng.random() < 0.2 else town}"

    def street(self) -> str:
        letter = self.rng.choice(["", "", "", " A", " B", "B", " C"])
        return f"{self.faker.street_name()} {self.rng.randint(1, 140)}{letter}"

    def person(self, role: str) -> Person:
        if role not in self.people:
            rng = self.rng
            female = rng.random() < 0.5
            first, last = self.first_name(female), self.last_name()
            user = rng.choice(
                [
                    f"{ascii_fold(first)}.{ascii_fold(last)}",
                    f"{ascii_fold(first)}{ascii_fold(last)}{rng.randrange(10, 99)}",
                    f"{ascii_fold(first)[0]}{ascii_fold(last)}",
                    f"{ascii_fold(first)}_{rng.randrange(60, 99)}",
                ]
            ).replace(" ", "")
            self.people[role] = Person(
                first=first,
                last=last,
                female=female,
                pnr=pnr(rng, coordination=rng.random() < 0.08),
                mobile=phone(rng, kind="mobile"),
                street=self.street(),
                postal=self.postal(),
                email=f"{user}@{self.faker.free_email_domain()}",
            )
        return self.people[role]

    def organisation(self, kind: str) -> str:
        """An organisation name of ``kind`` (clinic, company, agency, municipality, school)."""
        rng = self.rng
        if kind == "clinic":
            return rng.choice(
                [
                    f"Vårdcentralen {self.place()}",
                    f"Hälsocentralen {self.place()}",
                    f"{self.place()} lasarett",
                    f"Närakuten {self.place()}",
                    "Sahlgrenska universitetssjukhuset",
                    "Karolinska universitetssjukhuset",
                    "Norrlands universitetssjukhus",
                ]
            )
        if kind == "company":
            return rng.choice(
                [
                    str(self.faker.company()),
                    f"{self.last_name()}s Bygg AB",
                    f"{self.place()} Energi AB",
                    rng.choice(
                        ["Telia", "Ica Maxi", "Elgiganten", "Folksam", "If Skadeförsäkring", "Postnord"]
                    ),
                ]
            )
        if kind == "agency":
            if self.gazetteers is not None and rng.random() < 0.5:
                return rng.choice(self.gazetteers.agencies)
            return rng.choice(
                [
                    "Försäkringskassan",
                    "Skatteverket",
                    "Arbetsförmedlingen",
                    "Kronofogden",
                    "Migrationsverket",
                    "CSN",
                ]
            )
        if kind == "municipality":
            return rng.choice([f"{self.place()} kommun", f"Region {self.place()}", f"{self.place()}hem AB"])
        if kind == "school":
            return rng.choice(
                [f"{self.place()}skolan", f"{self.last_name()}skolan", f"{self.place()}s gymnasium"]
            )
        if kind == "police":
            return "Polisregion " + rng.choice(
                ["Syd", "Väst", "Stockholm", "Nord", "Mitt", "Öst", "Bergslagen"]
            )
        raise ValueError(kind)

    # -- times

    def _near(self, days: int) -> date:
        return self.day + timedelta(days=self.rng.randint(-days, days))

    def date_iso(self) -> str:
        return self._near(40).isoformat()

    def date_written(self) -> str:
        when = self._near(60)
        month = _MONTHS[when.month - 1]
        return self.rng.choice(
            [
                f"{when.day} {month} {when.year}",
                f"den {when.day} {month}",
                f"den {when.day} {month} {when.year}",
                f"{when.day}/{when.month}",
                f"{when.day}/{when.month} {when.year}",
                f"{when.day}.{when.month}.{when.year}",
            ]
        )

    def time(self) -> str:
        hour, minute = self.rng.randint(7, 21), self.rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
        return self.rng.choice(
            [
                f"kl. {hour:02d}.{minute:02d}",
                f"kl {hour}.{minute:02d}",
                f"{hour:02d}:{minute:02d}",
                f"kl. {hour}",
            ]
        )

    def clock(self) -> str:
        return f"{self.rng.randint(6, 23):02d}:{self.rng.randrange(60):02d}"

    def timestamp(self) -> str:
        when = self._near(5).isoformat()
        hour, minute, second = self.rng.randint(0, 23), self.rng.randrange(60), self.rng.randrange(60)
        return self.rng.choice(
            [
                f"{when} {hour:02d}:{minute:02d}:{second:02d}",
                f"{when}T{hour:02d}:{minute:02d}:{second:02d}",
                f"{when} {hour:02d}:{minute:02d}",
            ]
        )

    def past(self) -> str:
        return self.rng.choice(
            [
                "i går",
                "igår",
                "i förrgår",
                "förra veckan",
                "i morse",
                "i fredags",
                "i måndags",
                "förra månaden",
                f"vecka {self.rng.randint(1, 52)}",
                "för två veckor sedan",
                "i somras",
            ]
        )

    def future(self) -> str:
        return self.rng.choice(
            ["i morgon", "imorgon", "nästa vecka", "i kväll", "om tre veckor", "i övermorgon"]
        )

    # -- everything else

    def url(self) -> str:
        domain = self.faker.domain_name()
        return self.rng.choice(
            [
                f"https://www.{domain}/",
                f"https://{domain}/{self.faker.uri_path()}",
                f"www.{domain}",
                f"http://{domain}/kontakt?id={self.rng.randrange(10000)}",
            ]
        )

    def address(self) -> list[Piece]:
        return [(self.street(), "ADDRESS"), (", ", None), (self.postal(), "ADDRESS")]

    def distractor(self, kind: str) -> str:
        """Text that looks like an identifier or a time but is none: case numbers, statutes, amounts."""
        rng, year = self.rng, self.day.year
        choices = {
            "dnr": [
                f"Dnr {year}/{rng.randrange(100, 9999)}",
                f"dnr {rng.choice(['SN', 'KS', 'BUN'])} {year}/{rng.randrange(10, 999)}",
                f"ärendenummer {rng.randrange(10**5, 10**6)}",
            ],
            "law": [
                f"{rng.randint(1, 12)} kap. {rng.randint(1, 30)} § socialtjänstlagen (2001:453)",
                "4 kap. 1 § SoL",
                "SFS 2010:110",
                f"{rng.randint(1, 40)} § förvaltningslagen (2017:900)",
                "3 kap. 5 § patientdatalagen",
            ],
            "amount": [
                f"{rng.randrange(1, 90)} {rng.randrange(1000):03d} kr",
                f"{rng.randrange(100, 999)}:-",
                f"{rng.randrange(100, 9999)} kronor",
            ],
            "article": [
                f"art.nr {rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}",
                f"order {rng.randrange(10**6, 10**7)}",
                f"ärende #{rng.randrange(10**4, 10**5)}",
            ],
        }
        return rng.choice(choices[kind])


def _one(label: str | None, make: Callable[[_Document], str]) -> Callable[[_Document], list[Piece]]:
    return lambda document: [(make(document), label)]


_FIELDS: dict[str, Callable[[_Document], list[Piece]]] = {
    "place": _one("LOC", lambda d: d.place()),
    "country": _one(
        "LOC", lambda d: d.rng.choice(["Norge", "Finland", "Polen", "Syrien", "Irak", "Spanien"])
    ),
    "clinic": _one("ORG", lambda d: d.organisation("clinic")),
    "company": _one("ORG", lambda d: d.organisation("company")),
    "agency": _one("ORG", lambda d: d.organisation("agency")),
    "municipality": _one("ORG", lambda d: d.organisation("municipality")),
    "school": _one("ORG", lambda d: d.organisation("school")),
    "police": _one("ORG", lambda d: d.organisation("police")),
    "orgnr": _one("ORGNR", lambda d: orgnr(d.rng)),
    "pnr": _one("PNR", lambda d: pnr(d.rng)),
    "phone": _one("PHONE", lambda d: phone(d.rng)),
    "landline": _one("PHONE", lambda d: phone(d.rng, kind="landline")),
    "email": _one(
        "EMAIL", lambda d: str(d.faker.email() if d.rng.random() < 0.5 else d.faker.company_email())
    ),
    "url": _one("URL", lambda d: d.url()),
    "ip": _one("IP", lambda d: str(d.faker.ipv4_public())),
    "ipv6": _one("IP", lambda d: str(d.faker.ipv6())),
    "iban": _one("BANK", lambda d: iban(d.rng)),
    "bankgiro": _one("BANK", lambda d: bankgiro(d.rng)),
    "plusgiro": _one("BANK", lambda d: plusgiro(d.rng)),
    "account": lambda d: bank_account(d.rng),
    "reg": _one("REG", lambda d: plate(d.rng)),
    "address": lambda d: d.address(),
    "date": _one("TME", lambda d: d.date_iso()),
    "date_written": _one("TME", lambda d: d.date_written()),
    "time": _one("TME", lambda d: d.time()),
    "clock": _one("TME", lambda d: d.clock()),
    "timestamp": _one("TME", lambda d: d.timestamp()),
    "weekday": _one("TME", lambda d: d.rng.choice(_WEEKDAYS)),
    "past": _one("TME", lambda d: d.past()),
    "future": _one("TME", lambda d: d.future()),
    "dnr": _one(None, lambda d: d.distractor("dnr")),
    "law": _one(None, lambda d: d.distractor("law")),
    "amount": _one(None, lambda d: d.distractor("amount")),
    "article": _one(None, lambda d: d.distractor("article")),
    "number": _one(None, lambda d: str(d.rng.randint(2, 9))),
}
_FIELD = re.compile(r"\{([a-z_]+)(?:\.([a-z_]+))?\}")


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    kind: str
    lines: tuple[Line, ...]


TEMPLATES: tuple[Template, ...] = (
    Template(
        "journalanteckning",
        (
            ("Journalanteckning", "JOURNALANTECKNING \u2013 besök", "Anteckning, mottagningsbesök"),
            "Patient: {a.full}, {a.pnr}",
            ("Datum: {date} {time}", "Besöksdatum: {date_written}", "{timestamp}"),
            (
                "{a.first} söker för hosta sedan {past}. Kommer tillsammans med sin dotter {b.full}.",
                "Pat. kommer på egen hand. Hosta och feber sedan {weekday}, {a.she} har jobbat ändå.",
                "{a.full} inkommer med {b.full} efter fall i hemmet {past}.",
                "Patienten söker på inrådan av {agency} efter yrsel {past}.",
            ),
            (
                "Status: Opåverkad. Lungor: normala andningsljud. Temp 38,2.",
                "Status: AT gott, cor rr, inga blåsljud. BT 145/90.",
                "Ont vid palpation höger fotled, ingen felställning.",
            ),
            (
                "Bedömning: trol. virusinfektion. Åter vid försämring.",
                "Rtg beställd. Remiss till ortopeden på {clinic}.",
                "Anhörig {b.first} nås på {b.mobile} om något behöver meddelas.",
            ),
            ("", "Nästa kontroll {date_written} {time}.", "Ny tid {weekday} {time} hos dr {c.last}."),
            ("/{c.full}, leg. läkare", "Dikterat av dr {c.last}, utskrivet av {d.full}", "Sign. {c.full}"),
        ),
    ),
    Template(
        "epikris",
        (
            "EPIKRIS",
            "{a.reversed}   {a.pnr}",
            "Inskriven {date}, utskriven {date}. Avdelning 14, {clinic}.",
            (
                "{b.full} larmade 112 sedan {a.first} hittats medvetslös i hemmet på {a.street} i {place}.",
                "{a.full} kom in via akuten efter att ha ramlat på {place} station.",
            ),
            (
                "Under vårdtiden har {a.first} behandlats med antibiotika intravenöst.",
                "{a.first} har mobiliserats med hjälp av fysioterapeut {c.full}.",
            ),
            ("Kontaktperson: {b.full}, tel. {b.mobile}.", "Anhörig: {b.first} ({b.mobile})", ""),
            "Uppföljning på vårdcentralen. Recept enligt läkemedelslistan.",
            ("{d.full}, överläkare", "Med vänlig hälsning\n{d.full}\nÖverläkare, {clinic}"),
        ),
    ),
    Template(
        "remiss",
        (
            "Remiss till {clinic}",
            "Avsändare: {c.full}, distriktsläkare, {clinic}, tel {landline}",
            "Gäller: {a.full}, {a.pnr}, {a.address}",
            ("Tel. patient: {a.mobile}", "Mobil: {a.mobile}, e-post {a.email}"),
            (
                "Frågeställning: Utredning av återkommande buksmärtor sedan {date_written}.",
                "Fråga: hörselnedsättning vänster öra, debut {past}.",
            ),
            "Tolk behövs ej. Patienten är informerad och samtycker till remissen.",
            "{date}",
        ),
    ),
    Template(
        "beslut",
        (
            "{municipality}",
            "{dnr}",
            "{a.full}\n{a.address_lines}",
            "Beslut om ekonomiskt bistånd",
            (
                "Du har ansökt om ekonomiskt bistånd för {date_written}. Du beviljas {amount} enligt {law}.",
                "Din ansökan om bostadsanpassning, inkommen {date}, avslås med stöd av {law}.",
            ),
            (
                "Pengarna betalas ut till ditt konto, {account}, en gång i månaden.",
                "Beloppet betalas till {iban}.",
                "",
            ),
            "Handläggare: {c.full}, tel. {landline}, e-post {c.email}",
            "Så här överklagar du: se bilagan.",
        ),
    ),
    Template(
        "brev-kommun",
        (
            "{municipality}\n{address}",
            "{place} {date}",
            "Till {a.full}, {a.street}",
            (
                "Hej {a.first}! Vi bekräftar att ditt barn har fått plats på {school} från {date_written}.",
                "Hej! Din ansökan om parkeringstillstånd för bil {reg} har kommit in.",
                "Vi har tagit emot din anmälan om hemtjänst för {b.full}.",
            ),
            (
                "Avgiften, {amount}, betalas till bankgiro {bankgiro}. Ange OCR-nummer på inbetalningen.",
                "Har du frågor kan du ringa {c.first} på {phone}.",
                "Läs mer på {url}.",
            ),
            "Med vänliga hälsningar\n{c.full}\nhandläggare",
        ),
    ),
    Template(
        "klagomal",
        (
            "Till kundtjänst på {company}",
            (
                "Jag vill klaga på hanteringen av mitt ärende ({article}). Jag ringde {past} och "
                "{date_written} men ingen har återkommit.",
                "Hej. Jag beställde en tvättmaskin {date_written} och den har fortfarande inte kommit.",
            ),
            (
                "Er medarbetare {b.first} lovade att någon skulle höra av sig senast {weekday}.",
                "Jag har pratat med {b.full} två gånger utan resultat.",
            ),
            "Jag vill ha tillbaka {amount} till mitt konto, {account}.",
            "Mvh {a.full}\n{a.address_lines}\n{a.mobile}\n{a.email}",
        ),
    ),
    Template(
        "anstallningsintyg",
        (
            "ANSTÄLLNINGSINTYG",
            "{company}, org.nr {orgnr}",
            "Härmed intygas att {a.full}, personnummer {a.pnr}, har varit anställd hos oss som "
            "undersköterska från {date_written} till {date_written}.",
            (
                "{a.first} har utfört sina arbetsuppgifter väl och vi rekommenderar {a.her} varmt.",
                "Anställningen var en tillsvidareanställning på heltid. "
                "{a.last_gen} sista arbetsdag var {date}.",
            ),
            "{place} {date}",
            "{c.full}\nPersonalchef\n{landline}",
        ),
    ),
    Template(
        "e-post",
        (
            "Från: {a.full} <{a.email}>",
            "Till: {c.email}",
            "Skickat: {weekday} {date_written} {time}",
            "Ämne: Ang. mötet",
            ("Hej {c.first}!", "Hej {c.first},", "Hejsan,"),
            (
                "Tack för senast. Jag bifogar protokollet från mötet med {company} {past}.",
                "Kan vi flytta vårt möte till {weekday} {time}? {b.first} kan inte före lunch.",
                "Jag har pratat med {b.full} på {company} och de skickar fakturan till {email}.",
            ),
            ("Ring mig gärna på {a.mobile} om något är oklart.", "Mer info finns på {url}", ""),
            "Vänliga hälsningar\n{a.full}\n{company}\nTel: {landline}\nMobil: {a.mobile}",
        ),
    ),
    Template(
        "chatt",
        (
            "[{clock}] {a.first_lc}: hej! är du hemma {future}?",
            (
                "[{clock}] {b.first_lc}: ja efter jobbet typ",
                "[{clock}] {b.first}: nej jobbar sent, ring {b.mobile}",
            ),
            (
                "[{clock}] {a.first_lc}: ok. {c.first} undrar om vi ska ta bilen till {place}",
                "[{clock}] {a.first_lc}: har du {c.first_gen} nya nummer? {c.mobile} funkar inte",
            ),
            (
                "[{clock}] {b.first_lc}: skicka swish till {a.mobile} så fixar jag",
                "[{clock}] {b.first_lc}: 👍",
            ),
            ("[{clock}] {a.first_lc}: pussss", "[{clock}] {a.first_lc}: ses på {weekday}!", ""),
        ),
    ),
    Template(
        "sms",
        (
            (
                "Hej {a.first}! Din tid hos {clinic} {weekday} {time} är bekräftad. Avbokning: {landline}",
                "Påminnelse: tid för vaccination {date} {time}, {clinic}. Svara ej på detta sms.",
            ),
            (
                "hej mamma det är {b.first}, nytt nr. kan du swisha till {b.mobile}?",
                "Hej, {b.full} här från {agency}. Ring mig när du kan på {b.mobile}",
            ),
            ("", "ok / {a.first_lc}"),
        ),
    ),
    Template(
        "polisanmalan",
        (
            "Polisanmälan {dnr}",
            "Anmälningsdatum: {timestamp}",
            "Brottsplats: {address}",
            "Målsägande: {a.full}, {a.pnr}, tel. {a.mobile}",
            ("Misstänkt: {b.full}, {b.pnr}", "Misstänkt: okänd gärningsperson"),
            (
                "Målsäganden uppger att plånboken försvann {past} {time} på bussen mot {place}. "
                "I plånboken fanns körkort och bankkort.",
                "Målsäganden hade parkerat sin bil, en grå Volvo med regnr {reg}, utanför bostaden. "
                "När {a.she} kom tillbaka {past} var bilen borta.",
                "Enligt {a.first} har {b.first} skickat hotfulla sms från nummer {phone} "
                "sedan {date_written}.",
            ),
            ("Vittne: {c.full}, {c.mobile}", ""),
            "Upptagen av: inspektör {d.last}, {police}",
        ),
    ),
    Template(
        "hr-anteckning",
        (
            "HR-anteckning \u2013 medarbetarsamtal",
            "Medarbetare: {a.full} ({article})",
            "Närvarande: {a.first}, chef {b.full}, HR {c.full}",
            "Datum: {date}",
            (
                "{a.first} har varit sjukskriven sedan {date_written}. Rehabplan upprättas tillsammans med "
                "företagshälsovården ({company}).",
                "Samtalet gällde {a.first_gen} önskemål om att gå ner i tid till 80 % från {date_written}.",
            ),
            ("Lön utbetalas till {account} enligt tidigare.", "Ny bankinfo: {iban}", ""),
            "Nästa uppföljning {date_written}. Ansvarig: {b.first}.",
        ),
    ),
    Template(
        "skolanteckning",
        (
            "{school} \u2013 anteckning elevhälsan",
            "Elev: {a.full}, klass {number}B, {a.pnr}",
            "Vårdnadshavare: {b.full}, {b.mobile}, {b.email}",
            (
                "{a.first} har haft hög frånvaro sedan {past}. Mentor {c.full} har haft kontakt med hemmet.",
                "Kurator {c.first} träffade {a.first} {weekday} {time}. "
                "{a.first} berättar att det är stökigt hemma.",
            ),
            ("Möte med vårdnadshavare bokat {date_written} {time}.", "Orosanmälan övervägs enligt {law}."),
        ),
    ),
    Template(
        "kundtjanst",
        (
            "Ärendelogg \u2013 {company}",
            "{timestamp} Inkommande samtal från {a.full}, kundnr {article}.",
            (
                "{timestamp} Kunden vill byta adress till {a.address}.",
                "{timestamp} Kunden bestrider faktura på {amount}. "
                "Betalt till plusgiro {plusgiro} enligt kunden.",
                "{timestamp} Kunden har fått sms från okänt nummer {phone} som påstår sig vara från oss.",
            ),
            "{timestamp} Verifierad med personnummer {a.pnr}. Bekräftelse skickad till {a.email}.",
            ("{timestamp} Ärendet stängt av {b.full}.", "{timestamp} Eskalerat till {b.full}, 2nd line."),
        ),
    ),
    Template(
        "it-incident",
        (
            "Incidentrapport {article}",
            "Rapporterad: {timestamp} av {a.full} ({a.email})",
            (
                "Misslyckade inloggningsförsök mot VPN från {ip} och {ip}.",
                "Kontot för {a.full} låstes efter fem misslyckade försök från {ipv6}.",
                "Phishingmejl från {email} med länk till {url}.",
            ),
            "Åtgärd: kontot spärrat {time}, lösenord återställt. Kontakt: servicedesk {landline}.",
            ("Handläggare: {b.full}", "Stängd {date} av {b.first}."),
        ),
    ),
    Template(
        "faktura",
        (
            "{company}\n{address}\nOrg.nr {orgnr}",
            "FAKTURA {article}",
            "Kund: {a.full}\n{a.address_lines}",
            "Fakturadatum: {date}   Förfallodatum: {date}",
            "Att betala: {amount}",
            (
                "Betala till bankgiro {bankgiro} eller plusgiro {plusgiro}.",
                "Betalning från utlandet: IBAN {iban}, BIC HANDSESS.",
                "Bankgiro: {bankgiro}",
            ),
            "Frågor om fakturan: {email} eller {landline}.",
        ),
    ),
    Template(
        "uppsagning-hyresavtal",
        (
            "Uppsägning av hyresavtal",
            "Hyresvärd: {municipality}, org.nr {orgnr}",
            "Hyresgäst: {a.full}, {a.pnr}",
            "Lägenhet: {a.address}",
            "Jag säger härmed upp mitt hyresavtal. Sista dag för avflyttning är {date_written}.",
            ("Besiktning kan ske {weekday} {time}. Nå mig på {a.mobile}.", "Nycklar lämnas till {b.full}."),
            "Depositionen ({amount}) återbetalas till {account}.",
            "{place} {date}\n{a.full}",
        ),
    ),
    Template(
        "skadeanmalan",
        (
            "Skadeanmälan \u2013 {company}",
            "Försäkringstagare: {a.full} ({a.pnr})",
            ("Fordon: {reg}", "Registreringsnummer: {reg}"),
            (
                "Kollision {past} {time} på {address}. Motpart {b.full}, bil {reg}, tel {b.mobile}.",
                "Inbrott i bostaden {date_written}. Anmält till polisen {date}.",
            ),
            (
                "Ersättning betalas till {iban}.",
                "Ersättning betalas till {account}.",
                "Utbetalning via {bankgiro}.",
            ),
            "Handläggare {c.full}, {c.email}",
        ),
    ),
)


def _assemble(template: Template, document: _Document) -> tuple[str, list[GoldSpan]]:
    """Text and spans of ``template`` filled for ``document``; offsets counted while appending."""
    parts: list[str] = []
    spans: list[GoldSpan] = []
    length = 0
    gap = ""  # plain text since the last span

    def append(text: str, label: str | None) -> None:
        nonlocal length, gap
        if label and label == "TME" and spans and spans[-1].label == "TME" and gap.strip(" ") == "" and gap:
            spans[-1] = GoldSpan(spans[-1].start, length + len(text), label)  # "fredag kl. 14": one span
        elif label:
            spans.append(GoldSpan(length, length + len(text), label))
        gap = "" if label else gap + text
        parts.append(text)
        length += len(text)

    lines = [document.rng.choice(line) if isinstance(line, tuple) else line for line in template.lines]
    for number, line in enumerate(line for line in lines if line):
        if number:
            append("\n", None)
        position = 0
        for match in _FIELD.finditer(line):
            append(line[position : match.start()], None)
            for text, label in document.fill(match.group(1), match.group(2)):
                append(text, label)
            position = match.end()
        append(line[position:], None)
    return "".join(parts), spans


def template_fields(template: Template) -> set[tuple[str, str | None]]:
    """The ``(name, attribute)`` of every field of a template (to check templates)."""
    fields: set[tuple[str, str | None]] = set()
    for line in template.lines:
        for alternative in line if isinstance(line, tuple) else (line,):
            fields.update((m.group(1), m.group(2)) for m in _FIELD.finditer(alternative))
    return fields


def known_field(name: str, attribute: str | None) -> bool:
    return attribute in _PERSON_FIELDS if attribute is not None else name in _FIELDS


def generate(
    count: int, *, seed: int, gazetteers: Gazetteers | None = None, templates: Sequence[Template] = TEMPLATES
) -> Iterator[GoldDocument]:
    """``count`` labelled documents, the same ones for the same seed and gazetteers.

    The first ``len(templates)`` documents use every template once; later ones draw.
    """
    rng = Random(seed)
    faker = Faker("sv_SE")
    faker.seed_instance(seed)
    for index in range(count):
        template = templates[index] if index < len(templates) else rng.choice(templates)
        text, spans = _assemble(template, _Document(rng, faker, gazetteers))
        yield GoldDocument(f"syn-{seed}-{index:05d}", template.kind, text, tuple(spans))
