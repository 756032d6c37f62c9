"""Checksum and format validators for identifier rules (pure functions, nothing from the package).

A rule in ``rules/recognizers.toml`` names its validator; the registry at the end
of this module maps those names to functions ``str -> bool``.

Where python-stdnum covers an identifier its check is used: the Luhn algorithm
(``stdnum.luhn``), organisationsnummer (``stdnum.se.orgnr``), Swedish VAT numbers
(``stdnum.se.vat``) and IBAN (``stdnum.iban``, with each country's BBAN layout and,
for some countries, national check digits). Our own code remains where stdnum has
nothing or does something else: personnummer (``stdnum.se.personnummer`` knows no
samordningsnummer, takes the century from today's date and accepts any century in
the 12-digit form), bankgiro, plusgiro, phone numbers, bank account numbers and IP
addresses (the stdlib ``ipaddress``). Every validator first reduces the matched text
to ASCII digits itself (:func:`digits_only`), so any separator the patterns allow
is accepted.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from collections.abc import Callable

from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn
from stdnum.dk import cpr as stdnum_dk_cpr
from stdnum.dk import cvr as stdnum_dk_cvr
from stdnum.fi import hetu as stdnum_fi_hetu
from stdnum.fi import ytunnus as stdnum_fi_ytunnus
from stdnum.iso7064 import mod_97_10
from stdnum.no import fodselsnummer as stdnum_no_fodselsnummer
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import vat as stdnum_vat


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) digit that completes ``digits``; Swedish numbers use it on 9 digits."""
    return int(stdnum_luhn.calc_check_digit(digits))


def luhn_valid(digits: str) -> bool:
    """At least two ASCII digits, the last one the Luhn digit of the others."""
    return len(digits) > 1 and digits.isascii() and digits.isdigit() and stdnum_luhn.is_valid(digits)


# --- identifier validators: each takes the matched text and strips separators itself ---


def digits_only(text: str) -> str:
    """The digits of ``text`` in order, as ASCII (separators, spaces and letters dropped).

    Any decimal digit counts, as for ``\\d`` in the rules' patterns ("٣" is "3").
    """
    return "".join(str(int(char)) for char in text if char.isdecimal())


def luhn(text: str) -> bool:
    """Luhn over the digits of ``text``, whatever its separators."""
    return luhn_valid(digits_only(text))


def _real_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def personnummer(text: str) -> bool:
    """Personnummer or samordningsnummer (day + 60): a real date and Luhn over the 10-digit form.

    The century comes from the 12-digit form (18, 19 or 20) or else from the separator
    ("+": born over 100 years ago); the date must exist in one of the possible years.
    """
    number = digits_only(text)
    return _personnummer_date(text) and luhn_valid(number[-10:])


def _personnummer_date(text: str) -> bool:
    """The date part of a personnummer (10 or 12 digits) is a real date: see :func:`personnummer`."""
    number = digits_only(text)
    if len(number) == 12:
        if number[:2] not in {"18", "19", "20"}:
            return False
        years = [int(number[:4])]
        number = number[2:]
    elif len(number) == 10:
        short = int(number[:2])
        years = [1800 + short, 1900 + short] if "+" in text else [1900 + short, 2000 + short]
    else:
        return False
    month, day = int(number[2:4]), int(number[4:6])
    day = day - 60 if day > 60 else day
    return any(_real_date(year, month, day) for year in years)


def organisationsnummer(text: str) -> bool:
    """Organisationsnummer: 10 digits (or 12 with the prefix "16"), third digit >= 2, Luhn.

    ``stdnum.se.orgnr`` checks the 10 digits; the "16" prefix and the third digit
    (1 would be a personnummer) are checked here.
    """
    number = digits_only(text)
    if len(number) == 12 and number.startswith("16"):
        number = number[2:]
    return len(number) == 10 and number[2] >= "2" and stdnum_orgnr.is_valid(number)


def vat_se(text: str) -> bool:
    """Swedish VAT number: "SE", 10 digits passing Luhn (an organisationsnummer or personnummer), "01"."""
    number = digits_only(text)
    # stdnum.se.vat takes the number without "SE" too: the prefix is required here.
    return text.strip()[:2].upper() == "SE" and len(number) == 12 and stdnum_vat.is_valid("SE" + number)


