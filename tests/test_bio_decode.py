"""The best well-formed BIO path (anonymizer.model.bio) and the recall aid of the NER detector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anonymizer.detectors.ner import NerDetector
from anonymizer.model.bio import best_bio_path, bio_transitions
from anonymizer.model.runtime import TaggedSentence

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
START, STEP = bio_transitions(TAGS)


def _path(rows: list[list[float]]) -> list[str]:
    return [TAGS[k] for k in best_bio_path(np.array(rows), START, STEP)]


def _well_formed(tags: list[str]) -> bool:
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True


def test_a_name_split_between_two_labels_gets_one() -> None:
    # Word by word: B-LOC then I-ORG ("Sveriges riksdag" torn in two); one ORG run is likelier.
    rows = [
        [0.02, 0.0, 0.0, 0.50, 0.0, 0.48, 0.0],
        [0.02, 0.0, 0.0, 0.0, 0.30, 0.0, 0.68],
    ]
    assert _path(rows) == ["B-ORG", "I-ORG"]


@pytest.mark.parametrize(
    ("second", "tags"),
    [
        ([0.20, 0.30, 0.45, 0.01, 0.02, 0.01, 0.01], ["O", "B-PER"]),
        ([0.30, 0.05, 0.55, 0.02, 0.04, 0.02, 0.02], ["O", "O"]),  # left to the recall aid
    ],
)
def test_an_inside_tag_after_o_takes_the_likeliest_allowed_tag(second: list[float], tags: list[str]) -> None:
    first = [0.90, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01]
    assert _path([first, second]) == tags  # the argmax is I-PER right after O


def test_bioes_tags_follow_their_own_rules() -> None:
    tags = ["O", "B-PER", "I-PER", "E-PER", "S-PER"]
    start, step = bio_transitions(tags)
    assert start[tags.index("E-PER")] < -1e20 and start[tags.index("S-PER")] == 0
    assert step[tags.index("B-PER"), tags.index("E-PER")] == 0
    assert step[tags.index("S-PER"), tags.index("I-PER")] < -1e20


rows_strategy = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.lists(
        st.lists(st.floats(min_value=1e-6, max_value=1.0), min_size=len(TAGS), max_size=len(TAGS)),
        min_size=n,
        max_size=n,
    )
)


@given(rows_strategy)
def test_the_path_is_always_well_formed(rows: list[list[float]]) -> None:
    assert _well_formed(_path(rows))


@given(rows_strategy)
def test_a_well_formed_argmax_is_the_path(rows: list[list[float]]) -> None:
    array = np.array(rows)
    argmax = [TAGS[k] for k in array.argmax(axis=1)]
    ranked = np.sort(array, axis=1)
    if _well_formed(argmax) and np.all(ranked[:, -1] > ranked[:, -2] * (1 + 1e-9)):
        assert _path(rows) == argmax


@dataclass
class _Runtime:
    """A fake encoder runtime: fixed rows for a one-word sentence."""

    recall_threshold: float | None
    tags: tuple[str, ...] = tuple(TAGS)
    labels: frozenset[str] = frozenset({"PER", "LOC", "ORG"})

    def predict(self, token_lists: Any, *, marginals: bool = False) -> list[TaggedSentence]:
        rows = np.array([[0.7, 0.25, 0.0, 0.05, 0.0, 0.0, 0.0]])  # O on the path, 0.3 inside
        return [TaggedSentence(("O",), (0.7,), rows if marginals else None) for _ in token_lists]


@dataclass
class _Model:
    runtime: _Runtime


@pytest.mark.parametrize(
    ("own", "configured", "aid", "found"),
    [
        (0.2, None, True, [(0, 0, "PER", 0.3)]),  # the file's recall aid alone
        (0.2, 0.5, True, [(0, 0, "PER", 0.3)]),  # the lower threshold wins
        (0.5, None, True, []),
        (0.5, 0.25, True, [(0, 0, "PER", 0.3)]),
        (0.2, 0.2, False, []),  # the best path only
        (None, None, True, []),
    ],
)
def test_the_recall_aid_takes_words_off_the_path(
    own: float | None, configured: float | None, aid: bool, found: list[tuple[int, int, str, float]]
) -> None:
    detector = NerDetector(_Model(_Runtime(own)), threshold=configured, recall_aid=aid)  # type: ignore[arg-type]
    [runs] = detector.tag([["Anna"]])
    assert [(a, b, label, round(score, 6)) for a, b, label, score in runs] == found


def test_an_empty_sentence_has_an_empty_path() -> None:
    assert best_bio_path(np.zeros((0, len(TAGS))), START, STEP).tolist() == []
