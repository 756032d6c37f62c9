"""Long records come out right: every identifier is gone, offsets hold, names propagate
across the whole record, the record size limit gives an error and not an out-of-memory
kill. Correctness only: ``bench/long_records.py`` measures the time.
"""

from __future__ import annotations

import io
import json
import random
import string
from collections.abc import Sequence
from pathlib import Path

import pytest

from anonymizer import limits
from anonymizer.config import load_config
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.detectors.time import TimeDetector
from anonymizer.errors import InputError
from anonymizer.io import open_reader, open_writer
from anonymizer.pipeline import Anonymizer, run_job
from anonymizer.span import Rank, Replacement, Span
from anonymizer.text import sentences, tokenize
from support import FakeDetector


class FirstMention:
    """Tags only the first occurrence of each ``Q...`` surname as a PER span with its first name,
    so that every later one is left to propagation."""

    name = "first-mention"
    labels = frozenset({"PER"})
    rank = Rank.MODEL

    def detect(self, texts: list[str]) -> list[list[Span]]:
        import re

        found = []
        for text in texts:
            seen: set[str] = set()
            spans = []
            for match in re.finditer(r"\b(?:Anna|Erik) (Q[a-z]+)\b", text):
                if match.group(1) not in seen:
                    seen.add(match.group(1))
                    spans.append(Span(match.start(), match.end(), "PER", 0.9, "ner", rank=self.rank))
            found.append(spans)
        return found


def rules_anonymizer(*extra: object) -> Anonymizer:
    config = load_config(None)
    detectors = [TimeDetector(), PatternDetector(config.recognizers), *extra]
    labels = frozenset({"TME", "PNR", "PHONE", "EMAIL"} | ({"PER"} if extra else set()))
    return Anonymizer(config=config.with_entities(labels), detectors=detectors, cache_size=0)  # type: ignore[arg-type]


def surname(rng: random.Random) -> str:
    return "Q" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def test_a_long_record_with_thousands_of_distinct_names_is_redacted_throughout() -> None:
    rng = random.Random(7)
    names = [surname(rng) for _ in range(1500)]
    first = [f"Anna {name} ringde den 3 maj från 070-123 45 67." for name in names]
    later = [f"Sedan svarade {name}, mejla {name.lower()}@exempel.se." for name in names]
    text = " ".join(first) + "\n" + " ".join(later)
    [result] = rules_anonymizer(FirstMention()).redact([text])
    for name in names:
        assert name not in result.text
    assert "070-123 45 67" not in result.text and "@exempel.se" not in result.text
    labels = {item.span.label for item in result.replacements}
    assert labels == {"PER", "TME", "PHONE", "EMAIL"}
    numbers = {item.replacement for item in result.replacements if item.span.label == "PER"}
    assert len(numbers) == 1500  # the propagated surname shares its full name's number
    assert "[PER_1500]" in result.text


def test_offsets_of_a_long_record_rebuild_it() -> None:
    rng = random.Random(3)
    pieces = []
    for index in range(4000):
        pieces.append(f"Mötet {index} är kl. 14.30, pnr 811218-9876 och tel 08-123 456 78.")
        pieces.append(rng.choice(["\n", " ", "  ", "\r\n", "\u00a0"]))
    text = "".join(pieces)
    [result] = rules_anonymizer().redact([text])
    rebuilt, cursor = [], 0
    for item in result.replacements:
        assert cursor <= item.span.start < item.span.end <= len(text)
        rebuilt.append(text[cursor : item.span.start])
        rebuilt.append(item.replacement)
        cursor = item.span.end
    rebuilt.append(text[cursor:])
    assert "".join(rebuilt) == result.text
    assert "811218-9876" not in result.text and "08-123 456 78" not in result.text
    assert result.text.count("[PNR_1]") == 4000


