"""HTML for one text with its replaced spans highlighted: shared by the review page and the demo.

Every piece of input text and every value from an audit log goes through
:func:`html.escape` (quotes too), so a record holding ``<script>`` shows as text.
A highlight is ``<mark class="ent" data-label=... data-score=...>`` with a ``title``
tooltip (label, detector, score, replacement); the redacted side marks each
replacement with ``<span class="rep" data-label=...>``; a possible miss is
``<span class="miss" data-miss=...>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours per label (background), readable with black text.
PALETTE = {
    "PER": "#ffb3b3",
    "LOC": "#a8d8ff",
    "ORG": "#c6f0b0",
    "TME": "#ffe08a",
    "MISC": "#e0c8ff",
    "PNR": "#ff9ecf",
    "ORGNR": "#b5e7d9",
    "PHONE": "#ffc999",
    "EMAIL": "#9ee6f0",
    "URL": "#d0e0a0",
    "IP": "#d9d9d9",
    "BANK": "#f2c2a0",
    "ADDRESS": "#b9c7ff",
    "REG": "#f0d0f0",
}


def label_colour(label: str) -> str:
    """The label's colour; labels of one's own rules get a stable pastel from their name."""
    if label in PALETTE:
        return PALETTE[label]
    hue = int(hashlib.sha256(label.encode("utf-8")).hexdigest()[:4], 16) % 360
    return f"hsl({hue}, 80%, 82%)"


@dataclass(frozen=True, slots=True)
class Highlight:
    """A replaced span, as the renderer needs it (offsets into the original text)."""

    start: int
    end: int
    label: str
    detector: str
    score: float
    replacement: str


@dataclass(frozen=True, slots=True)
class Miss:
    """A word left untouched that another detector would have taken."""

    start: int
    end: int
    label: str
    detector: str


LOW_SCORE = 0.6
"""Highlights scored below this get ``data-low`` (a dashed outline)."""


def tooltip(item: Highlight) -> str:
    return f"{item.label} · {item.detector} · score {item.score:.2f} · → {item.replacement}"


def check_spans(text: str, spans: Sequence[Highlight | Miss]) -> None:
    cursor = 0
    for span in spans:
        if not cursor <= span.start < span.end <= len(text):
            raise ValueError(f"spans overlap or exceed the text: {span.start}-{span.end}")
        cursor = span.end


def render_original(text: str, highlights: Sequence[Highlight], misses: Sequence[Miss] = ()) -> str:
    """``text`` with each highlight (and each possible miss) wrapped; both sorted, disjoint."""
    check_spans(text, highlights)
    check_spans(text, misses)
    marks: list[tuple[int, int, str, str]] = []
    for item in highlights:
        open_tag = (
            f'<mark class="ent" data-label="{escape(item.label)}" data-score="{item.score:.4f}" '
            f'data-detector="{escape(item.detector)}" title="{escape(tooltip(item))}" '
            f"{'data-low ' if item.score < LOW_SCORE else ''}"
            f'style="--c: {label_colour(item.label)}">'
        )
        close = f'<span class="tag" aria-hidden="true">{escape(item.label)}</span></mark>'
        marks.append((item.start, item.end, open_tag, close))
    for miss in misses:
        if any(miss.start < item.end and item.start < miss.end for item in highlights):
            continue
        open_tag = (
            f'<span class="miss" data-miss="{escape(miss.label)}" data-detector="{escape(miss.detector)}" '
            f'title="{escape(f"possible miss: {miss.label} ({miss.detector}), left untouched")}">'
        )
        marks.append((miss.start, miss.end, open_tag, "</span>"))
    marks.sort()
    pieces: list[str] = []
    cursor = 0
    for start, end, open_tag, close in marks:
        pieces.append(escape(text[cursor:start]))
        pieces.append(open_tag + escape(text[start:end]) + close)
        cursor = end
    pieces.append(escape(text[cursor:]))
    return "".join(pieces)


def render_redacted(text: str, highlights: Sequence[Highlight]) -> str:
    """The redacted text (``text`` with the replacements), each replacement marked."""
    check_spans(text, highlights)
    pieces: list[str] = []
    cursor = 0
    for item in highlights:
        pieces.append(escape(text[cursor : item.start]))
        pieces.append(
            f'<span class="rep" data-label="{escape(item.label)}" style="--c: {label_colour(item.label)}">'
            f"{escape(item.replacement)}</span>"
        )
        cursor = item.end
    pieces.append(escape(text[cursor:]))
    return "".join(pieces)


def legend(labels: Sequence[str]) -> str:
    return "".join(
        f'<span class="chip" data-label="{escape(label)}" style="--c: {label_colour(label)}">'
        f"{escape(label)}</span>"
        for label in labels
    )


CSS = """
.anon-text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; }
.anon-text mark.ent { background: var(--c); color: #111; border-radius: 4px; padding: 0.1em 0.25em;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; cursor: help; }
.anon-text mark.ent .tag { font: 600 0.62em/1 system-ui, sans-serif; margin-left: 0.35em;
  vertical-align: middle; opacity: 0.75; letter-spacing: 0.03em; }
.anon-text mark.ent[data-low] { outline: 2px dashed #b00; outline-offset: 1px; }
.anon-text span.rep { background: var(--c); color: #111; border-radius: 4px; padding: 0.05em 0.2em;
  font-family: ui-monospace, monospace; font-size: 0.92em; }
.anon-text span.miss { text-decoration: underline wavy #d40; text-underline-offset: 3px; }
.chip { display: inline-block; background: var(--c); color: #111; border-radius: 999px;
  padding: 0.05em 0.6em; margin: 0 0.3em 0.3em 0; font: 600 0.8em/1.6 system-ui, sans-serif; }
"""
"""Styles of the elements above; pages include it once."""
