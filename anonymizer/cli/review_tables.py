"""Rich tables for ``anonymizer audit summarize`` (stdout: they are the command's data)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from anonymizer.review.summary import BINS, AuditSummary, Drift

BARS = " ▁▂▃▄▅▆▇█"

stdout = Console(highlight=False, soft_wrap=False)


def sparkline(counts: Sequence[int]) -> str:
    """One character per bin, scaled to the largest bin."""
    top = max(counts, default=0)
    if not top:
        return " " * len(counts)
    return "".join(BARS[0] if n == 0 else BARS[max(1, round(n / top * (len(BARS) - 1)))] for n in counts)


def _counts_table(title: str, counts: Counter[str], total: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split(" ")[-1], overflow="fold")
    table.add_column("spans", justify="right")
    table.add_column("share", justify="right")
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(escape(name), f"{count:,}", f"{count / total:.1%}" if total else "")
    return table


def print_summary(summary: AuditSummary) -> None:
    rows = "unknown (a log without its summary line)" if summary.rows is None else f"{summary.rows:,}"
    stdout.print(
        f"[bold]{summary.spans:,} spans[/] in {summary.runs} run(s), {rows} rows "
        f"({escape(', '.join(summary.files))})"
    )
    labels = Table(title="by label", title_justify="left")
    labels.add_column("label")
    labels.add_column("spans", justify="right")
    labels.add_column("per 1,000 rows", justify="right")
    labels.add_column("score 0 … 1", no_wrap=True)
    labels.add_column("< 0.5", justify="right")
    for label in sorted(summary.by_label):
        histogram = summary.histogram.get(label, [0] * BINS)
        rate = summary.rate(label)
        labels.add_row(
            escape(label),
            f"{summary.by_label[label]:,}",
            "" if rate is None else f"{rate:,.1f}",
            f"[on grey19]{sparkline(histogram)}[/]",
            f"{sum(histogram[: BINS // 2]):,}",
        )
    stdout.print(labels)
    stdout.print(_counts_table("by detector", summary.by_detector, summary.spans))
    stdout.print(_counts_table("by source", summary.by_source, summary.spans))
    if summary.lowest:
        low = Table(title=f"lowest-scored {len(summary.lowest)} spans", title_justify="left")
        for column in ("score", "label", "detector", "source", "record", "field", "offsets"):
            low.add_column(column, justify="right" if column in ("score", "record") else "left")
        for item in summary.lowest:
            low.add_row(
                f"{item.score:.3f}",
                escape(item.label),
                escape(item.detector),
                escape(item.source),
                str(item.record),
                escape(item.field or "-"),
                f"{item.start}-{item.end}",
            )
        stdout.print(low)


def print_drift(drifts: Sequence[Drift], *, threshold: float) -> None:
    table = Table(title=f"drift per label (threshold {threshold:.0%})", title_justify="left")
    for column in ("label", "before /1,000 rows", "now /1,000 rows", "change", ""):
        table.add_column(column, justify="left" if column in ("label", "") else "right")
    for drift in drifts:
        change = "new" if drift.change is None else f"{drift.change:+.0%}"
        table.add_row(
            escape(drift.label),
            f"{drift.before:,.1f}",
            f"{drift.after:,.1f}",
            change,
            "[bold red]DRIFT[/]" if drift.flagged else "ok",
        )
    stdout.print(table)
