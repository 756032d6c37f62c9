from __future__ import annotations

import unicodedata

import pytest

from anonymizer.config import OperatorSpec
from anonymizer.errors import ConfigError
from anonymizer.replace import Numbering, Replacer
from anonymizer.span import Rank, Span
from support import make_config, spans_of


def test_numbering_counts_distinct_surface_strings_per_label() -> None:
    text = "Anna ... Anna ... Erik i Umeå"
    spans = spans_of(text, ("Anna", "PER"), ("Anna", "PER"), ("Erik", "PER"), ("Umeå", "LOC"))
    result = Replacer(make_config(), key=b"k").apply(text, spans, Numbering())
    assert result.text == "[PER_1] ... [PER_1] ... [PER_2] i [LOC_1]"


@pytest.mark.parametrize(
    "variant",
    [
        unicodedata.normalize("NFD", "Åsa Öberg"),  # regression: NFD (macOS) got a number of its own
        "ÅSA  ÖBERG",
        "\uff21\u030asa Öberg",  # full-width A and a combining ring
    ],
)
def test_numbering_ignores_unicode_form(variant: str) -> None:
    text = f"Åsa Öberg och {variant}"
    spans = [Span(0, 9, "PER", rank=Rank.MODEL), Span(14, len(text), "PER", rank=Rank.MODEL)]
    assert Replacer(make_config(), key=b"k").apply(text, spans, Numbering()).text == "[PER_1] och [PER_1]"


def test_numbering_ignores_case_and_spacing() -> None:
    text = "Anna  Lind och ANNA LIND"
    spans = [Span(0, 10, "PER", rank=Rank.MODEL), Span(15, 24, "PER", rank=Rank.MODEL)]
    assert Replacer(make_config(), key=b"k").apply(text, spans, Numbering()).text == "[PER_1] och [PER_1]"


def test_shared_numbering_spans_documents() -> None:
    replacer, numbering = Replacer(make_config(), key=b"k"), Numbering()
    first = replacer.apply("Erik", [Span(0, 4, "PER", rank=Rank.MODEL)], numbering)
    second = replacer.apply(
        "Anna och Erik", [Span(0, 4, "PER", rank=Rank.MODEL), Span(9, 13, "PER", rank=Rank.MODEL)], numbering
    )
    assert (first.text, second.text) == ("[PER_1]", "[PER_2] och [PER_1]")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (OperatorSpec("placeholder", {"template": "<{label}>"}), "Hej <PER>!"),
        (OperatorSpec("placeholder", {"template": "{label}-{n}"}), "Hej PER-1!"),
        (OperatorSpec("placeholder"), "Hej [PER_1]!"),
        (OperatorSpec("mask"), "Hej *********!"),
        (OperatorSpec("mask", {"char": "X"}), "Hej XXXXXXXXX!"),
        (OperatorSpec("remove"), "Hej !"),
    ],
)
def test_operators(spec: OperatorSpec, expected: str) -> None:
    text = "Hej Anna Lind!"
    result = Replacer(make_config(PER=spec), key=b"k").apply(
        text, [Span(4, 13, "PER", rank=Rank.MODEL)], Numbering()
    )
    assert result.text == expected
    [replacement] = result.replacements
    assert text[replacement.span.start : replacement.span.end] == "Anna Lind"


def test_default_operator_covers_labels_without_entry() -> None:
    result = Replacer(make_config(), key=b"k").apply(
        "Volvo", [Span(0, 5, "ORG", rank=Rank.MODEL)], Numbering()
    )
    assert result.text == "[ORG_1]"


def test_overlapping_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Replacer(make_config(), key=b"k").apply(
            "Anna Lind", [Span(0, 5, "PER", rank=Rank.MODEL), Span(4, 9, "PER", rank=Rank.MODEL)], Numbering()
        )


def test_a_bad_operator_table_fails_when_the_replacer_is_built() -> None:
    with pytest.raises(ConfigError, match=r"'operators\.PER\.char': must be a single character"):
        Replacer(make_config(PER=OperatorSpec("mask", {"char": "ab"}, key="operators.PER")), key=b"k")