def iban(text: str) -> bool:
    """IBAN (ISO 13616) by ``stdnum.iban``: a registered country, its length and BBAN layout,
    the mod-97 check and, where stdnum has them, national check digits (BE, ES, ME, NO)."""
    compact = "".join(text.split())
    return compact.isascii() and compact.isalnum() and stdnum_iban.is_valid(compact)


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + digits + bban`` a valid IBAN."""
    return str(mod_97_10.calc_check_digits(bban + country))


def bankgiro(text: str) -> bool:
    """Bankgironummer: 7 or 8 digits, Luhn."""
    number = digits_only(text)
    return len(number) in (7, 8) and luhn_valid(number)


def plusgiro(text: str) -> bool:
    """Plusgironummer: 2 to 8 digits, Luhn."""
    number = digits_only(text)
    return 2 <= len(number) <= 8 and luhn_valid(number)


def ip(text: str) -> bool:
    """An IPv4 or IPv6 address (stdlib ``ipaddress``); not the unspecified 0.0.0.0 or ::, no 0.x.y.z."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    if address.is_unspecified:
        return False
    return address.version == 6 or not text.strip().startswith("0")


_SWEDEN = "46"
# "038395-2013", "005544-2012": five or more digits before a dash are a document number.
_UNDIVIDED_THEN_DASH = re.compile(r"[+(]?\d{5,}[-\u2013]")


def phone(text: str) -> bool:
    """A plausible phone number by digit count and layout (no number plan lookup).

    Swedish: a trunk "0", an area code not starting with 0, 8 to 10 digits in all,
    exactly 10 for mobiles (07x), and at least 5 digits after an area code written apart
    ("0901 11 00" is a customs code). International (+ or 00): for +46 a national number
    of 7 to 9 digits not starting with 0 (a written "(0)" is dropped), else 9 to 15
    digits (E.164). No dash after five undivided digits ("038395-2013" is a case number).
    A personnummer is no phone number: ten bare digits that pass its check, or
    YYMMDD XXXX with a real date (the PNR rules report those).
    """
    stripped = text.strip()
    if stripped.startswith("(+"):  # "(+46) 70 ...": the country code in parentheses
        stripped = "+" + stripped[2:].replace(")", "", 1)
    if _UNDIVIDED_THEN_DASH.match(stripped):
        return False
    if stripped.startswith(("+", "00")):
        number = digits_only(stripped.replace("(0)", ""))
        number = number[2:] if stripped.startswith("00") else number
        if number.startswith(_SWEDEN):
            national = number[len(_SWEDEN) :]
            return 7 <= len(national) <= 9 and national[0] != "0"
        return 9 <= len(number) <= 15
    number = digits_only(stripped)
    if not number.startswith("0") or number[1:2] in ("", "0"):
        return False
    area = digits_only(re.split(r"[^\d()]", stripped, maxsplit=1)[0])
    if 2 <= len(area) <= 4 and len(number) - len(area) < 5:
        return False  # a written area code is followed by at least 5 subscriber digits
    if number.startswith(_PREMIUM):  # 0900, 0939, 0944: six or seven subscriber digits
        return 10 <= len(number) <= 11
    sized = len(number) == 10 if number.startswith("07") else 8 <= len(number) <= 10
    return sized and not _looks_like_personnummer(stripped)


_PREMIUM = ("0900", "0939", "0944")


def phone_typed(text: str) -> bool:
    """Phone-shaped after a phone word: a trunk 0, 8 to 11 digits, and no date or
    personnummer ("tel. 090-096651", a subscriber number the plan does not allow)."""
    number = digits_only(text)
    return (
        number.startswith("0")
        and number[1:2] != "0"
        and 8 <= len(number) <= 11
        and not _looks_like_personnummer(text.strip())
    )


def swish(text: str) -> bool:
    """A Swish number: ten digits starting with 123 (companies and associations)."""
    number = digits_only(text)
    return len(number) == 10 and number.startswith("123")


_PERSONNUMMER_LAYOUT = re.compile(r"\d{6}[^\S\n]\d{4}")


def _looks_like_personnummer(text: str) -> bool:
    """Ten bare digits that pass as a personnummer, or YYMMDD XXXX with a real date."""
    if text.isdecimal():
        return personnummer(text)
    return _PERSONNUMMER_LAYOUT.fullmatch(text) is not None and _personnummer_date(text)


