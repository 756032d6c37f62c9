"""Overlap resolution: pure strategies from a bag of spans to disjoint spans.

Detectors disagree: the tagger and a rule may both claim "3 maj", or the tagger
may tag "Anna" inside a longer rule match. A strategy takes all spans of a
record and returns a left-to-right list of non-overlapping spans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from anonymizer.span import Occupied, Rank, Span

Strategy = Callable[[Iterable[Span]], list[Span]]


def strength(span: Span) -> tuple[int, int, int, float, int]:
    """Sort key, strongest first: which span wins an overlap, or names a fused one.

    1. the user's deny list, then any span its rule's validator accepted (a valid
       personnummer beats a tagger's guess at "19800101-1234", whatever the lengths);
    2. the longer span ("Storgatan 12 B" over "Storgatan");
    3. the detector's rank: rule over tagger over name lists and propagation (:class:`Rank`);
    4. the higher score; finally the earlier start, for determinism.
    """
    validated = 0 if span.rank is Rank.DENY or span.valid is True else 1
    return (validated, -len(span), int(span.rank), -span.score, span.start)


def longest_wins(spans: Iterable[Span]) -> list[Span]:
    """Greedy by priority: a span is kept unless it overlaps one already kept.

    Priority: see :func:`strength`.
    """
    kept: list[Span] = []
    taken = Occupied()
    for span in sorted(set(spans), key=strength):
        if taken.claim(span.start, span.end):
            kept.append(span)
    return sorted(kept)


def union(spans: Iterable[Span]) -> list[Span]:
    """Fuse overlapping spans into one covering span (the default: it fails closed).

    Nothing any detector claimed stays visible. The fused span takes label,
    score, detector, validity and rank from its strongest part (:func:`strength`).
    """
    merged: list[Span] = []
    lead: Span | None = None
    start = end = 0
    for span in sorted(spans):
        if lead is not None and span.start < end:
            end = max(end, span.end)
            if strength(span) < strength(lead):
                lead = span
            continue
        if lead is not None:
            merged.append(replace(lead, start=start, end=end))
        lead, start, end = span, span.start, span.end
    if lead is not None:
        merged.append(replace(lead, start=start, end=end))
    return merged


def drop_covered_by_rules(text: str, spans: Iterable[Span]) -> list[Span]:
    """``spans`` without the tagger's and lists' spans whose every letter and digit lies
    inside spans of the rules or the deny list.

    "Storgatan 5, 123 45 Umeå" tagged LOC whole is two ADDRESS rule matches and a comma:
    the rule spans hide all of it already, and keep their labels instead of being fused
    into one LOC span.
    """
    spans = list(spans)
    strong = covered_ranges((span.start, span.end) for span in spans if span.rank <= Rank.RULE)
    if not strong:
        return spans
    return [span for span in spans if span.rank <= Rank.RULE or not _inside(text, span, strong)]


def covered_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``(start, end)`` ranges, sorted and disjoint; touching ranges merge."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _inside(text: str, span: Span, ranges: list[tuple[int, int]]) -> bool:
    position = span.start
    for start, end in ranges:
        if end <= position:
            continue
        if start >= span.end:
            break
        if any(character.isalnum() for character in text[position:start]):
            return False
        position = max(position, end)
        if position >= span.end:
            return True
    return not any(character.isalnum() for character in text[position : span.end])


STRATEGIES: dict[str, Strategy] = {"union": union, "longest": longest_wins}
