"""Tables inside text (issue 21, item 1): header cells name their columns, column value
shapes stand in where no header does; amounts, dates and product codes stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.detectors.tables import TableDetector, load_table_rules
from anonymizer.errors import ConfigError

DETECTOR = TableDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in DETECTOR.find(text)]


def test_header_cells_name_their_columns() -> None:
    text = (
        "Lönelista mars\n"
        "anstnr;efternamn;förnamn;personnr;clearing;kontonr;brutto;anm\n"
        "101;Berg;Anna;19791110-4466;8214-9;934 712 458-2;34500,00;\n"
        "102;Ek;Dag;20020318-1268;6123;812 445 903;24180,00;sjuk v.11\n"
    )
    spans = found(text)
    assert ("Berg", "PER") in spans and ("Dag", "PER") in spans
    assert ("19791110-4466", "PNR") in spans
    assert ("8214-9", "BANK") in spans and ("812 445 903", "BANK") in spans
    assert not any(value in {"101", "34500,00", "sjuk v.11", "Lönelista mars"} for value, _ in spans)


def test_tab_and_pipe_tables_and_quoted_cells() -> None:
    tabbed = "Namn\tPostnr\tOrt\tRegnr\nAnna Berg\t123 45\tLund\tABC 123\nBo Ek\t543 21\tYstad\tXYZ 12D\n"
    assert found(tabbed) == [
        ("Anna Berg", "PER"),
        ("123 45", "LOC"),
        ("Lund", "LOC"),
        ("ABC 123", "REG"),
        ("Bo Ek", "PER"),
        ("543 21", "LOC"),
        ("Ystad", "LOC"),
        ("XYZ 12D", "REG"),
    ]
    piped = (
        "| Kund | Telefon | Belopp |\n|---|---|---|\n"
        '| "Anna Berg" | 070-123 45 67 | 100 kr |\n| Bo Ek | - | 200 kr |'
    )
    assert found(piped) == [("Anna Berg", "PER"), ("070-123 45 67", "PHONE"), ("Bo Ek", "PER")]


def test_column_shapes_without_a_header() -> None:
    text = "101;3300;7704111033;29900,00\n102;5484;1042217;18750,00\n103;9150;2031744;9860,00\n"
    assert [label for _, label in found(text)] == ["BANK"] * 6
    postcodes = "A;113 45;x\nB;543 21;y\nC;211 14;z\n"
    assert [value for value, _ in found(postcodes)] == ["113 45", "543 21", "211 14"]


def test_a_clearing_and_account_cell_anywhere_in_a_table() -> None:
    text = (
        "Datum\tTyp\tMottagare\tBelopp\n"
        "18/3 10:44\tÖverföring\t9172-4308 112\t48 500 kr\n"
        "18/3 12:25\tKontant\t-\t500 kr\n"
    )
    assert found(text) == [("9172-4308 112", "BANK")]


def test_a_titled_column_of_numbers_is_no_postcode_column() -> None:
    salaries = "Namn;Lön;Avdelning\nAnna Berg;32500;Ekonomi\nBo Ek;41000;IT\n"
    assert found(salaries) == [("Anna Berg", "PER"), ("Bo Ek", "PER")]
    untitled = "Anna Berg;32500;x\nBo Ek;41000;y\n"  # round amounts, no title
    assert [label for _, label in found(untitled)] == []
    codes = "Anna Berg;11345;x\nBo Ek;54321;y\n"  # joined postcodes, no title
    assert [value for value, _ in found(codes)] == ["11345", "54321"]


@pytest.mark.parametrize(
    "text",
    [
        "Artikel;Antal;Pris\nA-100;2;99,00\nB-200;1;149,00\n",  # product codes and amounts
        "Datum;Ärende;Belopp\n2024-03-12;T 1234-24;15 000 kr\n2024-03-13;Ä 55-23;200 kr\n",  # dates, cases
        "Vi kom; vi såg; vi segrade.\nSen åt vi; drack; sov.",  # prose with semicolons
        "Namn;Ort;Tel\n",  # a header alone
        "Ett | två | tre",
    ],
)
def test_what_stays(text: str) -> None:
    assert found(text) == []


def test_header_file_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "tables.toml"
    path.write_text('[headers]\nPER = "namn"\n[suffixes]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tables.toml: \[headers\] PER: expected a list"):
        load_table_rules(path)
    path.write_text('[headers]\nPER = ["namn"]\nLOC = ["Namn"]\n[suffixes]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[headers\] LOC: 'Namn' is also under PER"):
        load_table_rules(path)
    path.write_text('[headers]\nPER = ["namn"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"table \[suffixes\] missing"):
        load_table_rules(path)
