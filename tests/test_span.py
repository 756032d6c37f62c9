from __future__ import annotations

import dataclasses

import pytest

from anonymizer.span import Rank, Span


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2)])
def test_invalid_offsets_are_refused(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="invalid span offsets"):
        Span(start, end, "PER", rank=Rank.MODEL)


def test_span_is_frozen() -> None:
    span = Span(0, 4, "PER", rank=Rank.MODEL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [((0, 4), (4, 8), False), ((0, 5), (4, 8), True), ((2, 3), (0, 9), True), ((0, 1), (5, 6), False)],
)
def test_overlaps(a: tuple[int, int], b: tuple[int, int], overlap: bool) -> None:
    first, second = Span(*a, "X", rank=Rank.RULE), Span(*b, "X", rank=Rank.RULE)
    assert first.overlaps(second) is overlap
    assert second.overlaps(first) is overlap


def test_a_span_needs_its_detectors_rank() -> None:
    """No default: a new detector cannot silently be ranked as the tagger."""
    with pytest.raises(TypeError, match="rank"):
        Span(0, 4, "PER", 0.9, "rule:new")  # type: ignore[call-arg]
    assert Span(0, 4, "PER", 0.9, "rule:new", rank=Rank.RULE).rank is Rank.RULE
