"""What an audit log says, in numbers, and whether a run drifted from an earlier one.

The drift alarm compares spans per 1,000 rows per label: a tagger that silently stops
finding persons turns PER's rate to zero, far past any threshold. Nothing here reads
the ``text`` key of logs written with ``--audit-include-text``.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.errors import UsageError
from anonymizer.review.auditlog import AuditEntry, RunSummary, read_audit

BINS = 10
"""Score histogram: ten bins of width 0.1; a score of 1.0 falls in the last."""


@dataclass(frozen=True)
class Filters:
    labels: frozenset[str] = frozenset()
    """Only these labels (empty: all)."""
    sources: frozenset[str] = frozenset()
    """Only entries and runs of these input paths, as the log names them (empty: all)."""
    below: float | None = None
    """Only entries scored strictly below this."""

    def keeps(self, entry: AuditEntry) -> bool:
        return (
            (not self.labels or entry.label in self.labels)
            and (not self.sources or entry.source in self.sources)
            and (self.below is None or entry.score < self.below)
        )

    def keeps_run(self, summary: RunSummary) -> bool:
        return not self.sources or summary.source in self.sources


@dataclass(frozen=True)
class LowRecord:
    """Where a low-scored span is: offsets and labels, never its text."""

    source: str
    record: int
    field: str | None
    start: int
    end: int
    label: str
    detector: str
    score: float


@dataclass
class AuditSummary:
    files: list[str]
    runs: int = 0
    rows: int | None = 0
    """Rows of the runs counted (from their summary lines); ``None`` if a log has none."""
    spans: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    by_detector: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    histogram: dict[str, list[int]] = field(default_factory=dict)
    lowest: list[LowRecord] = field(default_factory=list)
    key_random: bool = False

    def rate(self, label: str) -> float | None:
        """Spans of ``label`` per 1,000 rows."""
        if not self.rows:
            return None
        return 1000.0 * self.by_label.get(label, 0) / self.rows

    @property
    def rates(self) -> dict[str, float | None]:
        return {label: self.rate(label) for label in sorted(self.by_label)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "runs": self.runs,
            "rows": self.rows,
            "spans": self.spans,
            "audit_key_random": self.key_random,
            "by_label": dict(sorted(self.by_label.items())),
            "by_detector": dict(sorted(self.by_detector.items())),
            "by_source": dict(sorted(self.by_source.items())),
            "per_1000_rows": {k: None if v is None else round(v, 3) for k, v in self.rates.items()},
            "histogram": {"bins": BINS, **dict(sorted(self.histogram.items()))},
            "lowest": [vars(item) for item in self.lowest],
        }


def score_bin(score: float) -> int:
    return min(max(int(score * BINS), 0), BINS - 1)


def summarize(paths: Sequence[Path], *, filters: Filters | None = None, lowest: int = 10) -> AuditSummary:
    """Streams the logs; memory holds the counts and the ``lowest`` entries only."""
    filters = filters or Filters()
    result = AuditSummary(files=[str(path) for path in paths])
    heap: list[tuple[float, int, LowRecord]] = []  # max-heap on score via negation
    order = 0
    for path in paths:
        has_summary = False
        for item in read_audit(path):
            if isinstance(item, RunSummary):
                has_summary = True
                result.key_random = result.key_random or item.key_random
                if filters.keeps_run(item):
                    result.runs += 1
                    result.rows = (
                        None if result.rows is None or item.rows is None else result.rows + item.rows
                    )
                continue
            if not filters.keeps(item):
                continue
            result.spans += 1
            result.by_label[item.label] += 1
            result.by_detector[item.detector] += 1
            result.by_source[item.source] += 1
            result.histogram.setdefault(item.label, [0] * BINS)[score_bin(item.score)] += 1
            if lowest > 0:
                order += 1
                low = LowRecord(
                    item.source,
                    item.record,
                    item.field,
                    item.start,
                    item.end,
                    item.label,
                    item.detector,
                    item.score,
                )
                # Ties: the earlier entry wins (a larger negated order is "better" to keep).
                candidate = (-item.score, -order, low)
                if len(heap) < lowest:
                    heapq.heappush(heap, candidate)
                elif candidate[:2] > heap[0][:2]:
                    heapq.heapreplace(heap, candidate)
        if not has_summary:
            result.rows = None
    result.lowest = [item for _, _, item in sorted(heap, key=lambda c: (-c[0], -c[1]))]
    return result


@dataclass(frozen=True)
class Drift:
    """A label's rate (spans per 1,000 rows) then and now."""

    label: str
    before: float
    after: float
    spans_before: int
    spans_after: int
    change: float | None
    """Relative change (``-1.0``: gone); ``None`` for a label that was not there before."""
    flagged: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "before": round(self.before, 3),
            "after": round(self.after, 3),
            "spans_before": self.spans_before,
            "spans_after": self.spans_after,
            "change": None if self.change is None else round(self.change, 4),
            "flagged": self.flagged,
        }


def compare(
    current: AuditSummary,
    previous: AuditSummary,
    *,
    threshold: float = 0.25,
    min_spans: int = 1,
    labels: Iterable[str] = (),
) -> list[Drift]:
    """Each label's drift; flagged when its rate moved by more than ``threshold``
    (relative), or it appeared or vanished, and it had at least ``min_spans`` spans
    in one of the runs.

    ``labels`` are compared even if neither run has them (e.g. the run's entities).
    """
    for summary in (current, previous):
        if not summary.rows:
            raise UsageError(
                f"{', '.join(summary.files)}: no rows counted (no summary line, or zero rows), "
                "so rates per 1,000 rows cannot be compared"
            )
    drifts = []
    for label in sorted({*current.by_label, *previous.by_label, *labels}):
        before, after = previous.rate(label) or 0.0, current.rate(label) or 0.0
        spans_before, spans_after = previous.by_label.get(label, 0), current.by_label.get(label, 0)
        change = None if before == 0 else (after - before) / before
        # A label that appears or vanishes always counts, whatever the threshold.
        moved = after > 0 if change is None else after == 0 or abs(change) > threshold
        drifts.append(
            Drift(
                label=label,
                before=before,
                after=after,
                spans_before=spans_before,
                spans_after=spans_after,
                change=change,
                flagged=moved and max(spans_before, spans_after) >= min_spans,
            )
        )
    return drifts
