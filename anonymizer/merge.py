"""Overlap resolution: pure strategies from a bag of spans to disjoint spans.

Detectors disagree: the tagger and a rule may both claim "3 maj", or the tagger
may tag "Anna" inside a longer rule match. A strategy takes all spans of a
record and returns a left-to-right list of non-overlapping spans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from anonymizer.span import Span

Strategy = Callable[[Iterable[Span]], list[Span]]


def _source_rank(span: Span) -> int:
    """0 the user's deny list, 1 a rule, 2 the tagger, 3 name lists and propagation."""
    if span.detector == "rule:deny":
        return 0
    if span.detector == "rule:propagation" or span.detector.startswith("gazetteer:"):
        return 3
    return 1 if span.detector.startswith("rule:") else 2


def strength(span: Span) -> tuple[int, int, int, float, int]:
    """Sort key, strongest first: which span wins an overlap, or names a fused one.

    1. the user's deny list, then any span its rule's validator accepted (a valid
       personnummer beats a tagger's guess at "19800101-1234", whatever the lengths);
    2. the longer span ("Storgatan 12 B" over "Storgatan");
    3. rule over tagger over name lists and propagation;
    4. the higher score; finally the earlier start, for determinism.
    """
    rank = _source_rank(span)
    validated = 0 if rank == 0 or span.valid is True else 1
    return (validated, -len(span), rank, -span.score, span.start)


def longest_wins(spans: Iterable[Span]) -> list[Span]:
    """Greedy by priority: a span is kept unless it overlaps one already kept.

    Priority: see :func:`strength`.
    """
    kept: list[Span] = []
    for span in sorted(set(spans), key=strength):
        if not any(span.overlaps(other) for other in kept):
            kept.append(span)
    return sorted(kept)


def union(spans: Iterable[Span]) -> list[Span]:
    """Fuse overlapping spans into one covering span (the default: it fails closed).

    Nothing any detector claimed stays visible. The fused span takes label,
    score, detector and validity from its strongest part (:func:`strength`).
    """
    groups: list[list[Span]] = []
    for span in sorted(spans):
        if groups and span.start < max(part.end for part in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    merged = []
    for group in groups:
        lead = min(group, key=strength)
        end = max(part.end for part in group)
        merged.append(Span(group[0].start, end, lead.label, lead.score, lead.detector, lead.valid))
    return merged


STRATEGIES: dict[str, Strategy] = {"union": union, "longest": longest_wins}
