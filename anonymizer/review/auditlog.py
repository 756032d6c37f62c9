"""Reading an audit log back (the format written by :mod:`anonymizer.audit`).

Every error names the file and line, never a value: a log written with
``--audit-include-text`` holds removed text, and a malformed line may too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.audit import span_digest
from anonymizer.errors import InputError, UsageError

Cell = tuple[int, str | None]
"""(record, field) of an input value; ``field`` is ``None`` for text."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One replaced span. The ``text`` key of ``--audit-include-text`` logs is never read."""

    source: str
    record: int
    field: str | None
    start: int
    end: int
    label: str
    detector: str
    score: float
    replacement: str
    digest: str
    valid: bool | None = None
    line: int = 0
    """Line number in the audit file (1-based), for messages."""

    @property
    def cell(self) -> Cell:
        return (self.record, self.field)


@dataclass(frozen=True)
class RunSummary:
    """The ``{"type": "summary"}`` line that closes each run's log."""

    source: str | None
    rows: int | None
    counts: dict[str, int]
    key_random: bool
    raw: dict[str, Any]
    line: int


def _fail(path: Path | str, line: int, message: str) -> InputError:
    return InputError(f"{path}: line {line}: {message}; is it the audit log of an anonymize run?")


def _require(
    obj: dict[str, Any], key: str, types: type | tuple[type, ...], path: Path | str, line: int
) -> Any:
    if key not in obj:
        raise _fail(path, line, f"no key {key!r}")
    value = obj[key]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise _fail(path, line, f"key {key!r} has the wrong type")
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _entry(obj: dict[str, Any], path: Path | str, line: int) -> AuditEntry:
    start = _require(obj, "start", int, path, line)
    end = _require(obj, "end", int, path, line)
    record = _require(obj, "record", int, path, line)
    score = float(_require(obj, "score", (int, float), path, line))
    if not 0 <= start < end or record < 0 or not math.isfinite(score):
        raise _fail(path, line, "invalid record, offsets or score")
    field_name = obj.get("field")
    if field_name is not None and not isinstance(field_name, str):
        raise _fail(path, line, "key 'field' has the wrong type")
    valid = obj.get("valid")
    return AuditEntry(
        source=_require(obj, "source", str, path, line),
        record=record,
        field=field_name,
        start=start,
        end=end,
        label=_require(obj, "label", str, path, line),
        detector=_require(obj, "detector", str, path, line),
        score=score,
        replacement=_require(obj, "replacement", str, path, line),
        digest=_require(obj, "digest", str, path, line),
        valid=valid if isinstance(valid, bool) else None,
        line=line,
    )


def _summary(obj: dict[str, Any], path: Path | str, line: int) -> RunSummary:
    counts = obj.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in counts.items()
    ):
        raise _fail(path, line, "summary key 'counts' has the wrong type")
    rows = obj.get("rows")
    source = obj.get("source")
    key = obj.get("audit_key", "")
    return RunSummary(
        source=source if isinstance(source, str) else None,
        rows=rows if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0 else None,
        counts=dict(counts),
        key_random=isinstance(key, str) and key.startswith("random"),
        raw={k: v for k, v in obj.items() if k != "text"},
        line=line,
    )


def read_audit(path: Path) -> Iterator[AuditEntry | RunSummary]:
    """The entries and summaries of ``path``, in file order (streamed)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot open the audit log: {exc.strerror or exc}") from None
    with handle:
        try:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError:
                    raise _fail(path, number, "not valid JSON") from None
                if not isinstance(obj, dict):
                    raise _fail(path, number, "not a JSON object")
                yield (
                    _summary(obj, path, number) if obj.get("type") == "summary" else _entry(obj, path, number)
                )
        except UnicodeDecodeError:
            raise InputError(f"{path}: the audit log is not UTF-8") from None


@dataclass
class AuditTrail:
    """A whole audit log in memory, its entries grouped by input cell (sorted by offset)."""

    path: Path
    cells: dict[Cell, list[AuditEntry]] = field(default_factory=dict)
    summaries: list[RunSummary] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    """The fields the entries name, in order of first appearance."""
    sources: list[str] = field(default_factory=list)
    """The inputs the entries name (one for the log of one run)."""

    @property
    def entries(self) -> int:
        return sum(len(group) for group in self.cells.values())

    @property
    def key_random(self) -> bool:
        return any(summary.key_random for summary in self.summaries)

    @property
    def summary(self) -> RunSummary | None:
        return self.summaries[-1] if self.summaries else None

    def label_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for group in self.cells.values():
            for entry in group:
                counts[entry.label] = counts.get(entry.label, 0) + 1
        return dict(sorted(counts.items()))

    def check_one_input(self) -> None:
        """Record numbers are per input: a log of several inputs cannot be laid over one."""
        if len(self.sources) > 1 or len(self.summaries) > 1:
            raise UsageError(
                f"{self.path}: the log holds {max(len(self.sources), len(self.summaries))} runs; "
                "give the audit log of the one run that wrote this output"
            )

    def for_cell(self, record: int, field_name: str | None) -> list[AuditEntry]:
        return self.cells.get((record, field_name), [])


def load_audit(path: Path) -> AuditTrail:
    """Memory grows with the number of entries (one small object per replaced span)."""
    trail = AuditTrail(path)
    seen_fields: set[str | None] = set()
    for item in read_audit(path):
        if isinstance(item, RunSummary):
            trail.summaries.append(item)
            continue
        trail.cells.setdefault(item.cell, []).append(item)
        if item.source not in trail.sources:
            trail.sources.append(item.source)
        if item.field not in seen_fields:
            seen_fields.add(item.field)
            trail.fields.append(item.field)
    for group in trail.cells.values():
        group.sort(key=lambda entry: entry.start)
    return trail


@dataclass(frozen=True)
class CellCheck:
    """Whether a cell's audit entries still fit the input value.

    ``status``: ``"ok"`` (offsets fit, every digest matches), ``"unchecked"`` (offsets
    fit but there is no key to check digests with), ``"offsets"`` (an entry lies
    outside the value, or entries overlap) or ``"digest"`` (a digest differs: the
    input changed since the run, or the key is not the run's). ``entry`` is the
    first entry that failed.
    """

    status: str
    entry: AuditEntry | None = None

    @property
    def fits(self) -> bool:
        return self.status in ("ok", "unchecked")


def check_cell(value: str | None, entries: Sequence[AuditEntry], *, key: bytes | None) -> CellCheck:
    """``entries`` sorted by ``start`` (as :func:`load_audit` keeps them)."""
    text = value or ""
    cursor = 0
    for entry in entries:
        if entry.start < cursor or entry.end > len(text):
            return CellCheck("offsets", entry)
        cursor = entry.end
    if key is None:
        return CellCheck("unchecked")
    for entry in entries:
        if span_digest(key, text[entry.start : entry.end]) != entry.digest:
            return CellCheck("digest", entry)
    return CellCheck("ok")


def apply_entries(value: str, entries: Sequence[AuditEntry]) -> str:
    """``value`` with each audited span replaced by its replacement (entries must fit)."""
    pieces: list[str] = []
    cursor = 0
    for entry in entries:
        pieces.append(value[cursor : entry.start])
        pieces.append(entry.replacement)
        cursor = entry.end
    pieces.append(value[cursor:])
    return "".join(pieces)
