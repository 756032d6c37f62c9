"""What the interactive demo does, without Streamlit: pick an operator, redact, render.

``demo_app.py`` (run by ``streamlit run``) only lays these out; the tests call them
directly and through Streamlit's ``AppTest``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

from anonymizer.audit import span_digest
from anonymizer.config import OperatorSpec, preset_names
from anonymizer.errors import InputError, UsageError
from anonymizer.io import open_reader
from anonymizer.pipeline import Anonymizer
from anonymizer.review.render import Highlight, render_original, render_redacted

OPERATORS = ("placeholder", "pseudonym", "surrogate", "mask")
STRICT = "strict"
MAX_ROWS = 200
"""Rows of an uploaded CSV file that are shown (the demo is for small files)."""
MAX_UPLOAD_BYTES = 2 << 20

EXAMPLE = (
    "Hej Anna!\n\n"
    "Jag träffade Erik Johansson (811218-9876, tel 070-123 45 67) på Karolinska "
    "universitetssjukhuset i Solna i går. Han har flyttat till Göteborg och börjar på "
    "Volvo efter sommaren. Eriks mamma hälsar.\n\n"
    "Med vänliga hälsningar\nKarin Berg"
)


def strict_available() -> bool:
    """Whether this installation ships the strict preset (``rules/presets/strict.toml``)."""
    return STRICT in preset_names()


def load_anonymizer(*, strict: bool = False) -> Anonymizer:
    """The shipped model and rules, or the strict preset (the slow part: the demo caches it)."""
    if strict and not strict_available():
        raise UsageError(f"this installation has no {STRICT} preset")
    return Anonymizer.load(preset=STRICT if strict else None)


def with_operator(anonymizer: Anonymizer, operator: str) -> Anonymizer:
    """``anonymizer`` (its detectors, model and key) with one operator for every label."""
    if operator not in OPERATORS:
        raise UsageError(f"unknown operator {operator!r}; choose one of {', '.join(OPERATORS)}")
    config = replace(anonymizer.config, operators={"DEFAULT": OperatorSpec(operator)})
    return Anonymizer(
        config=config,
        detectors=anonymizer.detectors,
        strategy=anonymizer.strategy,
        model_sha256=anonymizer.model_sha256,
        key=anonymizer.key,
    )


@dataclass(frozen=True)
class DemoResult:
    original_html: str
    redacted_html: str
    redacted: str
    audit: list[dict[str, object]]
    """Audit-log records of the text (offsets, label, detector, score, replacement, digest)."""


def redact_for_demo(anonymizer: Anonymizer, texts: Sequence[str], *, audit_key: bytes) -> list[DemoResult]:
    """Each text is its own document, as a row of a table is."""
    results = []
    for record, (text, redaction) in enumerate(zip(texts, anonymizer.redact(texts), strict=True)):
        highlights = [
            Highlight(
                item.span.start,
                item.span.end,
                item.span.label,
                item.span.detector,
                item.span.score,
                item.replacement,
            )
            for item in redaction.replacements
        ]
        audit: list[dict[str, object]] = [
            {
                "record": record,
                "start": item.span.start,
                "end": item.span.end,
                "label": item.span.label,
                "detector": item.span.detector,
                "score": round(item.span.score, 4),
                "replacement": item.replacement,
                "digest": span_digest(audit_key, text[item.span.start : item.span.end])[:16],
            }
            for item in redaction.replacements
        ]
        results.append(
            DemoResult(
                original_html=render_original(text, highlights),
                redacted_html=render_redacted(text, highlights),
                redacted=redaction.text,
                audit=audit,
            )
        )
    return results


def csv_columns(data: bytes) -> list[str]:
    """The header of an uploaded CSV file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the uploaded file is not UTF-8 text") from None
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [name for name in header if name]


def csv_texts(data: bytes, *, column: str, max_rows: int = MAX_ROWS) -> list[str]:
    """The first ``max_rows`` values of ``column`` (read as the anonymize command reads CSV)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"the demo takes files up to {MAX_UPLOAD_BYTES >> 20} MiB; use `anonymize` for more")
    first_line = data.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line else ","
    texts: list[str] = []
    with open_reader(
        "-", fmt="csv", fields=[column], stdin=io.BytesIO(data), delimiter=delimiter, chunk_rows=max_rows
    ) as reader:
        for chunk in reader:
            texts.extend(value or "" for value in chunk.fields[column])
            if len(texts) >= max_rows:
                break
    return texts[:max_rows]
