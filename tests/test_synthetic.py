"""The synthetic document generator: determinism, exact offsets, and identifiers that validate."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from random import Random

import pytest
from click.testing import CliRunner

from anonymizer.cli.tools import tools
from anonymizer.errors import ConfigError, InputError
from anonymizer.evaluation.gold import GOLD_LABELS, GoldDocument, check_spans, read_jsonl
from anonymizer.evaluation.identifiers import bankgiro, iban, orgnr, phone, plate, plusgiro, pnr
from anonymizer.evaluation.shared_lists import Gazetteers
from anonymizer.evaluation.synthetic import generate, known_field, load_templates
from anonymizer.evaluation.templates import template_fields
from anonymizer.validators import iban_check_digits, luhn_valid
from support import digits_of, iban_ok, orgnr_ok, pnr_ok

PLATE = re.compile(r"[A-HJ-PR-UW-Z]{3} ?\d{2}[\dA-HJ-NPR-UW-Z]")
PHONE = re.compile(r"[+(]?[\d][\d ()/+-]{5,}\d")


@pytest.fixture(scope="module")
def documents() -> list[GoldDocument]:
    return list(generate(300, seed=11))


def test_same_seed_same_documents_other_seed_others() -> None:
    first = list(generate(40, seed=3))
    assert first == list(generate(40, seed=3))
    assert first != list(generate(40, seed=4))
    assert len({document.id for document in first}) == 40


def test_templates_are_many_and_their_fields_exist() -> None:
    templates = load_templates()
    assert len(templates) >= 15
    assert len({template.kind for template in templates}) == len(templates)
    for template in templates:
        for field in template_fields(template):
            assert known_field(*field), (template.kind, field)


def test_every_template_is_used_first(documents: list[GoldDocument]) -> None:
    templates = load_templates()
    assert [d.kind for d in documents[: len(templates)]] == [t.kind for t in templates]


def test_spans_are_valid_and_say_what_their_text_is(documents: list[GoldDocument]) -> None:
    counts: Counter[str] = Counter()
    for document in documents:
        assert check_spans(document.text, document.spans) is None, document.id
        for span in document.spans:
            text = document.surface(span)
            counts[span.label] += 1
            assert span.label in GOLD_LABELS
            assert text == text.strip() and text, (document.id, span)
            if span.label == "PNR":
                assert pnr_ok(text) and re.fullmatch(r"\d{6,8}[-+]?\d{4}", text), text
            elif span.label == "ORGNR":
                assert orgnr_ok(text), text
            elif span.label == "EMAIL":
                assert re.fullmatch(r"[^@\s]+@[\w.-]+\.[a-z]{2,}", text), text
            elif span.label == "PHONE":
                assert PHONE.fullmatch(text), text
            elif span.label == "REG":
                assert PLATE.fullmatch(text), text
            elif span.label == "PER":
                assert re.fullmatch(r"[\w, -]+", text) and not any(c.isdigit() for c in text), text
            elif span.label == "BANK" and re.match(r"SE\d\d", text):
                assert iban_ok(text), text
            elif span.label == "BANK":
                before = document.text[max(0, span.start - 12) : span.start]
                if "giro" in before:
                    assert luhn_valid(digits_of(text)), text
    assert set(counts) == set(GOLD_LABELS), set(GOLD_LABELS) - set(counts)


def test_genitive_s_and_titles_stay_outside(documents: list[GoldDocument]) -> None:
    for document in documents:
        for span in document.spans:
            if span.label == "PER":
                assert not document.text[span.start : span.end].lower().startswith(("dr ", "inspektör "))
    genitives = [
        document.text[span.end : span.end + 2]
        for document in documents
        for span in document.spans
        if span.label == "PER" and document.text[span.end : span.end + 1] == "s"
    ]
    assert genitives, "templates use the genitive"


def test_time_pieces_parted_by_spaces_are_one_span(documents: list[GoldDocument]) -> None:
    for document in documents:
        spans = [s for s in document.spans if s.label == "TME"]
        for left, right in pairwise(spans):
            gap = document.text[left.end : right.start]
            assert gap.strip(" ") or not gap, (document.id, gap)


def test_identifier_helpers_write_every_spelling() -> None:
    rng = Random(0)
    pnrs = [pnr(rng) for _ in range(3000)]
    for pattern in (r"\d{6}-\d{4}", r"\d{8}-\d{4}", r"\d{12}", r"\d{10}", r"\d{6}\+\d{4}"):
        assert any(re.fullmatch(pattern, p) for p in pnrs), pattern
    assert all(pnr_ok(p) for p in pnrs)
    coordination = [pnr(rng, coordination=True) for _ in range(50)]
    assert all(pnr_ok(p) and int(digits_of(p)[-6:-4]) > 60 for p in coordination)
    assert all(orgnr_ok(orgnr(rng)) for _ in range(200))
    assert all(luhn_valid(digits_of(bankgiro(rng))) for _ in range(200))
    giros = [plusgiro(rng) for _ in range(200)]
    assert all(luhn_valid(digits_of(g)) and re.fullmatch(r"[\d ]+-\d", g) for g in giros)
    assert all(iban_ok(iban(rng)) for _ in range(200))
    phones = {phone(rng) for _ in range(2000)}
    for pattern in (
        r"07\d-\d{3} \d\d \d\d",
        r"07\d{8}",
        r"\+46 7\d .*",
        r"0046 .*",
        r"08-.*",
        r"0\d\d/.*",
        r"\+47 .*",
    ):
        assert any(re.fullmatch(pattern, p) for p in phones), pattern
    plates = {plate(rng) for _ in range(300)}
    assert all(PLATE.fullmatch(p) for p in plates)
    assert any(p[-1].isalpha() for p in plates) and any(" " not in p for p in plates)


def test_iban_check_digits_match_the_published_example() -> None:
    assert iban_check_digits("SE", "50000000058398257466") == "45"
    assert iban_ok("SE45 5000 0000 0583 9825 7466")
    assert not iban_ok("SE46 5000 0000 0583 9825 7466")
    assert not iban_ok("not an iban")


def _write_gazetteers(folder: Path) -> None:
    folder.mkdir()
    (folder / "tilltalsnamn-kvinnor.csv").write_text(
        "name,persons\nZyxelina,900\nA:Son,900\n", encoding="utf-8"
    )
    (folder / "tilltalsnamn-man.csv").write_text("name,persons\nQworbert,900\nRare,3\n", encoding="utf-8")
    (folder / "efternamn-top1000.csv").write_text('"lastname",frequency\n"Plonkvist",10\n', encoding="utf-8")
    (folder / "kommuner.csv").write_text("code,name,region\n0001,Glimmerby kommun,X län\n", encoding="utf-8")
    (folder / "ortsnamn.csv").write_text("city\nSnurrevik\n", encoding="utf-8")
    (folder / "myndigheter.tsv").write_text(
        "type\tname\tcity\nx\tVerket för prov\tGlimmerby\n", encoding="utf-8"
    )


def test_gazetteers_feed_names_and_places(tmp_path: Path) -> None:
    _write_gazetteers(tmp_path / "gaz")
    lists = Gazetteers.load(tmp_path / "gaz")
    assert lists.female.names == ("Zyxelina",) and lists.male.names == ("Qworbert",)  # odd and rare ones out
    assert lists.places == ("Glimmerby", "Snurrevik")
    surfaces = {
        (span.label, document.surface(span))
        for document in generate(60, seed=1, gazetteers=lists)
        for span in document.spans
    }
    assert any(label == "PER" and "Plonkvist" in text for label, text in surfaces)
    assert any(label == "PER" and ("Zyxelina" in text or "Qworbert" in text) for label, text in surfaces)
    assert ("LOC", "Glimmerby") in surfaces or ("LOC", "Snurrevik") in surfaces


def test_missing_gazetteer_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"kommuner\.csv: gazetteer file missing"):
        Gazetteers.load(tmp_path)


def test_synthesize_command_writes_the_span_format(tmp_path: Path) -> None:
    _write_gazetteers(tmp_path / "gaz")
    outputs = []
    for name in ("a.jsonl", "b.jsonl"):
        out = tmp_path / name
        args = [
            "synthesize",
            "--count",
            "25",
            "--seed",
            "5",
            "--out",
            str(out),
            "--gazetteers",
            str(tmp_path / "gaz"),
        ]
        result = CliRunner().invoke(tools, args)
        assert result.exit_code == 0, result.output
        assert '"documents": 25' in result.stdout
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(list(read_jsonl(tmp_path / "a.jsonl"))) == 25


def test_every_field_is_filled(documents: list[GoldDocument]) -> None:
    assert not [document.id for document in documents if "{" in document.text or "}" in document.text]
    assert any(
        ":" in document.surface(s) for document in documents for s in document.spans if s.label == "IP"
    )


def _template_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "templates.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_template_file_is_read_in_order_with_alternatives(tmp_path: Path) -> None:
    path = _template_file(
        tmp_path,
        '[[template]]\nkind = "sms"\nlines = [["Hej {a.first}!", ""], "Ring {landline}"]\n\n'
        '[[template]]\nkind = "brev"\nlines = ["{place} {date}"]\n',
    )
    templates = load_templates(path)
    assert [(t.kind, t.lines) for t in templates] == [
        ("sms", (("Hej {a.first}!", ""), "Ring {landline}")),
        ("brev", ("{place} {date}",)),
    ]
    documents = list(generate(4, seed=2, templates=templates))
    assert [d.kind for d in documents[:2]] == ["sms", "brev"]
    assert all(d.spans for d in documents)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[template]]\nkind = "sms"\nlines = ["Hej {a.nick}"]\n',
            r"\[\[template\]\] 1 \(sms\), lines\[0\]: unknown field \{a\.nick\}",
        ),
        (
            '[[template]]\nkind = "sms"\nlines = ["ok", "{colour}"]\n',
            r"\(sms\), lines\[1\]: unknown field \{colour\}",
        ),
        (
            '[[template]]\nkind = "sms"\nlines = [["ok", "Hej {A.first}"]]\n',
            r"lines\[0\]: a brace outside a field",
        ),
        (
            '[[template]]\nkind = "sms"\nlines = [["ok", 3]]\n',
            r"lines\[0\]: a line is a string or a non-empty list",
        ),
        ('[[template]]\nkind = "sms"\nlines = []\n', r"\(sms\): lines must be a non-empty list"),
        (
            '[[template]]\nkind = "sms"\nline = ["ok"]\n',
            r"\[\[template\]\] 1: expected the keys kind and lines",
        ),
        (
            '[[template]]\nkind = "sms"\nlines = ["a"]\n[[template]]\nkind = "sms"\nlines = ["b"]\n',
            r"\[\[template\]\] 2: kind 'sms' is used twice",
        ),
        ('kind = "sms"\n', r"expected only \[\[template\]\] tables"),
        ("[[template]\n", "not valid TOML"),
    ],
)
def test_bad_template_file_names_file_template_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = _template_file(tmp_path, body)
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ": .*" + message):
        load_templates(path)


def test_a_recipes_synthetic_source_is_the_synthesize_commands_bio_file(tmp_path: Path) -> None:
    """`{ synthetic = N, seed = S }` in an encoder recipe trains on exactly the sentences that
    `anonymizer synthesize --format bio` writes with the data root's name lists."""
    from anonymizer.training.encoder_data import read_bio
    from anonymizer.training.encoder_train import Source

    _write_gazetteers(tmp_path / "gazetteers")
    out = tmp_path / "synth.bio"
    args = ["synthesize", "--count", "12", "--seed", "5", "--format", "bio", "--out", str(out)]
    result = CliRunner().invoke(tools, [*args, "--gazetteers", str(tmp_path / "gazetteers")])
    assert result.exit_code == 0, result.output
    source = Source.from_table({"synthetic": 12, "seed": 5, "copies": 2})
    assert (source.copies, source.name) == (2, "synthetic documents, seed 5")
    written = [(list(words), list(tags)) for words, tags in read_bio(out)]
    assert source.read(tmp_path) == written and len(written) > 12
