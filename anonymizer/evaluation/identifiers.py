"""Random Swedish identifiers for the synthetic documents, with valid check digits (Luhn,
mod 97) and in the spellings people write."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from random import Random

from anonymizer.validators import iban_check_digits, luhn_check_digit

Piece = tuple[str, str | None]  # text, label (None: not an entity)

REFERENCE_YEAR = 2025  # ages (the "+" of people aged 100 or more) are counted from this year
_PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUWXYZ"  # no I, Q, V, Å, Ä, Ö


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
