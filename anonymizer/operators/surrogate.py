"""Realistic Swedish fakes (Faker ``sv_SE``), deterministic under the key.

The fake of an entity is drawn from a Faker seeded with a keyed digest of its
label and canonical form, so "Anna Lind" gets the same fake in every row, file
and run under one key (for one Faker version: its name lists may change). Person
names keep the gender of the first name and the number of parts; an alias such as
"Lind" of "Anna Lind" becomes the matching part of the full name's fake.
Identifiers keep their layout: a personnummer stays a valid one of the same birth
decade and format, a phone number keeps its prefix and separators.

Labels without a generator (TME, MISC, custom labels) get the pseudonym form
``[{label}_{id}]``. No label ever gets its original surface back: a fake that
happens to equal it is drawn again, and after a few tries the pseudonym is used.
Fakes are not unique: two entities may get the same fake.
"""

from __future__ import annotations

import calendar
import functools
import ipaddress
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from anonymizer.gazetteers import load_name_lists
from anonymizer.lexicon import load_lexicon
from anonymizer.normalise import normalise
from anonymizer.operators import Operator, Target
from anonymizer.operators.keyed import check_key, keyed_digest
from anonymizer.operators.pseudonym import Pseudonym
from anonymizer.validators import luhn_check_digit

if TYPE_CHECKING:  # Faker is imported when a fake is first drawn: it costs a tenth of every start
    from faker import Faker

DOMAIN = "anonymizer/surrogate/v1"
_ATTEMPTS = 8


@functools.cache
def _faker_first_names() -> tuple[frozenset[str], frozenset[str]]:
    """Faker's Swedish female and male first names, case-folded."""
    from faker.providers.person.sv_SE import Provider as SwedishNames

    female = frozenset(name.casefold() for name in SwedishNames.first_names_female)
    return female, frozenset(name.casefold() for name in SwedishNames.first_names_male)


Generator = Callable[["Faker", str, str], str]  # (seeded faker, surface, normalised canonical form)


@dataclass(frozen=True, slots=True)
class Surrogate(Operator):
    """Not thread-safe: one Faker instance is re-seeded for every replacement."""

    name = "surrogate"
    needs_key = True

    key: bytes = field(repr=False)
    _faker: list[Faker] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        check_key(self.key)

    @property
    def faker(self) -> Faker:
        if not self._faker:
            from faker import Faker

            self._faker.append(Faker("sv_SE"))
        return self._faker[0]

    def replace(self, target: Target) -> str:
        generate = GENERATORS.get(target.label)
        if generate is not None:
            canonical = normalise(target.canonical or target.surface)
            for attempt in range(_ATTEMPTS):
                digest = keyed_digest(self.key, DOMAIN, target.label, canonical, str(attempt))
                self.faker.seed_instance(int.from_bytes(digest[:8], "big"))
                fake = _match_case(target.surface, generate(self.faker, target.surface, canonical))
                if normalise(fake) != normalise(target.surface):
                    return fake
        return Pseudonym(self.key).replace(target)


def _match_case(surface: str, fake: str) -> str:
    return fake.upper() if surface.isupper() else fake


# --- person names ---------------------------------------------------------------------------


def _gender_codes(name: str) -> str:
    """ "f", "m", "fm" or "" from the shipped first-name lists (16,000 names), then Faker's."""
    listed = load_name_lists().genders.get(name, "")
    female_names, male_names = _faker_first_names()
    female, male = name in female_names or "f" in listed, name in male_names or "m" in listed
    return ("f" if female else "") + ("m" if male else "")


def name_gender(word: str) -> str | None:
    """``"female"``/``"male"`` if the first name (or a part of "Anna-Karin") tells it."""
    for candidate in (word, *word.split("-")):
        codes = _gender_codes(candidate)
        if codes in {"f", "m"}:
            return "female" if codes == "f" else "male"
    return None


def is_first_name(word: str) -> bool:
    return any(_gender_codes(part) for part in (word, *word.split("-")))


def _person(faker: Faker, surface: str, canonical: str) -> str:
    words = canonical.split()
    wanted = [normalise(word) for word in surface.split()]
    if not all(word in words for word in wanted):
        words = wanted
    parts = person_parts(faker, words)
    surface_words = surface.split()
    return " ".join(parts[words.index(key)] or word for key, word in zip(wanted, surface_words, strict=True))


def person_parts(faker: Faker, words: Sequence[str]) -> list[str | None]:
    """A fake for each word of a name, ``None`` for titles ("dr") kept as they are.

    Of two or more name words the first is a first name and the last a surname, the
    middle ones a first name if known as one; a single word is a first name if known
    as one, else a surname.
    """
    not_names = load_lexicon().not_name_parts
    names = [index for index, word in enumerate(words) if word not in not_names]
    known = {index for index in names if is_first_name(words[index])}
    first = known if len(names) < 2 else {names[0]} | {index for index in names[1:-1] if index in known}
    genders = [gender for index in sorted(first) if (gender := name_gender(words[index]))]
    female = genders[0] == "female" if genders else faker.random.random() < 0.5
    parts: list[str | None] = [None] * len(words)
    for index in names:
        if index in first:
            draw = faker.first_name_female if female else faker.first_name_male
        else:
            draw = faker.last_name
        part = draw()
        for _ in range(_ATTEMPTS):  # never keep the original part ("Anna Lind" -> "Anna Berg")
            if normalise(part) != words[index]:
                break
            part = draw()
        parts[index] = part
    return parts


