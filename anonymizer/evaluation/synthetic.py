"""Labelled synthetic Swedish documents: templates filled with Faker ``sv_SE`` and the gazetteers.

The templates (``rules/synthetic/templates.toml``) are lines with fields in braces,
filled while the document is assembled, so every span's offsets are known exactly,
never searched for afterwards:

* ``{a.full}``, ``{a.first}``, ``{a.pnr}`` ... -- person ``a`` of the document, the same
  person wherever ``a`` recurs (see ``_PERSON_FIELDS``);
* ``{date}``, ``{pnr}``, ``{iban}`` ... -- a fresh value each time (see ``_FIELDS``).

Time expressions that only whitespace parts ("fredag kl. 14") become one TME span,
as in the hand-written corpus. Identifiers (``identifiers``) carry valid check digits
and come in the spellings people write. The output depends on the seed, the template
file and the gazetteer files alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from random import Random

from faker import Faker

from anonymizer.evaluation.gold import GoldDocument, GoldSpan
from anonymizer.evaluation.identifiers import (
    Piece,
    ascii_fold,
    bank_account,
    bankgiro,
    iban,
    orgnr,
    phone,
    plate,
    plusgiro,
    pnr,
)
from anonymizer.evaluation.shared_lists import Gazetteers
from anonymizer.evaluation.templates import FIELD, Template, read_templates, templates_path
from anonymizer.lexicon import load_lexicon

_MONTHS = load_lexicon().months
_WEEKDAYS = load_lexicon().weekdays


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


@cache
def load_templates(path: Path | None = None) -> tuple[Template, ...]:
    """The templates of ``path`` (default: the shipped file), every field checked."""
    return read_templates(path or templates_path(), known=known_field)


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
        for match in FIELD.finditer(line):
            append(line[position : match.start()], None)
            for text, label in document.fill(match.group(1), match.group(2)):
                append(text, label)
            position = match.end()
        append(line[position:], None)
    return "".join(parts), spans


def known_field(name: str, attribute: str | None) -> bool:
    return attribute in _PERSON_FIELDS if attribute is not None else name in _FIELDS


def generate(
    count: int,
    *,
    seed: int,
    gazetteers: Gazetteers | None = None,
    templates: Sequence[Template] | None = None,
) -> Iterator[GoldDocument]:
    """``count`` labelled documents, the same ones for the same seed, templates and gazetteers.

    ``templates`` defaults to the shipped ones. The first ``len(templates)`` documents
    use every template once; later ones draw.
    """
    templates = load_templates() if templates is None else templates
    rng = Random(seed)
    faker = Faker("sv_SE")
    faker.seed_instance(seed)
    for index in range(count):
        template = templates[index] if index < len(templates) else rng.choice(templates)
        text, spans = _assemble(template, _Document(rng, faker, gazetteers))
        yield GoldDocument(f"syn-{seed}-{index:05d}", template.kind, text, tuple(spans))
