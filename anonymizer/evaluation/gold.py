"""Gold-annotated documents: the JSON Lines span format and the inline markup format.

Span format, one document per line::

    {"id": "01", "kind": "epikris", "text": "...", "spans": [{"start": 0, "end": 9, "label": "PER"}]}

Offsets are character (code point) offsets into ``text``, ``end`` exclusive; spans
of one document do not overlap.

Markup format, for documents written by hand: ``[[Anna Lind|PER]]`` marks the
surface ``Anna Lind`` with the label ``PER``. A marked surface cannot hold a line
break, ``|`` or ``]]``, and the plain text cannot hold ``[[``. A markup file
``NN-kind.txt`` is one document with id ``NN-kind`` and kind ``kind``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from anonymizer.errors import InputError

# The labels of the hand-written corpus and the synthetic generator.
GOLD_LABELS = (
    "PER",
    "LOC",
    "ORG",
    "TME",
    "PNR",
    "ORGNR",
    "PHONE",
    "EMAIL",
    "URL",
    "IP",
    "BANK",
    "ADDRESS",
    "REG",
)

_LABEL = re.compile(r"[A-Z][A-Z0-9_]*")
_MARK = re.compile(r"\[\[(?P<surface>[^\[\]|\n]+)\|(?P<label>[^\[\]|\n]*)\]\]")


@dataclass(frozen=True, slots=True, order=True)
class GoldSpan:
    """``text[start:end]`` of a gold document carries ``label``."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class GoldDocument:
    id: str
    kind: str
    text: str
    spans: tuple[GoldSpan, ...]

    def surface(self, span: GoldSpan) -> str:
        return self.text[span.start : span.end]


def check_spans(text: str, spans: Iterable[GoldSpan]) -> str | None:
    """Why ``spans`` are not a valid annotation of ``text`` (``None`` when they are)."""
    previous: GoldSpan | None = None
    for span in sorted(spans):
        if not 0 <= span.start < span.end <= len(text):
            return (
                f"span {span.start}-{span.end} ({span.label}) lies outside the text of "
                f"{len(text)} characters or is empty; offsets count characters, end exclusive"
            )
        if not _LABEL.fullmatch(span.label):
            return f"label {span.label!r} is not an upper-case name such as PER or PNR"
        if previous is not None and span.start < previous.end:
            return (
                f"spans {previous.start}-{previous.end} ({previous.label}) and "
                f"{span.start}-{span.end} ({span.label}) overlap; keep one of them"
            )
        previous = span
    return None


# ---------------------------------------------------------------- span format (JSON Lines)


def read_jsonl(path: Path) -> Iterator[GoldDocument]:
    """Documents of a span-format file; errors name the file and line."""
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                document = _document_from_line(line, path, number)
                if document.id in seen:
                    raise InputError(
                        f"{path}: line {number}: document id {document.id!r} was used before; "
                        "give every document its own id"
                    )
                seen.add(document.id)
                yield document
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte {error.start}); convert the file to UTF-8") from None


def _document_from_line(line: str, path: Path, number: int) -> GoldDocument:
    where = f"{path}: line {number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{where}: not valid JSON ({error.msg} at column {error.colno}); write one JSON object per line"
        ) from None
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object with id, kind, text and spans")
    for key in ("id", "text"):
        if not isinstance(record.get(key), str):
            raise InputError(f"{where}: '{key}' must be a string")
    kind = record.get("kind", "")
    if not isinstance(kind, str):
        raise InputError(f"{where}: 'kind' must be a string")
    raw_spans = record.get("spans", [])
    if not isinstance(raw_spans, list):
        raise InputError(f"{where}: 'spans' must be a list of {{start, end, label}} objects")
    spans = []
    for index, raw in enumerate(raw_spans):
        if not (
            isinstance(raw, dict)
            and type(raw.get("start")) is int
            and type(raw.get("end")) is int
            and isinstance(raw.get("label"), str)
        ):
            raise InputError(
                f"{where}: spans[{index}] must be an object with integer 'start', 'end' and string 'label'"
            )
        spans.append(GoldSpan(raw["start"], raw["end"], raw["label"]))
    problem = check_spans(record["text"], spans)
    if problem is not None:
        raise InputError(f"{where}: {problem}")
    return GoldDocument(record["id"], kind, record["text"], tuple(sorted(spans)))


def document_record(document: GoldDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "text": document.text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in document.spans],
    }


