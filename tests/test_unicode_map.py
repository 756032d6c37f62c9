from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.unicode_map import nfc_copy, nfc_with_offsets, to_original

# Letters, combining marks (of several classes, so canonical reordering happens),
# Hangul jamo that compose with each other, a Tibetan vowel that decomposes into marks,
# singletons that NFC replaces (Angstrom and Ohm signs) and spacing.
ALPHABET = [
    *"aoeuAOUnsz ",
    "\u00e5\u00e4\u00f6\u00c5",  # precomposed å ä ö Å
    "\u0300",
    "\u0301",
    "\u0308",
    "\u030a",
    "\u0323",
    "\u0327",
    "\u0345",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\uac00",
    "\u0f71",
    "\u0f73",
    "\u0f74",
    "\u212b",
    "\u2126",
    "\u0b47",
    "\u0b3e",
]
texts = st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join)


def base_boundaries(text: str) -> set[int]:
    """Offsets where a base character (not a combining mark) begins, and the end."""
    return {i for i, char in enumerate(text) if not unicodedata.combining(char)} | {len(text)}


@settings(max_examples=400, deadline=None)
@given(texts)
def test_the_copy_is_the_nfc_of_the_text(text: str) -> None:
    nfc, starts, ends = nfc_with_offsets(text)
    assert nfc == unicodedata.normalize("NFC", text)
    assert len(starts) == len(ends) == len(nfc)


@settings(max_examples=400, deadline=None)
@given(texts, st.data())
def test_every_mapped_span_covers_whole_characters(text: str, data: st.DataObject) -> None:
    """In decomposed text a span never splits a base character from its marks."""
    nfc, starts, ends = nfc_with_offsets(text)
    if not nfc:
        return
    start = data.draw(st.integers(0, len(nfc) - 1))
    end = data.draw(st.integers(start + 1, len(nfc)))
    original_start, original_end = to_original(starts, ends, start, end)
    assert 0 <= original_start < original_end <= len(text)
    if nfc != text:  # NFC text maps to itself (below), marks and all
        boundaries = base_boundaries(text)
        assert original_start in boundaries or original_start == 0
        assert original_end in boundaries
    # The original piece composes to at least the NFC span it was mapped from.
    assert nfc[start:end] in unicodedata.normalize("NFC", text[original_start:original_end])


@settings(max_examples=200, deadline=None)
@given(texts)
def test_offsets_never_go_backwards(text: str) -> None:
    _, starts, ends = nfc_with_offsets(text)
    assert starts == sorted(starts)
    assert ends == sorted(ends)
    assert all(start < end for start, end in zip(starts, ends, strict=True))


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_nfc_text_maps_to_itself(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    nfc, starts, ends = nfc_with_offsets(text)
    assert nfc == text
    assert starts == list(range(len(text)))
    assert ends == list(range(1, len(text) + 1))


@settings(max_examples=400, deadline=None)
@given(texts, st.data())
def test_a_span_of_the_original_maps_to_the_copy_and_back(text: str, data: st.DataObject) -> None:
    """A span moved to the NFC copy and back covers at least itself, and whole pieces."""
    copy = nfc_copy(text)
    if copy is None:
        assert unicodedata.is_normalized("NFC", text)
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    copy_start, copy_end = copy.to_copy(start, end)
    assert 0 <= copy_start < copy_end <= len(copy.text)
    back_start, back_end = copy.to_original(copy_start, copy_end)
    assert back_start <= start and end <= back_end
    assert copy.to_copy(back_start, back_end) == (copy_start, copy_end)


def test_nfc_text_needs_no_copy() -> None:
    assert nfc_copy("Försäkringskassan") is None
    assert nfc_copy("") is None
    copy = nfc_copy(unicodedata.normalize("NFD", "Åsa"))
    assert copy is not None
    assert (copy.text, copy.to_copy(0, 2), copy.to_original(0, 1)) == ("Åsa", (0, 1), (0, 2))


@pytest.mark.parametrize(
    ("text", "word", "mapped"),
    [
        ("Jag ringde Fo\u0308rsa\u0308kringskassan.", "Försäkringskassan", "Fo\u0308rsa\u0308kringskassan"),
        ("A\u030asa O\u0308berg", "Åsa", "A\u030asa"),
        ("a\u0323\u0308 b", "\u1ea1\u0308", "a\u0323\u0308"),  # marks reordered: dot below first
        ("\u1100\u1161\u11a8 x", "\uac01", "\u1100\u1161\u11a8"),  # three jamo compose to one
    ],
)
def test_a_word_maps_back_to_its_decomposed_form(text: str, word: str, mapped: str) -> None:
    nfc, starts, ends = nfc_with_offsets(text)
    start = nfc.index(word)
    original_start, original_end = to_original(starts, ends, start, start + len(word))
    assert text[original_start:original_end] == mapped


def test_a_long_decomposed_record_is_mapped_in_one_pass() -> None:
    """Linear: a base letter with thousands of marks, and many short pieces."""
    text = "a" + "\u0308" * 50_000 + unicodedata.normalize("NFD", "Åsa Öberg ") * 20_000
    nfc, starts, ends = nfc_with_offsets(text)
    assert nfc == unicodedata.normalize("NFC", text)
    assert (starts[49_999], ends[49_999]) == (0, 50_001)  # "ä" and its last mark
    assert (starts[50_000], ends[50_000]) == (50_001, 50_003)  # "Å" from "A" + ring


@pytest.mark.parametrize(
    ("text", "copied"),
    [
        ("070\u2011123 45 67", "070-123 45 67"),  # non-breaking hyphen
        ("19710322\u22124158", "19710322-4158"),  # minus sign
        ("\uff10\uff17\uff10-\uff11\uff12\uff13 \uff14\uff15 \uff16\uff17", "070-123 45 67"),  # fullwidth
        ("An\u200bna Li\u00adnd", "Anna Lind"),  # zero-width space, soft hyphen
        ("lisa\u2060.berg\uff20firma.se", "lisa.berg@firma.se"),  # word joiner, fullwidth @
    ],
)
def test_the_detection_copy_evens_out_pasted_separators(text: str, copied: str) -> None:
    copy = nfc_copy(text)
    assert copy is not None and copy.text == copied
    assert copy.to_original(0, len(copy.text)) == (0, len(text))
    assert nfc_copy(text, separators=False) is None  # NFC already


def test_an_invisible_character_goes_with_the_one_before_it() -> None:
    copy = nfc_copy("Anna\u200b Lind")
    assert copy is not None and copy.text == "Anna Lind"
    assert copy.to_original(0, 4) == (0, 5) and copy.to_copy(5, 10) == (4, 9)
    assert nfc_copy("\u200bAnna") is not None  # a leading one stays: nothing to join it to


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*ALPHABET, "\u200b", "\u00ad", "\u2011", "\uff11", "-"]), max_size=40),
    st.data(),
)
def test_spans_of_the_detection_copy_map_back_inside_the_text(chars: list[str], data: st.DataObject) -> None:
    text = "".join(chars)
    copy = nfc_copy(text)
    if copy is None or not copy.text:
        return
    start = data.draw(st.integers(0, len(copy.text) - 1))
    end = data.draw(st.integers(start + 1, len(copy.text)))
    back_start, back_end = copy.to_original(start, end)
    assert 0 <= back_start < back_end <= len(text)
    copy_start, copy_end = copy.to_copy(back_start, back_end)
    assert copy_start <= start and end <= copy_end