# --- places, organisations, internet ---------------------------------------------------------

_POSTAL = re.compile(r"(\d{3})(\s?)\d{2}(\s+)(\S.*)$")


def _address(faker: Faker, surface: str, canonical: str) -> str:
    """A street address; "123 45 Stockholm" (also after a street) keeps that shape."""
    postal = _POSTAL.search(surface)
    if postal is None:
        return faker.street_address()
    code = str(faker.random.randint(10000, 99999))
    fake = f"{code[:3]}{postal[2]}{code[3:]}{postal[3]}{faker.city()}"
    if postal.start() == 0:
        return fake
    separator = re.search(r"[\s,]*$", surface[: postal.start()])
    return faker.street_address() + (separator[0] if separator else " ") + fake


def _url(faker: Faker, surface: str, canonical: str) -> str:
    url = faker.url()
    if "://" not in surface:
        url = url.split("://", 1)[1]
    return url if surface.endswith("/") else url.rstrip("/")


def _ip(faker: Faker, surface: str, canonical: str) -> str:
    try:
        version = ipaddress.ip_address(surface.strip()).version
    except ValueError:
        version = 6 if ":" in surface else 4
    return faker.ipv6() if version == 6 else faker.ipv4()


# --- identifiers (pure helpers over a seeded ``random.Random``) ------------------------------

_PHONE_PREFIX = re.compile(r"\s*(?:(?:\+|00)\d{2}(?:\s*\(0\))?|0)")
_PNR = re.compile(
    r"(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+ ]?)(?P<serial>\d{3})\d"
)


def fake_layout(rng: random.Random, text: str) -> str:
    """Digit -> digit, letter -> ASCII letter of the same case; everything else kept."""
    out = []
    for char in text:
        if char.isdecimal():
            out.append(str(rng.randrange(10)))
        elif char.isalpha() and char.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif char.isalpha():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(char)
    return "".join(out)


def _fill_digits(text: str, digits: Sequence[str]) -> str:
    """``text`` with its digits replaced, left to right, by ``digits``."""
    fresh = iter(digits)
    return "".join(next(fresh) if char.isdecimal() else char for char in text)


def fake_phone(rng: random.Random, surface: str) -> str:
    """Keeps a ``+46``/``0046``/``0`` prefix and every separator; the other digits are drawn."""
    prefix = _PHONE_PREFIX.match(surface)
    kept = prefix.end() if prefix else 0
    if not any(char.isdecimal() for char in surface[kept:]):
        kept = 1 if surface[:1] in ("0", "+") else 0  # "0000" is no "00" + country code
    rest = surface[kept:]
    count = sum(char.isdecimal() for char in rest)
    digits = [str(rng.randrange(1 if index == 0 else 0, 10)) for index in range(count)]
    return surface[:kept] + _fill_digits(rest, digits)


def fake_personnummer(rng: random.Random, surface: str) -> str | None:
    """A valid personnummer in the same format and birth decade; ``None`` if ``surface`` is none.

    A samordningsnummer (day + 60) stays one, and the gender digit keeps its parity.
    Without a century the date is checked in the 1900s, where only 1900 differs from
    the 2000s (not a leap year), so it is valid in both.
    """
    match = _PNR.fullmatch(surface)
    if match is None:
        return None
    century = match["century"]
    year = int((century or "19") + match["yy"]) // 10 * 10 + rng.randrange(10)
    month = rng.randint(1, 12)
    day = rng.randint(1, calendar.monthrange(year, month)[1]) + (60 if int(match["dd"]) > 60 else 0)
    gender = int(match["serial"][2]) % 2
    serial = f"{rng.randrange(100):02d}{rng.randrange(5) * 2 + gender}"
    body = f"{year % 100:02d}{month:02d}{day:02d}"
    head = f"{year:04d}"[:2] if century else ""
    return f"{head}{body}{match['sep']}{serial}{luhn_check_digit(body + serial)}"


def fake_orgnr(rng: random.Random, surface: str) -> str | None:
    """A valid organisationsnummer (third digit >= 2) in the layout of ``surface``.

    The first digit (the legal form, 5 for an aktiebolag) and a ``16`` prefix are kept.
    """
    digits = [char for char in surface if char.isdecimal()]
    start = 2 if len(digits) == 12 and digits[:2] == ["1", "6"] else 0
    if len(digits) - start != 10:
        return None
    core = [digits[start], str(rng.randrange(10)), str(rng.randrange(2, 10))]
    core += [str(rng.randrange(10)) for _ in range(6)]
    core.append(str(luhn_check_digit("".join(core))))
    return _fill_digits(surface, digits[:start] + core)


def _identifier(make: Callable[[random.Random, str], str | None]) -> Generator:
    def generate(faker: Faker, surface: str, canonical: str) -> str:
        return make(faker.random, surface) or fake_layout(faker.random, surface)

    return generate


GENERATORS: dict[str, Generator] = {
    "PER": _person,
    "LOC": lambda faker, surface, canonical: faker.city(),
    "ORG": lambda faker, surface, canonical: faker.company(),
    "ADDRESS": _address,
    "EMAIL": lambda faker, surface, canonical: faker.email(),
    "URL": _url,
    "IP": _ip,
    "PHONE": _identifier(fake_phone),
    "PNR": _identifier(fake_personnummer),
    "ORGNR": _identifier(fake_orgnr),
    "BANK": _identifier(lambda rng, surface: None),
    "REG": _identifier(lambda rng, surface: None),
}
