"""Warm start (recipe key ``training.init_from``): a new tagger from a trained one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support import flair_dictionary

SENTENCES = [["Anna", "Lind", "bor", "i", "Umeå", "."], ["Volvo", "köpte", "mark", "i", "maj", "."]]


def tiny_tagger(tmp: Path) -> Any:
    import torch
    from flair.models import SequenceTagger

    from anonymizer.model.chars import save_char_dictionary
    from anonymizer.model.embeddings import stack_embeddings

    torch.manual_seed(0)
    save_char_dictionary(sorted({c for s in SENTENCES for t in s for c in t}), tmp / "chars.pkl")
    stack = stack_embeddings(chars=tmp / "chars.pkl", char_dim=4, char_hidden=3)
    tags = flair_dictionary(
        ["O", "S-PER", "B-PER", "E-PER", "I-PER", "S-LOC", "B-LOC", "E-LOC", "I-LOC"], unknown=False
    )
    tags.span_labels = False
    return SequenceTagger(
        hidden_size=4, embeddings=stack, tag_dictionary=tags, tag_type="ner", use_crf=True
    ).eval()


def lexicon() -> Any:
    from anonymizer.model.lexicon import LexiconEmbeddings
    from anonymizer.model.lexicon_features import LexiconTables
    from anonymizer.model.registry import LEXICON_EMBEDDING_NAME

    tables = LexiconTables(
        lookup={"anna": 1}, org_suffixes=(), org_keywords=frozenset(), unit_words=frozenset()
    )
    return LexiconEmbeddings(tables, name=LEXICON_EMBEDDING_NAME)


def assert_same_runs(got: list[list[Any]], want: list[list[Any]]) -> None:
    """Same entities; scores within float error (the weights are copied, the sums reordered)."""
    assert [[run[:3] for run in runs] for runs in got] == [[run[:3] for run in runs] for runs in want]
    scores = [run[3] for runs in got for run in runs]
    assert scores == pytest.approx([run[3] for runs in want for run in runs], abs=1e-6)


def test_same_labels_and_stack_give_the_same_predictions(tmp_path: Path) -> None:
    from anonymizer.model import tag_tokens
    from anonymizer.model.warm_start import warm_start

    old = tiny_tagger(tmp_path)
    new = warm_start(old, labels=["PER", "LOC"]).eval()
    assert_same_runs(tag_tokens(new, SENTENCES, batch_size=1), tag_tokens(old, SENTENCES, batch_size=1))


def test_int8_tagger_is_dequantized_and_new_labels_get_their_own_rows(tmp_path: Path) -> None:
    import torch

    from anonymizer.model import quantize_tagger
    from anonymizer.model.warm_start import warm_start

    old = quantize_tagger(tiny_tagger(tmp_path))
    new = warm_start(old, labels=["PER", "LOC", "TME"], lexicon=lexicon())
    assert isinstance(new.rnn, torch.nn.LSTM)
    old_tags, new_tags = old.label_dictionary.get_items(), new.label_dictionary.get_items()
    assert {"S-TME", "B-TME", "E-TME", "I-TME"} <= set(new_tags)
    for tag in ("S-PER", "E-LOC", "O"):
        assert torch.equal(new.linear.weight[new_tags.index(tag)], old.linear.weight[old_tags.index(tag)])
    assert not new.linear.weight[new_tags.index("S-TME")].any()
    width = old.embeddings.embedding_length
    assert new.embeddings.embedding_length == width + lexicon().embedding_length


def test_warm_started_tagger_survives_a_save_and_reload(tmp_path: Path) -> None:
    from anonymizer.model import load_model, tag_tokens
    from anonymizer.model.warm_start import warm_start

    new = warm_start(tiny_tagger(tmp_path), labels=["PER", "LOC", "TME"], lexicon=lexicon()).eval()
    new.save(tmp_path / "new.pt")
    reloaded = load_model(tmp_path / "new.pt").tagger
    assert_same_runs(tag_tokens(reloaded, SENTENCES, batch_size=2), tag_tokens(new, SENTENCES, batch_size=2))


def test_lexicon_must_carry_its_registered_name(tmp_path: Path) -> None:
    from anonymizer.model.lexicon import LexiconEmbeddings
    from anonymizer.model.warm_start import warm_start

    wrong = LexiconEmbeddings(lexicon().tables, name="z-lexicon")
    with pytest.raises(ValueError, match="e-lexicon"):
        warm_start(tiny_tagger(tmp_path), labels=["PER"], lexicon=wrong)
