"""Tables pasted into text: CRM and salary exports, transfer and booking lists.

A table is two or more consecutive lines split into the same number of cells (three or
more, give or take one) by one separator: ";", a tab or "|". Where its first line is a
header (no digits, one cell or more named in ``rules/tables.toml``), every value of a
named column is a span of the column's label. Where no header names a column, the
shape of its values may: all postcodes (LOC) or all plates (REG); a column of clearing
numbers beside one of account numbers (BANK, both); and any cell holding a clearing and
an account number together (BANK). Pure; the header words are data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from anonymizer.config import shipped_file
from anonymizer.errors import ConfigError
from anonymizer.span import Rank, Span
from anonymizer.toml_files import read_toml

__all__ = ["TableDetector", "TableRules", "load_table_rules"]

SEPARATORS = (";", "\t", "|")
HEADER_SCORE = 0.85
SHAPE_SCORE = 0.8
_NOT_LETTER = re.compile(r"[^\w]|[\d_]")
_EMPTY = re.compile(r"[-\u2013\u2014:.\s/*]*|(?i:n/?a|saknas|okänd|ingen|inget|null|none|x)")
_POSTCODE = re.compile(r"(?:SE-?)?[1-9]\d{2}[^\S\t\n]?\d{2}")
_PLATE = re.compile(r"[A-HJ-PR-UW-Z]{3}[^\S\t\n]?\d{2}[\dA-HJ-NPR-UW-Z]")
_CLEARING = re.compile(r"[1-9]\d{3}(?:-\d)?")
_ACCOUNT = re.compile(r"\d[\d -]{5,16}\d")
_CLEARING_ACCOUNT = re.compile(r"[1-9]\d{3}(?:-\d)?(?:[-,][^\S\t\n]?|[^\S\t\n])\d[\d -]{4,16}\d")
_RULE_LINE = re.compile(r"[\s|:\-]*")
_NUMBER_LABELS = frozenset({"PNR", "BANK", "PHONE", "REG", "ORGNR"})
_NAME_LABELS = frozenset({"PER", "ORG"})


@dataclass(frozen=True)
class TableRules:
    """Header words (case-folded, letters only) and compound tails, each with its label."""

    headers: Mapping[str, str]
    suffixes: tuple[tuple[str, str], ...]  # (tail, label), longest tail first

    def label(self, cell: str) -> str | None:
        """The label a header cell names, or None."""
        word = _NOT_LETTER.sub("", cell.casefold())
        if not word:
            return None
        found = self.headers.get(word)
        if found is not None:
            return found
        return next((label for tail, label in self.suffixes if word.endswith(tail)), None)

    @property
    def labels(self) -> frozenset[str]:
        return (
            frozenset(self.headers.values()) | {label for _, label in self.suffixes} | {"LOC", "REG", "BANK"}
        )


def load_table_rules(path: Path | None = None) -> TableRules:
    """The header words of ``path`` (default: the shipped ``rules/tables.toml``)."""
    return _load(path or shipped_file("rules", "tables.toml"))


@lru_cache(maxsize=4)
def _load(path: Path) -> TableRules:
    raw = read_toml(path, "table header file")
    headers: dict[str, str] = {}
    suffixes: list[tuple[str, str]] = []
    for table, into in (("headers", headers), ("suffixes", None)):
        section = raw.get(table)
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: table [{table}] missing; it maps a label to a list of header words")
        for label, words in section.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", label):
                raise ConfigError(f"{path}: [{table}] {label}: a key is a label such as PER or BANK")
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise ConfigError(f"{path}: [{table}] {label}: expected a list of non-empty strings")
            for word in words:
                key = _NOT_LETTER.sub("", word.casefold())
                if into is not None:
                    if into.get(key, label) != label:
                        raise ConfigError(f"{path}: [{table}] {label}: {word!r} is also under {into[key]}")
                    into[key] = label
                else:
                    suffixes.append((key, label))
    suffixes.sort(key=lambda pair: -len(pair[0]))
    return TableRules(headers, tuple(suffixes))


@dataclass(frozen=True, slots=True)
class _Cell:
    start: int
    end: int
    text: str


class TableDetector:
    """Spans of the columns of tables in text (see the module's docstring)."""

    name = "tables"
    rank = Rank.RULE

    def __init__(self, rules: TableRules | None = None) -> None:
        self.rules = rules or load_table_rules()
        self.labels = self.rules.labels

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        if not any(separator in text for separator in SEPARATORS):
            return []
        spans: list[Span] = []
        for rows in _tables(text):
            spans.extend(self._columns(rows))
        return sorted(set(spans))

    def _columns(self, rows: list[list[_Cell]]) -> Iterator[Span]:
        header = rows[0]
        named: dict[int, str] = {}
        if not any(any(c.isdigit() for c in cell.text) for cell in header):
            named = {i: label for i, cell in enumerate(header) if (label := self.rules.label(cell.text))}
        body = rows[1:] if named or _looks_like_header(header) else rows
        for index, label in named.items():
            for row in body:
                if index < len(row) and _fits(label, row[index].text):
                    yield _span(row[index], label, HEADER_SCORE, "table:header")
        width = max(map(len, body), default=0)
        columns = [
            [row[i] for row in body if i < len(row) and not _EMPTY.fullmatch(row[i].text)]
            for i in range(width)
        ]
        titled = body is not rows
        for index, cells in enumerate(columns):
            if index in named or len(cells) < 2:
                continue
            # a column whose title names something else ("Lön", "Kod") keeps its numbers
            untitled = not titled or index >= len(header) or _EMPTY.fullmatch(header[index].text)
            label = _column_shape(cells, columns, index, untitled=bool(untitled))
            for cell in cells if label else ():
                yield _span(cell, label, SHAPE_SCORE, "table:shape")
        for row in body:
            for cell in row:
                if _CLEARING_ACCOUNT.fullmatch(cell.text) and 10 <= _digits(cell.text) <= 15:
                    yield _span(cell, "BANK", SHAPE_SCORE, "table:shape")


def _span(cell: _Cell, label: str | None, score: float, detector: str) -> Span:
    assert label is not None
    return Span(cell.start, cell.end, label, score, detector, rank=Rank.RULE)


def _digits_apart(text: str) -> bool:
    """A postcode written as postcodes are: "123 45" or with the country, "SE-12345"."""
    return " " in text or "\u00a0" in text or text[:2].upper() == "SE"


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _fits(label: str, value: str) -> bool:
    """Whether a cell's value can be of ``label``: a number has a digit, a name a letter."""
    if _EMPTY.fullmatch(value):
        return False
    if label in _NUMBER_LABELS:
        return any(c.isdigit() for c in value)
    if label in _NAME_LABELS:
        return any(c.isalpha() for c in value) and not value.replace(" ", "").isdigit()
    return any(c.isalnum() for c in value)


def _looks_like_header(cells: list[_Cell]) -> bool:
    """A first line of words only, each capitalised or all letters: column titles."""
    return all(not any(c.isdigit() for c in cell.text) for cell in cells) and any(
        cell.text[:1].isupper() for cell in cells
    )


def _column_shape(
    cells: list[_Cell], columns: list[list[_Cell]], index: int, *, untitled: bool
) -> str | None:
    """What a column holds by the shape of all its values; postcodes and plates only in a
    column without a title, and five joined digits are postcodes only when none is a round
    amount ("32500")."""
    texts = [cell.text for cell in cells]
    if untitled and all(_POSTCODE.fullmatch(t) for t in texts):
        if any(not _digits_apart(t) for t in texts) and any(t.endswith("00") for t in texts):
            return None
        return "LOC"
    if untitled and all(_PLATE.fullmatch(t) for t in texts):
        return "REG"
    if all(_CLEARING.fullmatch(t) for t in texts) and index + 1 < len(columns):
        following = [cell.text for cell in columns[index + 1]]
        if following and all(_ACCOUNT.fullmatch(t) and 5 <= _digits(t) <= 12 for t in following):
            return "BANK"
    if index > 0 and all(_ACCOUNT.fullmatch(t) and 5 <= _digits(t) <= 12 for t in texts):
        before = [cell.text for cell in columns[index - 1]]
        if before and all(_CLEARING.fullmatch(t) for t in before):
            return "BANK"
    return None


def _tables(text: str) -> Iterator[list[list[_Cell]]]:
    """Blocks of two or more consecutive lines split alike into three or more cells."""
    block: list[list[_Cell]] = []
    separator = ""
    position = 0
    for line in text.split("\n"):
        start, position = position, position + len(line) + 1
        if block and separator == "|" and _RULE_LINE.fullmatch(line):
            continue  # a Markdown rule under the header
        cells = _split(text, start, line, separator) if block else None
        if block and cells is not None and abs(len(cells) - len(block[0])) <= 1:
            block.append(cells)
            continue
        if len(block) >= 2:
            yield block
        block, separator = [], _separator(line)
        if separator:
            first = _split(text, start, line, separator)
            if first is not None:
                block = [first]
    if len(block) >= 2:
        yield block


def _separator(line: str) -> str:
    counts = [(line.count(separator), separator) for separator in SEPARATORS]
    count, separator = max(counts)
    return separator if count >= 2 else ""


def _split(text: str, start: int, line: str, separator: str) -> list[_Cell] | None:
    """The cells of a line (stripped, quotes off), or None when it has fewer than three."""
    if line.count(separator) < 2:
        return None
    cells = []
    offset = start
    for raw in line.split(separator):
        stripped = raw.strip().strip('"').strip()
        if stripped:
            first = offset + raw.index(stripped)
            cells.append(_Cell(first, first + len(stripped), stripped))
        else:
            cells.append(_Cell(offset, offset, ""))
        offset += len(raw) + 1
    return cells
