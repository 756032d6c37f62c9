from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anonymizer.text import sentences, tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Anna Lind bor i Umeå.", ["Anna", "Lind", "bor", "i", "Umeå", "."]),
        ("t.ex. bl.a. och kl. 14.30", ["t.ex.", "bl.a.", "och", "kl.", "14.30"]),
        ("EU:s 1800-talet S:t Eriks 13:e", ["EU:s", "1800-talet", "S:t", "Eriks", "13:e"]),
        ("på DN.se och gp.se.", ["på", "DN.se", "och", "gp.se", "."]),
        ("yrkes- och", ["yrkes-", "och"]),
        ("anna.lind@example.se", ["anna.lind@example.se"]),
        ("se https://example.se/a?b=1.", ["se", "https://example.se/a?b=1", "."]),
        ("”Hej”, sa hon…", ["”", "Hej", "”", ",", "sa", "hon", "…"]),
        ("2021-03-12 och 12/3", ["2021-03-12", "och", "12/3"]),
    ],
)
def test_tokens_follow_corpus_conventions(text: str, tokens: list[str]) -> None:
    assert [token.text for token in tokenize(text)] == tokens


def test_sentences_split_on_full_stops_and_lines_not_abbreviations() -> None:
    text = "Hon mötte dr. Berg kl. 9. Sedan åkte hon hem!\nHälsningar\nKarin"
    assert [" ".join(t.text for t in s) for s in sentences(text)] == [
        "Hon mötte dr. Berg kl. 9 .",
        "Sedan åkte hon hem !",
        "Hälsningar",
        "Karin",
    ]


def test_long_runs_are_cut() -> None:
    text = " ".join(["ord"] * 250)
    assert [len(s) for s in sentences(text, max_tokens=100)] == [100, 100, 50]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_tokens_are_exact_disjoint_slices_covering_all_visible_characters(text: str) -> None:
    tokens = [token for sentence in sentences(text) for token in sentence]
    for token in tokens:
        assert text[token.start : token.end] == token.text
    for left, right in itertools.pairwise(tokens):
        assert left.end <= right.start
    covered = {i for token in tokens for i in range(token.start, token.end)}
    visible = {i for i, char in enumerate(text) if not char.isspace() and char != "\n"}
    assert visible <= covered
