"""Mention replacement for the encoder's training sentences (``[training]
mention_replacement``): persons and places get names from the lists, the rest stays."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from anonymizer.evaluation.evaluate import spans_from_tags
from anonymizer.evaluation.shared_lists import Gazetteers, NameList
from anonymizer.training.encoder_data import replace_mentions

LISTS = Gazetteers(
    female=NameList.of({"Maja": 10, "Elsa": 5}),
    male=NameList.of({"Nils": 10}),
    surnames=NameList.of({"Berg": 3, "Holm": 2}),
    places=("Ystad", "Upplands Väsby"),
    agencies=("Skatteverket",),
)
SENTENCE = (
    ["Anna", "Lind", "från", "Umeå", "ringde", "Volvo", "och", "Per", "."],
    ["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "O", "B-PER", "O"],
)


def test_every_person_and_place_gets_a_listed_name_at_rate_one() -> None:
    words, tags = replace_mentions(SENTENCE, random.Random(1), rate=1.0, lists=LISTS)
    runs = sorted(spans_from_tags(tags))
    assert [label for _, _, label in runs] == ["PER", "LOC", "ORG", "PER"]
    person, place, organisation, single = (words[a : b + 1] for a, b, _ in runs)
    assert person[0] in {"Maja", "Elsa", "Nils"} and person[1] in {"Berg", "Holm"}
    assert " ".join(place) in LISTS.places
    assert organisation == ["Volvo"]  # organisations are kept
    assert len(single) == 1 and single[0] in {"Maja", "Elsa", "Nils", "Berg", "Holm"}
    assert [w for w, t in zip(words, tags, strict=True) if t == "O"] == ["från", "ringde", "och", "."]


def test_rate_zero_changes_nothing_and_draws_nothing() -> None:
    rng = random.Random(7)
    assert replace_mentions(SENTENCE, rng, rate=0.0, lists=LISTS) == SENTENCE
    assert rng.random() == random.Random(7).random()  # the case augmentation's draws stay the same


def test_the_same_seed_gives_the_same_sentence() -> None:
    first = replace_mentions(SENTENCE, random.Random(3), rate=0.5, lists=LISTS)
    assert first == replace_mentions(SENTENCE, random.Random(3), rate=0.5, lists=LISTS)


TAG = st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"])


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5), TAG), max_size=12), st.integers(0, 9))
def test_runs_and_outside_words_stay_in_order(pairs: list[tuple[str, str]], seed: int) -> None:
    words, tags = [w for w, _ in pairs], [t for _, t in pairs]
    new_words, new_tags = replace_mentions((words, tags), random.Random(seed), rate=0.7, lists=LISTS)
    assert len(new_words) == len(new_tags)
    assert [t for t in new_tags if t.startswith("B-")] == [t for t in tags if t.startswith("B-")]
    outside = [(w, t) for w, t in zip(words, tags, strict=True) if t == "O"]
    assert [(w, t) for w, t in zip(new_words, new_tags, strict=True) if t == "O"] == outside
