"""``review.html``: a sample of records, the original beside the redacted text, in one file.

The page is self-contained (inline CSS and one inline script, allowed by its hash in
a Content-Security-Policy that forbids fetching anything), and every value in it is
escaped. Sampling is weighted reservoir sampling (one pass, memory bounded by the
sample) seeded by ``seed``, favouring low scores, rare labels and records whose
digests do not match the input.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from anonymizer.detectors import Detector
from anonymizer.io import open_reader
from anonymizer.io.base import Reader
from anonymizer.review.auditlog import AuditEntry, AuditTrail, CellCheck, check_cell
from anonymizer.review.render import (
    CSS,
    LOW_SCORE,
    Highlight,
    Miss,
    label_colour,
    render_original,
    render_redacted,
)
from anonymizer.review.rows import iter_rows
from anonymizer.review.verify import selected_columns

DEFAULT_SAMPLE = 50


@dataclass
class ReviewCell:
    name: str | None
    value: str | None
    entries: list[AuditEntry]
    check: CellCheck
    misses: list[Miss] = field(default_factory=list)

    @property
    def highlights(self) -> list[Highlight]:
        return [Highlight(e.start, e.end, e.label, e.detector, e.score, e.replacement) for e in self.entries]


@dataclass
class ReviewRecord:
    index: int
    cells: list[ReviewCell]

    @property
    def labels(self) -> list[str]:
        return sorted({entry.label for cell in self.cells for entry in cell.entries})

    @property
    def fits(self) -> bool:
        return all(cell.check.fits for cell in self.cells)

    @property
    def misses(self) -> int:
        return sum(len(cell.misses) for cell in self.cells)


@dataclass
class ReviewData:
    source: str
    records: list[ReviewRecord]
    """The sample, in row order."""
    rows: int
    flagged: int
    """Records of the whole input whose audit entries do not fit it."""
    checked: bool
    """Whether digests were checked (a key was given and the run's key was not random)."""
    label_counts: dict[str, int]
    seed: int
    misses_available: bool = False


def record_weight(record: ReviewRecord, *, label_counts: dict[str, int]) -> float:
    """Sampling weight: 1, plus up to 9 for a low score, plus twice log2 of the rarest
    label's rarity (1 / its share of the run's spans), plus 20 for a record whose
    entries do not fit the input (so that it is shown, flagged)."""
    entries = [entry for cell in record.cells for entry in cell.entries]
    weight = 1.0
    if entries:
        total = sum(label_counts.values()) or 1
        weight += 9.0 * (1.0 - min(max(min(e.score for e in entries), 0.0), 1.0))
        weight += 2.0 * max(math.log2(total / max(label_counts.get(e.label, 1), 1)) for e in entries)
    if not record.fits:
        weight += 20.0
    return weight


def collect(
    reader: Reader,
    *,
    audit: AuditTrail,
    key: bytes | None,
    sample: int = DEFAULT_SAMPLE,
    seed: int = 0,
) -> ReviewData:
    """Read every record of ``reader``, check its cells against ``audit``, keep a sample."""
    if sample < 1:
        raise ValueError("sample must be at least 1")
    checking = None if audit.key_random else key
    label_counts = audit.label_counts()
    rng = random.Random(seed)
    heap: list[tuple[float, int, ReviewRecord]] = []
    rows = flagged = 0
    for row in iter_rows(reader):
        if row.index < 0:
            continue
        rows += 1
        cells = []
        for name, value in row.values.items():
            entries = audit.for_cell(row.index, name)
            cells.append(ReviewCell(name, value, entries, check_cell(value, entries, key=checking)))
        record = ReviewRecord(row.index, cells)
        flagged += not record.fits
        # A-Res: keep the largest u ** (1 / w), compared as log(u) / w.
        priority = math.log(1.0 - rng.random()) / record_weight(record, label_counts=label_counts)
        if len(heap) < sample:
            heapq.heappush(heap, (priority, -row.index, record))
        elif priority > heap[0][0]:
            heapq.heapreplace(heap, (priority, -row.index, record))
    records = sorted((item[2] for item in heap), key=lambda r: r.index)
    return ReviewData(
        source=reader.source,
        records=records,
        rows=rows,
        flagged=flagged,
        checked=checking is not None,
        label_counts=label_counts,
        seed=seed,
    )


def possible_misses(
    texts: Sequence[str], taken: Sequence[Sequence[Highlight]], detector: Detector
) -> list[list[Miss]]:
    """Capitalised words ``detector`` finds that no replaced span covers."""
    found = detector.detect(texts)
    if len(found) != len(texts):
        raise ValueError(f"detector '{detector.name}' returned {len(found)} results for {len(texts)} texts")
    result: list[list[Miss]] = []
    for text, spans, covered in zip(texts, found, taken, strict=True):
        misses: list[Miss] = []
        cursor = 0
        for span in sorted(spans):
            if span.start < cursor or span.end > len(text) or not text[span.start].isupper():
                continue
            if any(span.start < item.end and item.start < span.end for item in covered):
                continue
            misses.append(Miss(span.start, span.end, span.label, span.detector))
            cursor = span.end
        result.append(misses)
    return result


def add_misses(data: ReviewData, detector: Detector) -> None:
    """Run ``detector`` over the sampled cells whose audit entries fit."""
    cells = [c for r in data.records for c in r.cells if c.value and c.check.fits]
    misses = possible_misses([c.value or "" for c in cells], [c.highlights for c in cells], detector)
    for cell, found in zip(cells, misses, strict=True):
        cell.misses = found
    data.misses_available = True


SCRIPT = """
(function () {
  var records = Array.prototype.slice.call(document.querySelectorAll("article.record"));
  var label = "", view = "all";
  function apply() {
    var shown = 0;
    records.forEach(function (r) {
      var labels = (r.getAttribute("data-labels") || "").split(" ");
      var show = !label || labels.indexOf(label) >= 0;
      if (view === "misses") show = show && Number(r.getAttribute("data-misses")) > 0;
      if (view === "flagged") show = show && r.getAttribute("data-status") !== "ok";
      r.hidden = !show;
      if (show) shown += 1;
    });
    document.body.classList.toggle("show-misses", view === "misses");
    document.querySelectorAll("[data-filter-label]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-filter-label") === label);
    });
    document.querySelectorAll("[data-view]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-view") === view);
    });
    document.getElementById("shown").textContent = String(shown);
  }
  document.querySelectorAll("[data-filter-label]").forEach(function (b) {
    b.addEventListener("click", function () { label = b.getAttribute("data-filter-label"); apply(); });
  });
  document.querySelectorAll("[data-view]").forEach(function (b) {
    b.addEventListener("click", function () { view = b.getAttribute("data-view"); apply(); });
  });
  apply();
})();
"""

PAGE_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
  background: #f5f5f2; display: grid; grid-template-columns: 250px 1fr; min-height: 100vh; }
aside { background: #23262b; color: #eee; padding: 1rem; position: sticky; top: 0; height: 100vh;
  overflow-y: auto; }
aside h1 { font-size: 1.05rem; margin: 0 0 0.5rem; }
aside h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: #aaa;
  margin: 1.2rem 0 0.4rem; }
