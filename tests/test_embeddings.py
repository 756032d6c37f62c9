"""Every embedding we ship, alone and stacked in a tagger, survives a save and a reload.

As Flair's ``BaseEmbeddingsTest``: save, reload in a fresh process, embed the same
sentences, get the same vectors, and in any batch order. A tagger once scored 0.75
dev F1 in Flair's trainer and 0.04 after a reload in a new process, because its
embeddings were concatenated in a different order (``anonymizer.model.registry``).
Tiny dimensions keep it fast; the character LMs alone are the ones in models/lm.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anonymizer.model import CHAR_EMBEDDING_NAME, FLAIR_EMBEDDING_NAMES, WORD_EMBEDDING_NAME
from anonymizer.model.registry import LEXICON_EMBEDDING_NAME
from support import flair_dictionary

ROOT = Path(__file__).resolve().parent.parent
LMS = {
    key: ROOT / "models" / "lm" / f"sv-char-{key.removeprefix('flair_')}.pt" for key in FLAIR_EMBEDDING_NAMES
}
# Lengths differ (padding), tokens repeat within and across sentences (the char embedding dedups).
SENTENCES = ["Anna Lind bor i Umeå , Anna .", "Volvo köpte mark i Göteborg av Erik Svensson .", "Ingen här ."]
# Runs in a fresh process: reload each saved file, embed SENTENCES in order and reversed.
RELOAD = """
import json, sys
from pathlib import Path
import torch
from flair.data import Sentence
from flair.embeddings.base import load_embeddings
from anonymizer.model import load_model, tag_tokens
from anonymizer.model.registry import register_own_embeddings

register_own_embeddings()
saved, texts = json.loads(sys.argv[1]), json.loads(sys.argv[2])
result = {}
for name, (kind, path) in saved.items():
    if kind == "tagger":
        tagger = load_model(Path(path)).tagger
        embeddings, runs = tagger.embeddings, tag_tokens(tagger, [t.split() for t in texts], batch_size=2)
    else:
        embeddings, runs = load_embeddings(torch.load(path, weights_only=False)), None
        embeddings.eval()
    orders = []
    for order in (texts, texts[::-1]):
        sentences = [Sentence(text.split()) for text in order]
        with torch.inference_mode():
            embeddings.embed(sentences)
        orders.append({s.to_tokenized_string(): [t.get_embedding().tolist() for t in s] for s in sentences})
    result[name] = {"orders": orders, "runs": runs}
