from __future__ import annotations

import re

import pytest

from anonymizer.detectors.alternation import alternation

SPACE = r"[^\S\n]+"


@pytest.mark.parametrize(
    ("words", "pattern"),
    [
        (["dag", "dagar", "dygn"], "(?:d(?:ag(?:ar)?|ygn))"),
        ("dag|dagar|dygn", "(?:d(?:ag(?:ar)?|ygn))"),
        (["mors ", "fars"], rf"(?:fars|mors{SPACE})"),
        (["ca.", "ca", "cirka"], r"(?:cirka|ca\.|ca)"),
    ],
)
def test_the_pattern(words: str | list[str], pattern: str) -> None:
    assert alternation(words, space=SPACE) == pattern


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        (["t.o.m.", "till och med", "till"], "till  och med maj", "till  och med"),
        (["t.o.m.", "till"], "tXoXmX maj", None),  # the full stops are literal
        (["t.o.m.", "till"], "t.o.m. maj", "t.o.m."),
        (["ca.", "ca"], "ca. 3", "ca."),
        (["ca.", "ca"], "ca 3", "ca"),
    ],
)
def test_the_longest_literal_alternative_matches(words: list[str], text: str, found: str | None) -> None:
    match = re.match(alternation(words, space=SPACE), text)
    assert (match.group() if match else None) == found


def test_the_pattern_does_not_depend_on_the_order_of_the_words() -> None:
    words = ["från och med", "fr.o.m.", "t.o.m.", "fram till", "i", "inom"]
    assert alternation(words, space=SPACE) == alternation(list(reversed(words)), space=SPACE)