aside p { font-size: 0.85rem; color: #ccc; margin: 0.3rem 0; overflow-wrap: anywhere; }
aside button { display: flex; width: 100%; justify-content: space-between; align-items: center;
  background: transparent; color: #eee; border: 1px solid #444; border-radius: 6px; padding: 0.3rem 0.5rem;
  margin: 0.2rem 0; font: inherit; font-size: 0.85rem; cursor: pointer; }
aside button.active { border-color: #fff; background: #3a3f47; }
aside button .swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 3px;
  background: var(--c); margin-right: 0.4em; }
aside button .n { color: #aaa; font-variant-numeric: tabular-nums; }
main { padding: 1rem 1.5rem; min-width: 0; }
.banner { border-radius: 8px; padding: 0.6rem 0.9rem; margin-bottom: 0.8rem; }
.banner.warn { background: #fff3cd; border: 1px solid #e0c36a; }
.banner.bad { background: #fde2e1; border: 1px solid #e08a86; }
article.record { background: #fff; border: 1px solid #ddd; border-radius: 8px; margin-bottom: 0.8rem;
  padding: 0.6rem 0.9rem; }
article.record[data-status="mismatch"] { border: 2px solid #c0392b; }
article.record h3 { font-size: 0.85rem; margin: 0 0 0.4rem; color: #555; font-weight: 600; }
.cell { margin-top: 0.3rem; }
.cell .panes { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.cell .pane { min-width: 0; }
.cell .caption { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.06em; color: #888; }
.flag { color: #a61b1b; font-weight: 600; font-size: 0.85rem; margin: 0.2rem 0; }
.muted { color: #888; font-style: italic; }
body:not(.show-misses) .anon-text span.miss { text-decoration: none; }
"""


def _script_hash() -> str:
    return base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")


def _button(attribute: str, value: str, text: str, count: int, colour: str | None = None) -> str:
    swatch = f'<span class="swatch" style="--c: {colour}"></span>' if colour else ""
    return (
        f'<button type="button" {attribute}="{escape(value)}"><span>{swatch}{escape(text)}</span>'
        f'<span class="n">{count:,}</span></button>'
    )


def _cell_html(cell: ReviewCell, *, show_field: bool) -> str:
    caption = f"column {cell.name}" if show_field and cell.name is not None else ""
    text = cell.value or ""
    if cell.check.status == "offsets":
        original = escape(text)
        redacted = '<span class="muted">not shown: the audit entries do not fit this value</span>'
        flag = "the audit's offsets do not fit this value: the input changed since the run"
    else:
        original = render_original(text, cell.highlights, cell.misses)
        if cell.check.status == "digest":
            redacted = '<span class="muted">not shown: the input differs from the run\'s</span>'
            flag = "digests do not match: the input changed since the run (or the key is wrong)"
        else:
            redacted = render_redacted(text, cell.highlights)
            flag = ""
    if not text:
        original = redacted = '<span class="muted">(empty)</span>'
    head = f'<div class="caption">{escape(caption)}</div>' if caption else ""
    head += f'<div class="flag">{escape(flag)}</div>' if flag else ""
    return (
        f'<div class="cell" data-field="{escape(cell.name or "")}">{head}<div class="panes">'
        f'<div class="pane"><div class="caption">original</div>'
        f'<div class="anon-text original">{original}</div></div>'
        f'<div class="pane"><div class="caption">redacted</div>'
        f'<div class="anon-text redacted">{redacted}</div></div></div></div>'
    )


def _record_html(record: ReviewRecord, *, show_field: bool) -> str:
    status = "ok" if record.fits else "mismatch"
    body = "".join(_cell_html(cell, show_field=show_field) for cell in record.cells)
    check_a = "" if record.fits else " — flagged: does not match the input"
    return (
        f'<article class="record" data-row="{record.index}" data-labels="{escape(" ".join(record.labels))}" '
        f'data-status="{status}" data-misses="{record.misses}">'
        f"<h3>record {record.index}{escape(check_a)}</h3>{body}</article>"
    )


def render_page(data: ReviewData, *, run: dict[str, object] | None = None) -> str:
    """The whole HTML document. ``run``: the audit's summary line (shown in the sidebar)."""
    sample_counts = Counter(e.label for r in data.records for c in r.cells for e in c.entries)
    labels = sorted(set(data.label_counts) | set(sample_counts))
    banners = []
    if not data.checked:
        banners.append(
            '<div class="banner warn">Digests were not checked: '
            + (
                "the run used a random audit key, so nothing can tell whether the input changed since."
                if run is not None and str(run.get("audit_key", "")).startswith("random")
                else "no audit key was given."
            )
            + "</div>"
        )
    if data.flagged:
        banners.append(
            f'<div class="banner bad">{data.flagged:,} of {data.rows:,} records do not match the audit '
            "log: the input changed since the run, or the key is not the run's. They are flagged below.</div>"
        )
    label_buttons = _button("data-filter-label", "", "all labels", sum(sample_counts.values())) + "".join(
        _button("data-filter-label", label, label, sample_counts.get(label, 0), label_colour(label))
        for label in labels
    )
    misses = sum(r.misses for r in data.records)
    views = _button("data-view", "all", "all sampled records", len(data.records))
    views += _button("data-view", "misses", "possible misses", misses) if data.misses_available else ""
    views += _button("data-view", "flagged", "flagged", sum(not r.fits for r in data.records))
    totals = "".join(
        f"<p>{escape(label)}: {count:,}</p>" for label, count in sorted(data.label_counts.items())
    )
    run_lines = ""
    if run is not None:
        for key in ("rows", "spans", "version", "model_sha256", "audit_key"):
            if run.get(key) is not None:
                value = str(run[key])[:12] + "…" if key == "model_sha256" else str(run[key])
                run_lines += f"<p>{escape(key)}: {escape(value)}</p>"
    show_field = any(len(r.cells) > 1 for r in data.records)
    records = "".join(_record_html(record, show_field=show_field) for record in data.records)
    csp = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_script_hash()}'; img-src data:"
    )
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review: {escape(data.source)}</title>
<style>{CSS}{PAGE_CSS}</style>
</head>
<body>
<aside>
<h1>Review</h1>
<p>{escape(data.source)}</p>
<p>showing <span id="shown">{len(data.records)}</span> of {data.rows:,} records, sampled with seed \
{data.seed} (low scores and rare labels first)</p>
<h2>Labels in the sample</h2>
{label_buttons}
<h2>View</h2>
{views}
<p>Hover a highlight for its detector, score and replacement; a dashed outline marks a score \
below {LOW_SCORE}.</p>
<h2>Whole run</h2>
{totals}{run_lines}
</aside>
<main>
{"".join(banners)}{records or '<p class="muted">no records</p>'}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


def review_page(
    input_path: str | Path,
    *,
    audit: AuditTrail,
    key: bytes | None,
    fmt: str,
    columns: Sequence[str] = (),
    encoding: str = "utf-8",
    sample: int = DEFAULT_SAMPLE,
    seed: int = 0,
    detector: Detector | None = None,
) -> str:
    """The review page of ``input_path`` and its audit log; ``detector`` finds possible misses."""
    audit.check_one_input()
    fields = selected_columns(audit, fmt=fmt, columns=columns)
    with open_reader(input_path, fmt=fmt, fields=fields, encoding=encoding) as reader:
        data = collect(reader, audit=audit, key=key, sample=sample, seed=seed)
    if detector is not None:
        add_misses(data, detector)
    return render_page(data, run=audit.summary.raw if audit.summary is not None else None)
