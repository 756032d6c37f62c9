"""The checksum and format validators behind the identifier rules."""

from __future__ import annotations

import pytest

from anonymizer.validators import (
    VALIDATORS,
    account_number,
    bank_account,
    bankgiro,
    digits_only,
    iban,
    ip,
    luhn,
    luhn_check_digit,
    luhn_valid,
    organisationsnummer,
    personnummer,
    phone,
    plusgiro,
)


def complete(body: str) -> str:
    """``body`` with its Luhn digit appended."""
    return body + str(luhn_check_digit(body))


def test_luhn() -> None:
    assert luhn_check_digit("811218987") == 6
    assert luhn_valid("8112189876")
    assert not luhn_valid("8112189875")
    assert not luhn_valid("7")
    assert not luhn_valid("81121898a6")
    assert luhn("811218-9876")


def test_digits_only() -> None:
    assert digits_only("+46 (0)70-123 45 67") == "460701234567"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("811218-9876", True),
        ("8112189876", True),
        ("19811218-9876", True),
        ("198112189876", True),
        ("811218 9876", True),
        ("811218+9876", True),  # over 100 years old
        ("811278-9873", True),  # samordningsnummer: day 18 + 60
        (complete("000229123"), True),  # 29 Feb 2000
        ("20" + complete("000229123"), True),
        ("19" + complete("000229123"), False),  # 1900 was no leap year
        (complete("010229123"), False),  # 29 Feb 2001
        (complete("811318987"), False),  # month 13
        (complete("811232987"), False),  # day 32
        (complete("811292987"), False),  # samordningsnummer day 32
        (complete("811200987"), False),  # day 0
        ("811218-9877", False),  # checksum
        ("21" + "8112189876", False),  # century 21
        ("81121898", False),  # too short
    ],
)
def test_personnummer(text: str, expected: bool) -> None:
    assert personnummer(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("556036-0793", True),
        ("5560360793", True),
        ("16556036-0793", True),
        ("165560360793", True),
        ("17556036-0793", False),  # only "16" prefixes the 12-digit form
        ("556036-0794", False),  # checksum
        ("811218-9876", False),  # third digit 1: a personnummer
        ("556036-079", False),
    ],
)
def test_organisationsnummer(text: str, expected: bool) -> None:
    assert organisationsnummer(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SE45 5000 0000 0583 9825 7466", True),
        ("SE4550000000058398257466", True),
        ("se45 5000 0000 0583 9825 7466", True),
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89 3704 0044 0532 0130 00", True),
        ("NO93 8601 1117 947", True),
        ("SE45 5000 0000 0583 9825 7467", False),  # checksum
        ("SE45 5000 0000 0583 9825 746", False),  # length for SE
        ("XX45 5000 0000 0583 9825 7466", False),  # no such country
        ("SEAB 5000 0000 0583 9825 7466", False),
    ],
)
def test_iban(text: str, expected: bool) -> None:
    assert iban(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5050-1055", True),
        (complete("123456")[:3] + "-" + complete("123456")[3:], True),
        ("5050-1056", False),
        ("505-10", False),
    ],
)
def test_bankgiro(text: str, expected: bool) -> None:
    assert bankgiro(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (complete("1234567")[:-1] + "-" + complete("1234567")[-1], True),
        ("12 34 56-" + str(luhn_check_digit("123456")), True),
        ("12 34 56-" + str((luhn_check_digit("123456") + 1) % 10), False),
        ("123456789-0", False),  # too long
    ],
)
def test_plusgiro(text: str, expected: bool) -> None:
    assert plusgiro(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.168.1.1", True),
        ("8.8.8.8", True),
        ("2001:db8::1", True),
        ("fe80::1ff:fe23:4567:890a", True),
        ("256.1.1.1", False),
        ("01.2.3.4", False),  # leading zeros
        ("0.1.2.3", False),
        ("0.0.0.0", False),
        ("::", False),
        ("14:30:00", False),
    ],
)
def test_ip(text: str, expected: bool) -> None:
    assert ip(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("070-123 45 67", True),
        ("0701234567", True),
        ("08-123 456 78", True),
        ("031/12 34 56", True),
        ("(08) 123 45 67", True),
        ("0771-567 567", True),
        ("+46 70 123 45 67", True),
        ("+46 (0)70 123 45 67", True),
        ("0046 8 123 456 78", True),
        ("+44 20 7946 0958", True),
        ("+1 212 555 0100", True),
        ("070-123 45 6", False),  # mobiles have ten digits
        ("08-123 45", False),  # too short
        ("0901 11 00", False),  # 4 digits after an area code: a customs code
        ("00-123 45 67", False),
        ("123-456 78", False),  # no trunk 0
        ("+46 0 123 45", False),
        ("+49 123", False),
        ("8112189876", False),
    ],
)
def test_phone(text: str, expected: bool) -> None:
    assert phone(text) is expected


def test_ten_bare_digits_that_are_a_personnummer_are_no_phone_number() -> None:
    number = complete("050312123")
    assert personnummer(number)
    assert not phone(number)
    assert phone(number[:3] + "-" + number[3:])  # written as a phone number it is one
    other = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not personnummer(other)
    assert phone(other)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8327-9, 123 456 789-0", True),
        ("6000-123 456 789", True),
        ("3300 811218-9876", True),
        ("1234-56", False),
        ("0123-123 456 789", False),
    ],
)
def test_bank_account(text: str, expected: bool) -> None:
    assert bank_account(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123 456 789-0", True),
        ("1234567", True),
        ("123456", False),
        ("811218-9876", False),
        ("621 290 629-8", True),  # passes as a samordningsnummer, but not written as one
        ("6212906298", False),
    ],
)
def test_account_number(text: str, expected: bool) -> None:
    assert account_number(text) is expected


def test_registry_names() -> None:
    assert {
        "personnummer",
        "organisationsnummer",
        "iban",
        "bankgiro",
        "plusgiro",
        "ip",
        "phone",
        "bank_account",
        "account_number",
        "luhn",
    } <= set(VALIDATORS)
    assert all(callable(function) for function in VALIDATORS.values())


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("8105-9 944 872 365-1", True),  # Swedbank: five clearing digits, mod 10 over ten
        ("8105-9, 9448723651", True),
        ("6789 123 456 789", True),  # Handelsbanken: nine digits, mod 11
        ("5001 12 345 63", True),  # SEB: seven digits, mod 11 with the clearing number
        ("9550-1234566", True),  # Avanza: mod 11 over all eleven digits
        ("8105-9 944 872 365-2", False),  # one check digit off
        ("5001 12 345 64", False),
        ("6789123456789", False),  # joined: no one split
        ("0701-234567", False),  # no bank has clearing 0xxx
        ("1000-1234567", False),  # the Riksbank keeps no such accounts
        ("8105 9448723651", False),  # a Swedbank clearing number without its fifth digit
    ],
)
def test_bank_account_checked(text: str, valid: bool) -> None:
    assert VALIDATORS["bank_account_checked"](text) is valid
