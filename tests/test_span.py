from __future__ import annotations

import dataclasses

import pytest

from anonymizer.span import Span


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2)])
def test_invalid_offsets_are_refused(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="invalid span offsets"):
        Span(start, end, "PER")


def test_span_is_frozen() -> None:
    span = Span(0, 4, "PER")
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [((0, 4), (4, 8), False), ((0, 5), (4, 8), True), ((2, 3), (0, 9), True), ((0, 1), (5, 6), False)],
)
def test_overlaps(a: tuple[int, int], b: tuple[int, int], overlap: bool) -> None:
    assert Span(*a, "X").overlaps(Span(*b, "X")) is overlap
    assert Span(*b, "X").overlaps(Span(*a, "X")) is overlap
