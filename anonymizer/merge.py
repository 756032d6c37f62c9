"""Overlap resolution: pure strategies from a bag of spans to disjoint spans.

Detectors disagree: the tagger and a rule may both claim "3 maj", or the tagger
may tag "Anna" inside a longer rule match. A strategy takes all spans of a
record and returns a left-to-right list of non-overlapping spans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from anonymizer.span import Span

Strategy = Callable[[Iterable[Span]], list[Span]]


def _priority(span: Span) -> tuple[int, int, float, int]:
    # Longer first; on equal length rules beat the tagger (they are validated
    # patterns), then the higher score; finally the earlier start, for determinism.
    is_rule = span.detector.startswith("rule:")
    return (-len(span), 0 if is_rule else 1, -span.score, span.start)


def longest_wins(spans: Iterable[Span]) -> list[Span]:
    """Greedy by priority: a span is kept unless it overlaps one already kept.

    Priority: longer span; then rule over model; then higher score; then earlier.
    """
    kept: list[Span] = []
    for span in sorted(set(spans), key=_priority):
        if not any(span.overlaps(other) for other in kept):
            kept.append(span)
    return sorted(kept)


def union(spans: Iterable[Span]) -> list[Span]:
    """Fuse overlapping spans into one covering span (the default: it fails closed).

    Nothing any detector claimed stays visible. The fused span takes label,
    score and detector from its part that ``longest_wins`` would have kept.
    """
    groups: list[list[Span]] = []
    for span in sorted(spans):
        if groups and span.start < max(part.end for part in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    merged = []
    for group in groups:
        lead = min(group, key=_priority)
        end = max(part.end for part in group)
        merged.append(Span(group[0].start, end, lead.label, lead.score, lead.detector))
    return merged


STRATEGIES: dict[str, Strategy] = {"union": union, "longest": longest_wins}
DEFAULT_STRATEGY = "union"
