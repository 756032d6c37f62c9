"""Identifiers in the shapes people write them (issue 21, item 2), with negatives:
amounts, case numbers, dates and product codes stay."""

from __future__ import annotations

import pytest

from anonymizer.config import load_config
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.unicode_map import nfc_copy

DETECTOR = PatternDetector(load_config(None).recognizers)


def found(text: str) -> list[tuple[str, str]]:
    copy = nfc_copy(text)
    view = text if copy is None else copy.text
    spans = DETECTOR.find(view)
    if copy is not None:
        return [(text[slice(*copy.to_original(s.start, s.end))], s.label) for s in spans]
    return [(text[s.start : s.end], s.label) for s in spans]


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("Betalas via Swish till 123 418 77 06 eller bankgiro.", "123 418 77 06", "PHONE"),
        ("Swisha 1234187706 senast fredag", "1234187706", "PHONE"),
        ("Samtal till betalnummer 0939-100 55 20 den 14 december", "0939-100 55 20", "PHONE"),
        ("Ring 0900-123 45 67", "0900-123 45 67", "PHONE"),
        ("Nås på (+46) 70 123 45 67 dagtid", "(+46) 70 123 45 67", "PHONE"),
        ("Pnr: 19 71 03 22 - 41 58", "19 71 03 22 - 41 58", "PNR"),
        ("Pnr: 71 03 22-41 58", "71 03 22-41 58", "PNR"),
        ("har fortfarande golfen KXJ 209 lol", "KXJ 209", "REG"),
        ("Bilen ABC 12D stod kvar", "ABC 12D", "REG"),
        ("fødselsnummer 151086 95088", "151086 95088", "PNR"),
        ("Henkilötunnus 131052-308T", "131052-308T", "PNR"),
        ("dansk CPR-nr 211062-5629", "211062-5629", "PNR"),
        ("CVR 13585628", "13585628", "ORGNR"),
        ("Y-tunnus 2077474-0", "2077474-0", "ORGNR"),
        # what people paste: non-breaking hyphen, minus sign, fullwidth digits, zero width
        ("Ring 070\u2011123 45 67", "070\u2011123 45 67", "PHONE"),
        ("Pnr 19710322\u22124158", "19710322\u22124158", "PNR"),
        ("Tel \uff10\uff17\uff10-\uff11\uff12\uff13 \uff14\uff15 \uff16\uff17", None, "PHONE"),
        ("Pnr 1971\u200b0322-4158", "1971\u200b0322-4158", "PNR"),
        ("mejla anna.\u200blind@firma.se", "anna.\u200blind@firma.se", "EMAIL"),
        ("Bankgiro 5417 8728", "5417 8728", "BANK"),
        ("Plusgiro 4777772", "4777772", "BANK"),
        ("Betalt med kort 4571 2345 6789 0120", "4571 2345 6789 0120", "BANK"),
        ("Bank: Swedbank 8327-9 943 110 276-5", "8327-9 943 110 276-5", "BANK"),
        ("Nordea personkonto 3300 800312-1234", "3300 800312-1234", "BANK"),
        ("Mitt kontonummer är 83279 9431102765", "83279 9431102765", "BANK"),
        ("Ring 070.123.45.67 i kväll", "070.123.45.67", "PHONE"),
        ("Växeln 08.123.456.78", "08.123.456.78", "PHONE"),
        ("iban se45 5000 0000 0583 9825 7466 tack", "se45 5000 0000 0583 9825 7466", "BANK"),
        ("mejla anna[at]firma[dot]se", "anna[at]firma[dot]se", "EMAIL"),
        ("anna(at)skolan(punkt)se", "anna(at)skolan(punkt)se", "EMAIL"),
        ("Min mail: anna . lind @ gmail . com", "anna . lind @ gmail . com", "EMAIL"),
        ("Utbetalning sker till 8327-9 914 123 456-7 den 25:e", "8327-9 914 123 456-7", "BANK"),
        ("Vårt plusgiro 477 77 72", "477 77 72", "BANK"),
        ("personnr 850312/1231", "850312/1231", "PNR"),
        ("Reg.nr: ABC-123", "ABC-123", "REG"),
        ("bilens regnummer abc123", "abc123", "REG"),
        ("Bilen har reg-nr xyz-12d", "xyz-12d", "REG"),
        ("Skickas till 8105-9, 944 872 365-3.", "8105-9, 944 872 365-3", "BANK"),
        ("Lönen sätts in på 6000 123 456 789 varje månad.", "6000 123 456 789", "BANK"),
        # a Nordea personkonto needs no context word: 3300 and a valid personnummer
        ("Lön sätts in på 3300-8503121231.", "3300-8503121231", "BANK"),
        ("till 3300 850312-1231 senast", "3300 850312-1231", "BANK"),
        ("Postnr: 123 45, ort saknas", "123 45", "ADDRESS"),
        # any bank's clearing and account number with a valid check digit, no context word
        # (check digits computed by Bankgirot's rules for these invented accounts)
        ("Skicka pengarna till 5001-1234563 snarast.", "5001-1234563", "BANK"),
        ("Överför 6789 123 456 789 idag.", "6789 123 456 789", "BANK"),
        ("Nya kontot: 9270 123 45 65 (ICA Banken)", "9270 123 45 65", "BANK"),
        ("För över till 9550-1234566 i morgon.", "9550-1234566", "BANK"),
        ("Clnr 8381-7 Kontonr 123 456 789-0", "8381-7", "BANK"),
        ("Mitt nummer är 46701234567.", "46701234567", "PHONE"),
        ("Telefon: 46 70 123 45 67", "46 70 123 45 67", "PHONE"),
        ("regnr mlb 12a", "mlb 12a", "REG"),
        ("Kund: Ja, det är 944 872 365-1 tror jag.", "944 872 365-1", "BANK"),  # Swedbank's layout
        ("Det är 944 872 365-2 tror jag.", "944 872 365-2", "BANK"),  # a typo in the check digit
        ("Handläggare: Eva Berg, tel. 090-096651", "090-096651", "PHONE"),  # mistyped: still a number
        ("Frågor? Ring Anna Lind på 090-09 99 04.", "090-09 99 04", "PHONE"),
        ("bil: abc 123", "abc 123", "REG"),
        # a tab is a column gap, not a separator inside a number
        ("18/3 10:41\tSwish\t073-560 18 24\t15 000 kr", "073-560 18 24", "PHONE"),
    ],
)
def test_identifier_shapes(text: str, value: str | None, label: str) -> None:
    spans = found(text)
    if value is None:
        assert [found_label for _, found_label in spans] == [label]
    else:
        assert (value, label) in spans


