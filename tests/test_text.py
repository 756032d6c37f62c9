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


def test_a_line_cut_inside_a_sentence_joins_the_next() -> None:
    def joined(text: str) -> list[str]:
        return [" ".join(t.text for t in s) for s in sentences(text)]

    wrapped = "Jag pratade med handläggaren i går och hon sa att Anna\nLindqvist ringer i morgon."
    assert joined(wrapped) == [
        "Jag pratade med handläggaren i går och hon sa att Anna Lindqvist ringer i morgon ."
    ]
    assert joined('101;"Anna\nLindqvist";Lund') == ['101 ; " Anna Lindqvist " ; Lund']
    # not joined: a signature, an address block, a chat, a form, a table, a heading
    assert joined("Hälsningar\nKarin") == ["Hälsningar", "Karin"]
    assert joined("Anna Berg\nStorgatan 1") == ["Anna Berg", "Storgatan 1"]
    assert joined("Helena Strand\nÖverläkare") == ["Helena Strand", "Överläkare"]
    header = (
        "2024-03-05 Akutbesök, tandläkare Josefin Strand, assistent Mirela\nPat ringde i dag." + " x" * 60
    )
    assert len(joined(header)) == 2  # a short line among long ones was not wrapped
    chat = "Vincent 17:53: ica kvantum vid storheden och lite mer text\nMamma 17:55: Jag ringer"
    assert joined(chat) == [
        "Vincent 17:53 : ica kvantum vid storheden och lite mer text",
        "Mamma 17:55 : Jag ringer",
    ]
    form = "Beskrivning av händelsen som hände på förmiddagen i går\nNamn: Anna"
    assert len(joined(form)) == 2
    assert len(joined("a;b;c och en lång rad med text som fortsätter här\nBerg")) == 2
    assert len(joined("Detta är en lång rad med text som fortsätter här i\n\nNästa stycke")) == 2


def test_joined_lines_keep_exact_offsets() -> None:
    text = "Hon sa att hon hade pratat med Anna\r\nLindqvist."
    tokens = [token for sentence in sentences(text) for token in sentence]
    assert all(text[t.start : t.end] == t.text for t in tokens)
