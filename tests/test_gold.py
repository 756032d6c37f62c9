"""The gold span format, the inline markup, and the hand-written corpus in tests/data/gold."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from anonymizer.errors import InputError
from anonymizer.evaluation.gold import (
    GOLD_LABELS,
    GoldDocument,
    GoldSpan,
    check_spans,
    load_gold,
    parse_markup,
    read_jsonl,
    read_markup_dir,
    read_markup_file,
    to_markup,
    write_jsonl,
)
from anonymizer.validators import luhn_valid
from support import iban_ok, orgnr_ok, pnr_ok

GOLD = Path(__file__).resolve().parent / "data" / "gold"
MINIMUM_COUNTS = {"PNR": 40, "PHONE": 30, "EMAIL": 25, "BANK": 15, "ORGNR": 10, "PER": 250}


# ---------------------------------------------------------------- markup


@pytest.mark.parametrize(
    "markup",
    [
        "Hej [[Anna Lind|PER]]! Vi ses på [[fredag|TME]].",
        "[[Anna|PER]]s bok, dr [[Berg|PER]] och [[Bo Åberg|PER]]",
        "[[[18:02|TME]]] [[linda|PER]]: hej 😅 [[0733419920|PHONE]]",
        "inga spans alls\n\nmen två rader\n",
        "[[Storgatan 12 B|ADDRESS]], [[123 45 Stockholm|ADDRESS]]",
        "",
    ],
)
def test_markup_round_trip(markup: str) -> None:
    text, spans = parse_markup(markup)
    assert "[[" not in text
    assert check_spans(text, spans) is None
    assert to_markup(text, spans) == markup


def test_parse_markup_offsets_are_characters_of_the_plain_text() -> None:
    text, spans = parse_markup("😅 [[Åsa Öberg|PER]]s mejl: [[åsa@x.se|EMAIL]]")
    assert text == "😅 Åsa Öbergs mejl: åsa@x.se"
    assert [(text[s.start : s.end], s.label) for s in spans] == [("Åsa Öberg", "PER"), ("åsa@x.se", "EMAIL")]


@pytest.mark.parametrize(
    ("markup", "where"),
    [
        ("rad ett\nHej [[Anna|PER] och mer", "line 2, column 5"),
        ("Hej [[Anna|per]]", "line 1, column 5"),
        ("Hej [[ Anna|PER]]", "line 1, column 5"),
        ("Hej [[Anna\nLind|PER]]", "line 1, column 5"),
        ("Hej Anna|PER]]", "line 1, column 13"),
    ],
)
def test_markup_errors_name_source_line_and_column(markup: str, where: str) -> None:
    with pytest.raises(InputError, match=rf"doc\.txt: {where}: .*"):
        parse_markup(markup, source="doc.txt")


def test_to_markup_refuses_what_markup_cannot_hold() -> None:
    with pytest.raises(ValueError, match="overlap"):
        to_markup("Anna Lind", [GoldSpan(0, 9, "PER"), GoldSpan(5, 9, "PER")])
    with pytest.raises(ValueError, match=r"\[\["):
        to_markup("a [[b]]", [])
    with pytest.raises(ValueError, match="cannot be marked up"):
        to_markup("Anna\nLind", [GoldSpan(0, 9, "PER")])


def test_markup_file_id_and_kind(tmp_path: Path) -> None:
    path = tmp_path / "07-polisanmalan.txt"
    path.write_text("Anmälan av [[Ali Hassan|PER]]\n", encoding="utf-8")
    document = read_markup_file(path)
    assert (document.id, document.kind) == ("07-polisanmalan", "polisanmalan")
    assert [document.surface(s) for s in document.spans] == ["Ali Hassan"]
    (tmp_path / "notes.txt").write_text("utan nummer", encoding="utf-8")
    assert read_markup_file(tmp_path / "notes.txt").kind == "notes"
    assert [d.id for d in read_markup_dir(tmp_path)] == ["07-polisanmalan", "notes"]


# ---------------------------------------------------------------- span format


def test_jsonl_round_trip(tmp_path: Path) -> None:
    documents = [
        GoldDocument("a", "chatt", "😅 Anna ringde", (GoldSpan(2, 6, "PER"),)),
        GoldDocument("b", "", "inget", ()),
    ]
    path = tmp_path / "gold.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        assert write_jsonl(handle, documents) == 2
    assert list(read_jsonl(path)) == documents
    assert load_gold(path) == documents


def _record(text: str, spans: list[tuple[int, int, str]], id_: str = "d") -> str:
    return json.dumps(
        {
            "id": id_,
            "kind": "k",
            "text": text,
            "spans": [{"start": a, "end": b, "label": c} for a, b, c in spans],
        }
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "text": ', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": 3, "text": "t"}', "'id' must be a string"),
        ('{"id": "x", "text": "t", "spans": [{"start": "0", "end": 1, "label": "PER"}]}', r"spans\[0\]"),
        (_record("Anna", [(0, 5, "PER")]), "outside the text"),
        (_record("Anna", [(2, 2, "PER")]), "or is empty"),
        (_record("Anna Lind", [(0, 9, "PER"), (5, 9, "LOC")]), "overlap"),
        (_record("Anna", [(0, 4, "per")]), "upper-case"),
        (_record("Anna", [], id_="first"), "used before"),
    ],
)
def test_jsonl_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(_record("ok", [], id_="first") + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"gold\.jsonl: line 3: .*{message}"):
        list(read_jsonl(path))


def test_write_refuses_invalid_spans() -> None:
    with pytest.raises(ValueError, match="outside"):
        write_jsonl(io.StringIO(), [GoldDocument("x", "", "ab", (GoldSpan(0, 3, "PER"),))])


def test_load_gold_refuses_unknown_formats(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.csv: unknown gold format"):
        load_gold(path)
    with pytest.raises(InputError, match=r"no \.txt markup documents"):
        load_gold(tmp_path)


# ---------------------------------------------------------------- the hand-written corpus


@pytest.fixture(scope="module")
def corpus() -> list[GoldDocument]:
    return read_markup_dir(GOLD)


def test_corpus_size_and_label_counts(corpus: list[GoldDocument]) -> None:
    assert len(corpus) >= 30
    counts = Counter(span.label for document in corpus for span in document.spans)
    assert set(counts) <= set(GOLD_LABELS)
    for label, minimum in MINIMUM_COUNTS.items():
        assert counts[label] >= minimum, (label, counts[label])
    assert len({document.kind for document in corpus}) >= 15


def test_corpus_documents_are_well_formed(corpus: list[GoldDocument]) -> None:
    for document in corpus:
        assert re.fullmatch(r"\d\d-[a-z-]+", document.id), document.id
        assert check_spans(document.text, document.spans) is None, document.id
        assert 5 <= len(document.text.strip().splitlines()) <= 40, document.id
        for span in document.spans:
            surface = document.surface(span)
            assert surface == surface.strip() and "\n" not in surface, (document.id, surface)


def _invalid_on_purpose() -> set[tuple[str, str, str]]:
    lines = (GOLD / "invalid-checksums.tsv").read_text(encoding="utf-8").splitlines()
    rows = (line.split("\t") for line in lines if line and not line.startswith("#"))
    return {(stem, label, surface) for stem, label, surface in rows}


def _checked(document: GoldDocument, span: GoldSpan) -> bool | None:
    """The checksum verdict of a PNR, ORGNR, IBAN, bankgiro or plusgiro span (None: no checksum)."""
    surface = document.surface(span)
    if span.label == "PNR":
        return pnr_ok(surface)
    if span.label == "ORGNR":
        return orgnr_ok(surface)
    if span.label == "BANK":
        if re.match(r"[A-Z]{2}\d\d", surface):
            return iban_ok(surface)
        before = document.text[max(0, span.start - 20) : span.start].lower()
        if "bankgiro" in before or "plusgiro" in before:
            return luhn_valid(re.sub(r"\D", "", surface))
    return None


def test_corpus_checksums_are_what_the_manifest_says(corpus: list[GoldDocument]) -> None:
    invalid = _invalid_on_purpose()
    found_invalid = set()
    checked: Counter[str] = Counter()
    for document in corpus:
        for span in document.spans:
            verdict = _checked(document, span)
            if verdict is None:
                continue
            key = (document.id, span.label, document.surface(span))
            checked[span.label] += 1
            if key in invalid:
                assert verdict is False, f"{key} is listed as invalid but its check digit is right"
                found_invalid.add(key)
            else:
                assert verdict is True, f"{key} has a wrong check digit; fix it or list it as invalid"
    assert found_invalid == invalid, "every listed identifier is in the corpus"
    assert len(invalid) >= 3
    assert checked["PNR"] >= 40 and checked["ORGNR"] >= 10 and checked["BANK"] >= 8


def test_corpus_has_every_identifier_spelling(corpus: list[GoldDocument]) -> None:
    surfaces = {(span.label, document.surface(span)) for document in corpus for span in document.spans}
    pnr = [text for label, text in surfaces if label == "PNR"]
    for pattern in (r"\d{6}-\d{4}", r"\d{8}-\d{4}", r"\d{12}", r"\d{10}", r"\d{6}\+\d{4}"):
        assert any(re.fullmatch(pattern, text) for text in pnr), pattern
    assert any(int(re.sub(r"\D", "", text)[-6:-4]) > 60 for text in pnr), "a samordningsnummer"
    phones = [text for label, text in surfaces if label == "PHONE"]
    for pattern in (
        r"07\d-\d{3} \d\d \d\d",
        r"07\d{8}",
        r"\+46 .*",
        r"0\d{1,3}-.*",
        r"0\d{2,3}/.*",
        r"\+4[57] .*",
    ):
        assert any(re.fullmatch(pattern, text) for text in phones), pattern
    regs = [text for label, text in surfaces if label == "REG"]
    assert any(re.fullmatch(r"[A-Z]{3} \d\d[A-Z]", text) for text in regs)
    assert any(re.fullmatch(r"[A-Z]{3} ?\d{3}", text) for text in regs)
    assert any(label == "IP" and ":" in text for label, text in surfaces), "an IPv6 address"


def test_corpus_keeps_distractors_unlabelled(corpus: list[GoldDocument]) -> None:
    labelled = {document.surface(span) for document in corpus for span in document.spans}
    text = "\n".join(document.text for document in corpus)
    for distractor in ("SFS 2010:110", "kap.", "§", "Dnr", "björn", "rosa", "114 14"):
        assert distractor in text, distractor
        assert not any(distractor in surface for surface in labelled), distractor


def test_checksum_helpers() -> None:
    assert pnr_ok("19470315-2688") and pnr_ok("230614+1405") and pnr_ok("760269-3322")
    assert not pnr_ok("19700611-2385") and not pnr_ok("471315-2686")  # wrong digit, month 13
    assert orgnr_ok("556000-3468") and orgnr_ok("SE556000346801") and not orgnr_ok("551000-3463")
    assert iban_ok("SE45 5000 0000 0583 9825 7466") and not iban_ok("SE46 5000 0000 0583 9825 7466")