def bank_account(text: str) -> bool:
    """Clearing + account number by digit count only: 10 to 15 digits, the first not 0.

    (4 or 5 clearing digits and 6 to 10 account digits.) There is no single checksum: the
    check digit rules differ per bank and account type.
    """
    number = digits_only(text)
    return 10 <= len(number) <= 15 and number[0] != "0"


_PERSONNUMMER_WRITTEN = re.compile(r"(?:\d{2})?\d{6}[-+]?\d{4}")


def account_number(text: str) -> bool:
    """An account number without its clearing number: 7 to 12 digits, and not a personnummer
    written as one.

    A round amount in groups of three ("1 000 000") is none.

    (A Nordea personkonto is the owner's personnummer: written as one, it is reported as
    PNR. Digits grouped otherwise, "621 290 629-8", are an account even when they would
    pass the personnummer check: no PNR rule would take them.)
    """
    written_as_pnr = _PERSONNUMMER_WRITTEN.fullmatch(text.strip()) is not None and personnummer(text)
    round_amount = _THOUSANDS.fullmatch(text.strip()) is not None and text.rstrip().endswith("000")
    return 7 <= len(digits_only(text)) <= 12 and not written_as_pnr and not round_amount


# A number in groups of three as amounts are written: "1 000 000".
_THOUSANDS = re.compile(r"\d{1,3}(?:[^\S\t\n]\d{3})+")


def _separated_clearing(text: str) -> tuple[str, str] | None:
    """The clearing and account digits of ``text``, split where the writer put the first
    separator after four or five digits ("8327-9 994 123 456-7" splits after "8327-9")."""
    written = text.strip()
    match = _CLEARING_WRITTEN.match(written)
    if match is None:
        return None
    return digits_only(match.group(1)), digits_only(written[match.end() :])


_CLEARING_WRITTEN = re.compile(r"(\d{4}(?:-\d(?=\D))?)[^\d]+")


def bank_account_checked(text: str) -> bool:
    """A clearing number of a Swedish bank and an account number whose length and check
    digit fit that bank (Bankgirot's rules, by the ``bankkonto`` package).

    The clearing number must be set apart by a separator: joined digits have no one split.
    A Swedbank clearing number (8xxx) carries its own fifth digit ("8327-9").
    """
    from bankkonto import BankkontoException, validate

    parts = _separated_clearing(text)
    if parts is None:
        return False
    clearing, account = parts
    if clearing.startswith("8") != (len(clearing) == 5):
        return False
    try:
        validate(clearing, account)
    except BankkontoException:
        return False
    return True


def personkonto(text: str) -> bool:
    """A Nordea personkonto: clearing 3300 and the owner's personnummer (10 digits, valid)."""
    number = digits_only(text)
    return len(number) == 14 and number.startswith("3300") and personnummer(number[4:])


def _stdnum(module: object) -> Callable[[str], bool]:
    """``module.is_valid`` of a python-stdnum module, on the text with ASCII digits."""
    check: Callable[[str], bool] = module.is_valid  # type: ignore[attr-defined]

    def valid(text: str) -> bool:
        return bool(check(_ascii_digits(text.strip())))

    return valid


def _ascii_digits(text: str) -> str:
    return "".join(str(int(char)) if char.isdigit() else char for char in text)


#: The neighbours' identifiers, which python-stdnum checks (date and check digits).
no_fodselsnummer = _stdnum(stdnum_no_fodselsnummer)
dk_cpr = _stdnum(stdnum_dk_cpr)
dk_cvr = _stdnum(stdnum_dk_cvr)
fi_hetu = _stdnum(stdnum_fi_hetu)
fi_ytunnus = _stdnum(stdnum_fi_ytunnus)


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "no_fodselsnummer": no_fodselsnummer,
    "dk_cpr": dk_cpr,
    "dk_cvr": dk_cvr,
    "fi_hetu": fi_hetu,
    "fi_ytunnus": fi_ytunnus,
    "swish": swish,
    "personnummer": personnummer,
    "organisationsnummer": organisationsnummer,
    "vat_se": vat_se,
    "iban": iban,
    "bankgiro": bankgiro,
    "plusgiro": plusgiro,
    "ip": ip,
    "phone": phone,
    "phone_typed": phone_typed,
    "bank_account": bank_account,
    "bank_account_checked": bank_account_checked,
    "account_number": account_number,
    "personkonto": personkonto,
    "luhn": luhn,
}