print(json.dumps(result))
"""


def word_embeddings(tmp: Path) -> Any:
    import torch
    from flair.embeddings import WordEmbeddings
    from gensim.models import KeyedVectors

    words = sorted({w.lower() for s in SENTENCES for w in s.split()})
    vectors = KeyedVectors(vector_size=6)
    vectors.add_vectors(words, torch.randn(len(words), 6).numpy())
    vectors.save(str(tmp / "words.kv"))
    return WordEmbeddings(str(tmp / "words.kv"), name=WORD_EMBEDDING_NAME)


def char_embeddings(tmp: Path) -> Any:
    from anonymizer.model.chars import BatchedCharEmbeddings

    chars = flair_dictionary(sorted({c for s in SENTENCES for c in s}), unknown=True)
    return BatchedCharEmbeddings(chars, char_embedding_dim=4, hidden_size_char=3, name=CHAR_EMBEDDING_NAME)


def lexicon_embeddings(tmp: Path) -> Any:
    from anonymizer.model.lexicon import LexiconEmbeddings
    from anonymizer.model.lexicon_features import LexiconTables

    tables = LexiconTables(
        lookup={"anna": 0b101, "erik": 0b1, "umeå": 0b10000000, "göteborg": 0b10000000, "här": 1 << 14},
        org_suffixes=("skolan",),
        org_keywords=frozenset({"ab"}),
        unit_words=frozenset({"bvc"}),
    )
    return LexiconEmbeddings(tables, name=LEXICON_EMBEDDING_NAME)


def flair_embeddings(key: str) -> Callable[[Path], Any]:
    def build(tmp: Path) -> Any:
        from flair.embeddings import FlairEmbeddings

        return FlairEmbeddings(str(LMS[key]), name=FLAIR_EMBEDDING_NAMES[key])

    return build


# One entry per embedding class the tagger may stack (a new one: one more entry).
EMBEDDINGS: dict[str, Callable[[Path], Any]] = {
    WORD_EMBEDDING_NAME: word_embeddings,
    CHAR_EMBEDDING_NAME: char_embeddings,
    **{name: flair_embeddings(key) for key, name in FLAIR_EMBEDDING_NAMES.items()},
    LEXICON_EMBEDDING_NAME: lexicon_embeddings,
}
TAGGERS = ["tagger-fp32", "tagger-int8"]


def tagger_of_all(tmp: Path) -> Any:
    """A tiny tagger over the stack the training recipe builds, every embedding in it
    (untrained character LMs saved as `anonymizer pretrain-lm` saves them)."""
    from flair.models import LanguageModel, SequenceTagger

    from anonymizer.model.chars import save_char_dictionary
    from anonymizer.model.embeddings import stack_embeddings

    word_embeddings(tmp)  # writes words.kv
    chars = sorted({c for s in SENTENCES for c in s})
    save_char_dictionary(chars, tmp / "chars.pkl")
    lms = {key: tmp / f"{key}.pt" for key in FLAIR_EMBEDDING_NAMES}
    for key, path in lms.items():
        dictionary = flair_dictionary(chars, unknown=True)
        LanguageModel(dictionary, key == "flair_forward", hidden_size=6, nlayers=1, embedding_size=4).save(
            path
        )
    stack = stack_embeddings(
        chars=tmp / "chars.pkl",
        char_dim=4,
        char_hidden=3,
        words=tmp / "words.kv",
        language_models=lms,
        lexicon=lexicon_embeddings(tmp).tables,
    )
    tags = flair_dictionary(["O", "S-PER", "B-PER", "E-PER", "I-PER", "S-LOC", "S-ORG"], unknown=False)
    return SequenceTagger(hidden_size=4, embeddings=stack, tag_dictionary=tags, tag_type="ner", use_crf=True)


def embed_both_orders(embeddings: Any) -> list[dict[str, list[list[float]]]]:
    import torch
    from flair.data import Sentence

    orders = []
    for order in (SENTENCES, SENTENCES[::-1]):
        sentences = [Sentence(text.split()) for text in order]
        with torch.inference_mode():
            embeddings.embed(sentences)
        orders.append({s.to_tokenized_string(): [t.get_embedding().tolist() for t in s] for s in sentences})
    return orders


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per embedding: (before saving, after a reload in a fresh process)."""
    import torch

    from anonymizer.model import quantize_tagger, save_quantized, tag_tokens

    torch.manual_seed(0)
    tmp = tmp_path_factory.mktemp("embeddings")
    before: dict[str, dict[str, Any]] = {}
    saved: dict[str, tuple[str, str]] = {}
    for name, build in EMBEDDINGS.items():
        embedding = build(tmp)
        embedding.eval()
        before[name] = {"orders": embed_both_orders(embedding), "runs": None}
        torch.save(embedding.save_embeddings(use_state_dict=True), tmp / f"{name}.pt")
        saved[name] = ("embedding", str(tmp / f"{name}.pt"))
    (tmp / "tagger").mkdir()
    fp32 = tagger_of_all(tmp / "tagger").eval()
    int8 = quantize_tagger(fp32)
    for name, tagger in zip(TAGGERS, (fp32, int8), strict=True):
        runs = tag_tokens(tagger, [s.split() for s in SENTENCES], batch_size=2)
        before[name] = {
            "orders": embed_both_orders(tagger.embeddings),
            "runs": [list(map(list, r)) for r in runs],
        }
    fp32.save(tmp / "tagger-fp32.pt")
    save_quantized(int8, tmp / "tagger-int8.pt")
    saved.update({name: ("tagger", str(tmp / f"{name}.pt")) for name in TAGGERS})
    done = subprocess.run(
        [sys.executable, "-c", RELOAD, json.dumps(saved), json.dumps(SENTENCES)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    after = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: (before[name], after[name]) for name in before}


def assert_close(got: dict[str, list[list[float]]], want: dict[str, list[list[float]]]) -> None:
    import torch

    assert got.keys() == want.keys()
    for sentence, vectors in want.items():
        assert torch.allclose(torch.tensor(got[sentence]), torch.tensor(vectors), atol=1e-6), sentence


@pytest.mark.parametrize("name", [*EMBEDDINGS, *TAGGERS])
def test_embedding_gives_the_same_vectors_after_a_reload_in_a_fresh_process(
    round_trip: dict[str, tuple[dict[str, Any], dict[str, Any]]], name: str
) -> None:
    before, after = round_trip[name]
    assert_close(after["orders"][0], before["orders"][0])
    if before["runs"] is not None:  # a tagger: the same entities, scores within float error
        got, want = [r for rs in after["runs"] for r in rs], [r for rs in before["runs"] for r in rs]
        assert [r[:3] for r in got] == [r[:3] for r in want]
        assert [r[3] for r in got] == pytest.approx([r[3] for r in want], abs=1e-6)


@pytest.mark.parametrize("name", [*EMBEDDINGS, *TAGGERS])
def test_embedding_keeps_each_sentence_its_vectors_in_any_batch_order(
    round_trip: dict[str, tuple[dict[str, Any], dict[str, Any]]], name: str
) -> None:
    for state in round_trip[name]:  # before saving and after the reload
        in_order, reversed_order = state["orders"]
        assert_close(reversed_order, in_order)


def test_stack_is_built_in_sorted_name_order_and_refuses_another(tmp_path: Path) -> None:
    from anonymizer.model.registry import STACK_ORDER, base_name, check_stack_order

    stack = tagger_of_all(tmp_path).embeddings
    assert [base_name(e.name) for e in stack.embeddings] == list(STACK_ORDER)
    assert [e.name for e in stack.embeddings] == sorted(e.name for e in stack.embeddings)
    with pytest.raises(ValueError, match="not in sorted order"):
        check_stack_order([CHAR_EMBEDDING_NAME, WORD_EMBEDDING_NAME])
    with pytest.raises(ValueError, match="not in sorted order"):  # sorted bare, not with the prefix
        check_stack_order([f"{i}-{name}" for i, name in enumerate("abcdefghijk")])
