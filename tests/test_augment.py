"""Training-data preparation: dropped labels, mention replacement, casing, recipe keys."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from anonymizer.evaluation.evaluate import read_conll
from anonymizer.training.augment import (
    Augmentation,
    MentionPools,
    augment,
    case_variant,
    drop_labels,
    mentions,
    replace_mentions,
    write_bio,
)

POOLS = MentionPools(
    first_names=("Stina",), surnames=("Berg",), places=("Ödeshög",), organisations=("Skatteverket",)
)
TOKENS = ["Anna", "Lind", "flyttade", "till", "Umeå", "i", "maj", "."]
TAGS = ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-TME", "O"]


@pytest.mark.parametrize(
    ("tags", "runs"),
    [
        (["B-PER", "I-PER", "O"], [(0, 2, "PER")]),
        (["I-ORG", "I-ORG", "B-ORG"], [(0, 2, "ORG"), (2, 3, "ORG")]),
        (["B-LOC", "I-PER"], [(0, 1, "LOC"), (1, 2, "PER")]),
        (["O", "O"], []),
    ],
)
def test_mentions_are_bio_runs(tags: list[str], runs: list[tuple[int, int, str]]) -> None:
    assert mentions(tags) == runs


def test_drop_labels_turns_them_into_o() -> None:
    assert drop_labels(["B-MSR", "I-MSR", "B-PER"], frozenset({"MSR"})) == ["O", "O", "B-PER"]


def test_mentions_are_replaced_with_the_same_label_and_the_rest_kept() -> None:
    swapped = replace_mentions(TOKENS, TAGS, pools=POOLS, rng=random.Random(3))
    assert swapped is not None
    tokens, tags = swapped
    assert tokens[:2] in (["Stina", "Berg"], ["Stina", "Bergs"])
    assert tags[:2] == ["B-PER", "I-PER"]
    assert tokens[2:4] == ["flyttade", "till"] and tokens[4] in ("Ödeshög", "Ödeshögs")
    assert tokens[5:] == ["i", "maj", "."] and tags[5:] == ["O", "B-TME", "O"]  # TME untouched


def test_a_sentence_without_names_is_not_copied() -> None:
    assert replace_mentions(["i", "maj"], ["O", "B-TME"], pools=POOLS, rng=random.Random(0)) is None


def test_case_variants() -> None:
    assert case_variant(["Svea", "hovrätt"], upper=True) == ["SVEA", "HOVRÄTT"]
    assert case_variant(["Stefan", "KTH"], upper=False) == ["stefan", "kth"]


def test_augment_keeps_every_original_in_order_and_is_seeded() -> None:
    sentences = [(TOKENS, TAGS)] * 50
    settings = Augmentation(mention_share=0.5, lower_share=0.2, upper_share=0.1, seed=7)
    first = list(augment(sentences, settings=settings, pools=POOLS))
    assert first == list(augment(sentences, settings=settings, pools=POOLS))
    originals = [s for s in first if s == (TOKENS, TAGS)]
    assert len(originals) >= 50 and len(first) > 60
    assert all(len(tokens) == len(tags) for tokens, tags in first)


def test_bio_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.bio"
    assert write_bio([(TOKENS, TAGS), (["Hej"], ["O"])], path) == 2
    assert [(s.tokens, s.tags) for s in read_conll(path)] == [(TOKENS, TAGS), (["Hej"], ["O"])]


def test_pools_come_from_the_shipped_lists() -> None:
    from anonymizer.gazetteers import gazetteer_folder

    pools = MentionPools.from_gazetteers(gazetteer_folder())
    assert "Anna" in pools.first_names and pools.surnames and pools.places and pools.organisations


def test_recipe_prepares_dropped_labels_time_tags_and_copies(tmp_path: Path) -> None:
    from anonymizer.training.train import TrainSettings, prepare_data

    data = tmp_path / "ner"
    data.mkdir()
    write_bio(
        [(["Vikt", "5", "kg", "i", "maj"], ["O", "B-MSR", "I-MSR", "O", "O"]), (TOKENS, TAGS)], data / "a.bio"
    )
    write_bio([(TOKENS, TAGS)], data / "a_dev.bio")
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f"""
[data]
root = "{tmp_path}"
train = ["ner/a.bio"]
dev = ["ner/a_dev.bio"]
text = []
time_labels = true
drop_labels = ["MSR"]
[augment]
lower_share = 1.0
[embeddings]
word_vectors = false
char_min_count = 1
char_dim = 4
char_hidden = 3
[tagger]
hidden_size = 4
rnn_layers = 1
use_crf = true
word_dropout = 0.0
locked_dropout = 0.0
[training]
learning_rate = 0.1
mini_batch_size = 2
max_epochs = 1
patience = 1
seed = 0
""",
        encoding="utf-8",
    )
    train, dev = prepare_data(TrainSettings.load(recipe), tmp_path / "work")
    rows = [(s.tokens, s.tags) for s in read_conll(train[0])]
    assert rows[0] == (["Vikt", "5", "kg", "i", "maj"], ["O", "O", "O", "O", "B-TME"])
    assert rows[1][0] == [token.lower() for token in rows[0][0]]  # the lower-case copy
    assert len(rows) == 4 and len(list(read_conll(dev[0]))) == 1  # dev is never augmented
