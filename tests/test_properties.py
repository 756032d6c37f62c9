"""Properties of the whole pipeline, for any text and any spans (hypothesis).

With a detector that claims spans chosen by hypothesis, and with the real rules on
text built from identifiers, names and noise:

* text outside the replaced spans comes out unchanged, and the replacements rebuild
  the output from the original (so the audit offsets are valid for the original);
* no replaced span's text survives at its position, and every span a detector claimed
  is inside a replaced one (the union merge fails closed);
* every format keeps its row count and order, and the other columns;
* a record's redaction does not depend on its batch or chunk.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymizer.config import load_config
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.detectors.time import TimeDetector
from anonymizer.io import open_reader, open_writer
from anonymizer.pipeline import Anonymizer, Document, run_job
from anonymizer.span import Rank, Redaction, Span
from anonymizer.unicode_map import nfc_copy
from support import FakeDetector, make_config

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LABELS = ("PER", "LOC", "ORG")

# Letters (Swedish too), digits, punctuation, every kind of space and line break, soft
# hyphen, zero-width joiner, combining marks, emoji; no "[" so that no text looks like a
# placeholder.
ALPHABET = st.one_of(
    st.sampled_from(list("abcåäöABCÅÄÖéü0123456789 .,:;-/@+'\"()!?")),
    st.sampled_from(["\n", "\r\n", "\r", "\t", "\u00a0", "\u2009", "\u00ad", "\u200d", "\u0301", "\u0308"]),
    st.sampled_from(["\U0001f469\u200d\U0001f467", "\U0001f600", "\u2013", "\u2026", "e\u0301"]),
    st.characters(codec="utf-8", exclude_characters="[\x00", exclude_categories=["Cs"]),
)
TEXT = st.lists(ALPHABET, max_size=120).map("".join)


class Claims:
    """Claims the spans given as (start, end, label) fractions of each text it sees."""

    name = "claims"
    labels = frozenset(LABELS)
    rank = Rank.MODEL

    def __init__(self, claims: Sequence[tuple[float, float, str]]) -> None:
        self.claims = claims

    def spans(self, text: str) -> list[Span]:
        found = []
        for a, b, label in self.claims:
            start, end = sorted((int(a * len(text)), int(b * len(text))))
            if end > start:
                found.append(Span(start, end, label, 0.9, "claims", rank=self.rank))
        return found

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.spans(text) for text in texts]


CLAIMS = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from(LABELS)), max_size=6)


def claims_anonymizer(claims: Sequence[tuple[float, float, str]], *, propagation: bool = True) -> Anonymizer:
    config = make_config().with_entities(frozenset(LABELS))
    if not propagation:
        from dataclasses import replace

        config = replace(config, propagation=False)
    return Anonymizer(config=config, detectors=[Claims(claims)], cache_size=0)


def rebuild(original: str, result: Redaction) -> str:
    """The output from the original and the replacements alone; checks the offsets on the way."""
    pieces, cursor = [], 0
    for item in result.replacements:
        assert cursor <= item.span.start < item.span.end <= len(original)
        pieces.append(original[cursor : item.span.start])
        pieces.append(item.replacement)
        cursor = item.span.end
    pieces.append(original[cursor:])
    return "".join(pieces)


def check_redaction(original: str, result: Redaction) -> None:
    assert result.original_length == len(original)
    assert rebuild(original, result) == result.text  # text outside the spans is unchanged
    for item in result.replacements:
        surface = original[item.span.start : item.span.end]
        assert item.replacement != surface  # nothing replaced survives at its position
        assert item.replacement.startswith("[") and "[" not in surface


@SETTINGS
@given(text=TEXT, claims=CLAIMS)
def test_any_spans_of_any_text(text: str, claims: list[tuple[float, float, str]]) -> None:
    [result] = claims_anonymizer(claims, propagation=False).redact([text])
    check_redaction(text, result)
    if nfc_copy(text) is None:  # detectors saw the text itself (no NFC or separator copy): offsets are ours
        replaced = [(item.span.start, item.span.end) for item in result.replacements]
        for span in Claims(claims).spans(text):
            assert any(a <= span.start and span.end <= b for a, b in replaced), span


@SETTINGS
@given(texts=st.lists(TEXT, min_size=1, max_size=5), claims=CLAIMS)
def test_propagation_keeps_the_properties_across_a_document(
    texts: list[str], claims: list[tuple[float, float, str]]
) -> None:
    document = Document()
    results = claims_anonymizer(claims).redact_many(texts, [document] * len(texts))
    for text, result in zip(texts, results, strict=True):
        check_redaction(text, result)


@SETTINGS
@given(texts=st.lists(TEXT, min_size=2, max_size=6), claims=CLAIMS)
def test_a_record_redacts_the_same_alone_and_in_a_batch(
    texts: list[str], claims: list[tuple[float, float, str]]
) -> None:
    anonymizer = claims_anonymizer(claims)
    together = anonymizer.redact(texts)
    alone = [claims_anonymizer(claims).redact([text])[0] for text in texts]
    assert together == alone


# --- the real rules ------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "811218-9876",
        "19811218-9876",
        "070-123 45 67",
        "+46 70 123 45 67",
        "anna.lind@exempel.se",
        "Storgatan 12 B",
        "123 45 Stockholm",
        "556036-0793",
        "SE45 5000 0000 0583 9825 7466",
        "192.168.1.20",
        "den 3 maj 2021",
        "kl. 14.30",
        "i går",
        "Volvo AB",
        "Anna Lind",
        "Erik",
        "https://exempel.se/sida",
        "ABC 123",
    ]
)
RULE_TEXT = st.lists(st.one_of(FRAGMENTS, TEXT, st.sampled_from([" ", "\n", ", ", ". "])), max_size=12).map(
    "".join
)
RULES = load_config(None)


def rules_anonymizer() -> Anonymizer:
    detectors = [
        TimeDetector(),
        PatternDetector(RULES.recognizers),
        FakeDetector({"Anna": "PER", "Erik": "PER"}),
    ]
    return Anonymizer(config=RULES, detectors=detectors, cache_size=0)  # type: ignore[arg-type]


RULES_ANONYMIZER = rules_anonymizer()


@SETTINGS
@given(text=RULE_TEXT)
def test_the_real_rules_keep_the_properties(text: str) -> None:
    [result] = RULES_ANONYMIZER.redact([text])
    check_redaction(text, result)
    if nfc_copy(text) is None:
        replaced = [(item.span.start, item.span.end) for item in result.replacements]
        found = [span for d in RULES_ANONYMIZER.detectors for span in d.detect([text])[0]]
        for span in found:
            if span.label in RULES.entities:
                assert any(a <= span.start and span.end <= b for a, b in replaced), span


@SETTINGS
@given(texts=st.lists(RULE_TEXT, min_size=2, max_size=6))
def test_the_real_rules_are_batch_invariant(texts: list[str]) -> None:
    assert RULES_ANONYMIZER.redact(texts) == [rules_anonymizer().redact([text])[0] for text in texts]


# --- formats -------------------------------------------------------------------------------

CELL = st.one_of(FRAGMENTS, TEXT.filter(lambda t: "\r" not in t))
ROWS = st.lists(st.tuples(CELL, CELL), min_size=0, max_size=12)


def write_input(folder: Path, fmt: str, rows: list[tuple[str, str]]) -> Path:
    if fmt == "csv":
        path = folder / "in.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text", "other"])
            writer.writerows([index, text, other] for index, (text, other) in enumerate(rows))
    elif fmt == "jsonl":
        path = folder / "in.jsonl"
        lines = [json.dumps({"id": i, "text": t, "other": o}) for i, (t, o) in enumerate(rows)]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    elif fmt == "parquet":
        path = folder / "in.parquet"
        fields = [pa.field("id", pa.int64()), pa.field("text", pa.string()), pa.field("other", pa.string())]
        schema = pa.schema(fields)  # type: ignore[arg-type]
        columns = [list(range(len(rows))), [t for t, _ in rows], [o for _, o in rows]]
        table = pa.table(columns, schema=schema)
        pq.write_table(table, path)
    else:
        path = folder / "in.txt"
        paragraphs = [f"rad{index}: " + text.replace("\n", " ") for index, (text, _) in enumerate(rows)]
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def read_rows(path: Path, fmt: str) -> list[tuple[str, ...]]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [tuple(row) for row in csv.reader(handle)][1:]
    if fmt == "jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        return [tuple(str(v) for v in json.loads(line).values()) for line in lines]
    if fmt == "parquet":
        table = pq.read_table(path)
        return list(
            zip(*(map(str, table.column(name).to_pylist()) for name in table.column_names), strict=True)
        )
    return [(paragraph,) for paragraph in path.read_text(encoding="utf-8").split("\n\n") if paragraph.strip()]


def redact_file(source: Path, fmt: str, *, chunk_rows: int) -> bytes:
    fields = [] if fmt == "text" else ["text"]
    out = io.BytesIO()
    with open_reader(source, fmt=fmt, fields=fields, chunk_rows=chunk_rows) as reader:
        writer = open_writer(out, reader=reader)
        run_job(RULES_ANONYMIZER, reader, writer, one_document=fmt == "text")
        writer.close()
    return out.getvalue()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=ROWS, fmt=st.sampled_from(["csv", "jsonl", "parquet", "text"]), chunk_rows=st.integers(1, 5))
def test_every_format_keeps_row_count_order_and_other_columns(
    tmp_path: Path, rows: list[tuple[str, str]], fmt: str, chunk_rows: int
) -> None:
    folder = tmp_path / f"{fmt}-{chunk_rows}-{len(rows)}"
    folder.mkdir(exist_ok=True)
    source = write_input(folder, fmt, rows)
    output, whole = folder / f"out{source.suffix}", folder / f"whole{source.suffix}"
    output.write_bytes(redact_file(source, fmt, chunk_rows=chunk_rows))
    whole.write_bytes(redact_file(source, fmt, chunk_rows=1000))
    before, after = read_rows(source, fmt), read_rows(output, fmt)
    assert len(after) == len(before)
    assert read_rows(whole, fmt) == after  # chunks change nothing
    if fmt == "text":
        assert [p[0].split(":", 1)[0] for p in after] == [f"rad{index}" for index in range(len(rows))]
        return
    assert [row[0] for row in after] == [row[0] for row in before]  # ids, in order
    assert [row[2] for row in after] == [row[2] for row in before]  # the other column, untouched