@pytest.mark.parametrize(
    "unit",
    ["1.", "a@", "+-", "_.", "fredag, 3 maj ", "Anna ", "A&", "\u00ad", "\U0001f469\u200d\U0001f467"],
)
def test_a_long_run_of_one_shape_comes_back_whole(unit: str) -> None:
    """Shapes that made the rules or the tokenizer backtrack: the text outside spans stays."""
    text = (unit * (50_000 // len(unit) + 1))[:50_000]
    [result] = rules_anonymizer(FakeDetector({"Anna": "PER"})).redact([text])
    cursor = 0
    for item in result.replacements:
        assert cursor <= item.span.start
        cursor = item.span.end
    assert "Anna" not in result.text
    tokens = tokenize(text)
    assert "".join(text[t.start : t.end] for t in tokens) == "".join(text.split())
    assert sum(len(s) for s in sentences(text)) == len(tokens)


def test_a_huge_token_is_one_run_of_tokens_that_covers_it() -> None:
    token = "x" * 1_000_000
    tokens = tokenize(f"före {token} efter")
    assert [t.text for t in tokens] == ["före", token, "efter"]
    assert max(len(s) for s in sentences(f"före {token} efter")) == 3


def write_long(path: Path, fmt: str, size: int) -> None:
    value = "Anna " * (size // 5 + 1)
    if fmt == "text":
        path.write_text(f"kort stycke\n\n{value}\n", encoding="utf-8")
    elif fmt == "csv":
        path.write_text(f"id,text\n1,kort\n2,{value}\n", encoding="utf-8")
    elif fmt == "csv-quoted":  # a record of many lines
        lines = "\n".join(["Anna"] * (size // 5 + 1))
        path.write_text(f'id,text\n1,kort\n2,"{lines}"\n', encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text(json.dumps({"id": 1, "text": "kort"}) + "\n" + json.dumps({"text": value}) + "\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": [1, 2], "text": ["kort", value]}), path)


@pytest.mark.parametrize(
    ("fmt", "where"),
    [
        ("text", "line 3"),
        ("csv", "line 3"),
        ("csv-quoted", "line "),
        ("jsonl", "line 2"),
        ("parquet", "record 1, column 'text'"),
    ],
)
def test_a_record_over_the_limit_is_an_input_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, where: str
) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_CHARS", 10_000)
    real = "csv" if fmt == "csv-quoted" else fmt
    path = tmp_path / f"in.{'txt' if real == 'text' else real}"
    write_long(path, fmt, 20_000)
    anonymizer = Anonymizer(
        config=load_config(None).with_entities(frozenset({"PER"})), detectors=[FakeDetector({"Anna": "PER"})]
    )
    fields = [] if real == "text" else ["text"]
    with pytest.raises(InputError) as caught, open_reader(path, fmt=real, fields=fields) as reader:
        run_job(anonymizer, reader, open_writer(io.BytesIO(), reader=reader))
    message = str(caught.value)
    assert str(path) in message and where in message and "10,000 characters" in message
    assert "Anna" not in message


def test_a_record_at_the_limit_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_CHARS", 10_000)
    path = tmp_path / "in.csv"
    path.write_text("text\n" + "a" * 9_990 + "\n", encoding="utf-8")
    out = io.BytesIO()
    anonymizer = Anonymizer(
        config=load_config(None).with_entities(frozenset({"PER"})), detectors=[FakeDetector({"Anna": "PER"})]
    )
    with open_reader(path, fmt="csv", fields=["text"]) as reader:
        writer = open_writer(out, reader=reader)
        run_job(anonymizer, reader, writer)
        writer.close()
    assert out.getvalue() == path.read_bytes()


@pytest.mark.shipped_model
def test_the_whole_pipeline_on_a_long_record_with_the_tagger() -> None:
    """The shipped model and every rule on one record of some 60,000 characters."""
    filler = "Vi pratade länge om vädret och om hur dagen hade varit på jobbet. "
    text = (
        "Anna Lindqvist ringde från 070-123 45 67 den 3 maj 2021.\n"
        + filler * 900
        + "\nTill sist sa Lindqvist att hon mejlar anna.lindqvist@exempel.se i morgon."
    )
    [result] = Anonymizer.load(key=b"k" * 32).redact([text])
    assert rebuild_ok(text, result.text, result.replacements)
    for secret in ("Anna", "Lindqvist", "070-123 45 67", "3 maj 2021", "@exempel.se"):
        assert secret not in result.text, secret
    assert result.text.count(filler.strip()) == 900


def rebuild_ok(original: str, output: str, replacements: Sequence[Replacement]) -> bool:
    pieces, cursor = [], 0
    for item in replacements:
        pieces += [original[cursor : item.span.start], item.replacement]
        cursor = item.span.end
    return "".join([*pieces, original[cursor:]]) == output