def write_jsonl(handle: TextIO, documents: Iterable[GoldDocument]) -> int:
    """Write ``documents`` in the span format; returns how many were written."""
    count = 0
    for document in documents:
        problem = check_spans(document.text, document.spans)
        if problem is not None:
            raise ValueError(f"document {document.id!r}: {problem}")
        handle.write(json.dumps(document_record(document), ensure_ascii=False) + "\n")
        count += 1
    return count


# ---------------------------------------------------------------- inline markup


def parse_markup(markup: str, *, source: str = "<markup>") -> tuple[str, tuple[GoldSpan, ...]]:
    """Plain text and spans of a markup text; errors name ``source``, line and column."""
    parts: list[str] = []
    spans: list[GoldSpan] = []
    length = 0
    position = 0
    for match in _MARK.finditer(markup):
        _check_plain(markup, position, match.start(), source)
        parts.append(markup[position : match.start()])
        length += match.start() - position
        surface, label = match.group("surface"), match.group("label")
        if not _LABEL.fullmatch(label):
            raise InputError(
                f"{_where(markup, match.start(), source)}: label {label!r} is not an upper-case "
                "name; write [[surface|LABEL]], e.g. [[Anna Lind|PER]]"
            )
        if surface != surface.strip():
            raise InputError(
                f"{_where(markup, match.start(), source)}: the marked surface starts or ends with "
                "a space; move the space outside the brackets"
            )
        spans.append(GoldSpan(length, length + len(surface), label))
        parts.append(surface)
        length += len(surface)
        position = match.end()
    _check_plain(markup, position, len(markup), source)
    parts.append(markup[position:])
    return "".join(parts), tuple(spans)


def _check_plain(markup: str, start: int, end: int, source: str) -> None:
    for token in ("[[", "]]"):
        found = markup.find(token, start, end)
        if found >= 0:
            raise InputError(
                f"{_where(markup, found, source)}: unmatched or malformed '{token}'; mark a span as "
                "[[surface|LABEL]] on one line, without '|', '[' or ']' in the surface"
            )


def _where(markup: str, offset: int, source: str) -> str:
    line = markup.count("\n", 0, offset) + 1
    column = offset - (markup.rfind("\n", 0, offset) + 1) + 1
    return f"{source}: line {line}, column {column}"


def to_markup(text: str, spans: Sequence[GoldSpan]) -> str:
    """The markup form of ``text`` with ``spans``; the inverse of :func:`parse_markup`."""
    problem = check_spans(text, spans)
    if problem is not None:
        raise ValueError(problem)
    if "[[" in text or "]]" in text:
        raise ValueError("the text contains '[[' or ']]', which markup cannot represent")
    parts: list[str] = []
    position = 0
    for span in sorted(spans):
        surface = text[span.start : span.end]
        if (
            "\n" in surface
            or "|" in surface
            or "[" in surface
            or "]" in surface
            or surface != surface.strip()
        ):
            raise ValueError(
                f"span {span.start}-{span.end} cannot be marked up (line break, '|', bracket or "
                "outer space in its surface)"
            )
        parts.append(text[position : span.start])
        parts.append(f"[[{surface}|{span.label}]]")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def read_markup_file(path: Path) -> GoldDocument:
    """One markup document; id is the file stem, kind the stem after its ``NN-`` prefix."""
    try:
        markup = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte {error.start}); convert the file to UTF-8") from None
    text, spans = parse_markup(markup, source=str(path))
    stem = path.stem
    prefix, dash, rest = stem.partition("-")
    kind = rest if dash and prefix.isdigit() else stem
    return GoldDocument(stem, kind, text, spans)


def read_markup_dir(folder: Path) -> list[GoldDocument]:
    """Every ``*.txt`` markup document of ``folder``, in file name order."""
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise InputError(f"{folder}: no .txt markup documents in this folder")
    return [read_markup_file(path) for path in paths]


def load_gold(path: Path) -> list[GoldDocument]:
    """Gold documents of a span ``.jsonl`` file, a markup ``.txt`` file or a folder of them."""
    if path.is_dir():
        return read_markup_dir(path)
    if path.suffix.lower() == ".jsonl":
        return list(read_jsonl(path))
    if path.suffix.lower() == ".txt":
        return [read_markup_file(path)]
    raise InputError(
        f"{path}: unknown gold format; use a span-format .jsonl file, a markup .txt file or a folder of them"
    )


def is_gold_path(path: Path) -> bool:
    """Whether :func:`load_gold` reads ``path`` (rather than a ``token<TAB>TAG`` corpus)."""
    return path.is_dir() or path.suffix.lower() in {".jsonl", ".txt"}