@pytest.mark.parametrize(
    "text",
    [
        "Beloppet 123 450 kr betalas senast 2024-03-12.",
        "Mål nr T 1234-24 avgörs i dag.",
        "Ordernr 1234567890 skickades.",  # ten digits starting 123 without swish
        "Ärende 3300-8503121232 stängt.",  # 3300 and ten digits that are no personnummer
        "Version 010.12.3 släpps den 07.03.2024, pris 1.250.00",
        "se12 3456 7890 1234 är ingen iban",
        "kl10 till hela dagen",
        "Lönen höjs med 1 200 kr från 2024-03-01.",
        "Plusgiro: 1 234 kr i avgift",
        "sidan 850312/1232 i akten",  # a slash and ten digits that are no personnummer
        "bilen med 123 hästkrafter",
        "Överföringen på 12 500 kr gjordes 2024-03-01 kl 10.",
        "Vi ses @ hemma . Sedan",
        "pris SEK 250 eller EUR 100",
        "art.nr XYZ 123 finns i lager",
        "modell GTX 460 är slut",
        "Koden ABC 123 utan sammanhang.",
        "Vikten ABC 123 kg",
        "Dnr BUN 2024/0211",
        "Se SFS 123 och LSS 456",
        "Vi räknade 12 34 56 78 90 stycken",
        "Fakturanummer 2077474-0 förfaller",  # a Y-tunnus shape without its word
        "Belopp 13585628 öre",  # a CVR shape without its word
        "Order 1234 5678 9012 3456 skickad",  # sixteen digits failing Luhn
        "Banken har 12 500 kr på kontot sedan 2024-01-15",
        "Postnr saknas, beloppet 123 45 kr",
        "Ärendenummer 5001-1234564 gäller.",  # a clearing and account shape, wrong check digit
        "Betalt 2024-05-31, ärende 1234-5678901 klart.",
        "Referens 46701234567 gäller fakturan.",  # a mobile number shape without a phone word
        "Bil med 123 000 mil på mätaren",
        "bilen har 130 hk",
        "Vi åkte bil, tog 123 bilder.",
        "Kontot växte till 1 000 000 på ett år",
        "Tel. 2024-03-12 kl 10",  # a round amount after an account word
    ],
)
def test_amounts_case_numbers_dates_and_codes_stay(text: str) -> None:
    assert found(text) == []
