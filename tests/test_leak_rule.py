"""The leak rule of ``anonymizer evaluate`` (anonymizer/evaluation/leaks.py), with the
issue's own examples and property tests against the character rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anonymizer.evaluation.leaks import (
    char_leaks,
    covered_ranges,
    overlapping,
    visible_leaks,
    visible_parts,
)


def _leaks(text: str, surface: str, label: str, replaced: list[str]) -> bool:
    """Whether the gold span ``surface`` of ``text`` leaks when each of ``replaced`` is replaced."""
    start = text.index(surface)
    predicted = []
    for part in replaced:
        at = text.index(part, start)
        predicted.append((at, at + len(part), "X"))
    return bool(visible_leaks(text, [(start, start + len(surface), label)], predicted))


@pytest.mark.parametrize(
    ("text", "surface", "label", "replaced", "leaked"),
    [
        ("Hej Idas bok", "Idas", "PER", ["Ida"], False),  # [PER_1]s
        ("Volvo i Lund", "Volvo i Lund", "ORG", ["Volvo", "Lund"], False),  # [ORG_1] i [LOC_1]
        ("Kvarnby gymnasiet", "Kvarnby gymnasiet", "ORG", ["Kvarnby"], False),  # [ORG_1] gymnasiet
        ("Bo i Rosens Hage", "Rosens Hage", "LOC", ["Rosens"], True),  # [LOC_1] Hage
        ("VÄXJÖ TINGSRÄTT", "VÄXJÖ TINGSRÄTT", "ORG", ["VÄXJÖ"], True),  # [LOC_2] TINGSRÄTT
        ("ring 070-123 45 67", "070-123 45 67", "PHONE", ["070-123 45"], True),  # digits visible
        ("ring 070-123 45 67", "070-123 45 67", "PHONE", [], True),  # nothing replaced
        ("hej lisa berg!", "lisa berg", "PER", ["lisa"], True),  # lower-case name: a word shows
        ("hej lisa b!", "lisa b", "PER", ["lisa"], False),  # one letter is no word
        ("i går kväll", "i går kväll", "TME", ["i går"], False),  # lower case, not a name
        ("Anna Lind", "Anna Lind", "PER", ["Anna Lind"], False),
    ],
)
def test_the_leak_rule(text: str, surface: str, label: str, replaced: list[str], leaked: bool) -> None:
    assert _leaks(text, surface, label, replaced) is leaked


def test_visible_parts() -> None:
    assert visible_parts(0, 10, [(2, 4), (6, 7)]) == [(0, 2), (4, 6), (7, 10)]
    assert visible_parts(3, 5, [(0, 10)]) == []
    assert visible_parts(3, 8, [(0, 4), (7, 12)]) == [(4, 7)]
    assert visible_parts(3, 8, []) == [(3, 8)]


def test_overlap_precision_counts_any_overlap() -> None:
    gold = [(0, 4, "PER"), (10, 14, "LOC")]
    predicted = [(2, 6, "PER"), (6, 9, "ORG"), (13, 20, "LOC")]
    assert overlapping(gold, predicted) == [(2, 6, "PER"), (13, 20, "LOC")]


_spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=6).map(
    lambda pairs: [(start, min(40, start + length), "PER") for start, length in pairs]
)


@given(st.text(alphabet="aB1 ", min_size=40, max_size=40), _spans, _spans)
def test_the_leak_rule_never_counts_more_than_the_character_rule(
    text: str, gold: list[tuple[int, int, str]], predicted: list[tuple[int, int, str]]
) -> None:
    gold = [(s, e, label) for s, e, label in set(gold) if s < e]
    assert set(visible_leaks(text, gold, predicted)) <= set(char_leaks(gold, predicted))
    ranges = covered_ranges(predicted)
    for start, end, _ in gold:
        covered = sum(max(0, min(end, b) - max(start, a)) for a, b in ranges)
        visible = sum(b - a for a, b in visible_parts(start, end, ranges))
        assert covered + visible == end - start
