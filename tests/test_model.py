"""The model as shipped, quantization and the training-side workarounds.

The save/load round trips of every embedding and of the stacked tagger are in
test_embeddings.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from anonymizer.model import file_sha256, load_model
from anonymizer.model.shipped import default_model_path
from support import flair_dictionary

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SENTENCES = ["Anna Lind bor i Umeå .", "Volvo köpte mark i Göteborg av Erik Svensson .", "Ingen här ."]


@pytest.mark.shipped_model
def test_shipped_model_is_int8_small_and_documented() -> None:
    path = default_model_path()
    model = load_model(path)
    assert model.quantized
    assert "quantized" in type(model.tagger.rnn).__module__
    assert {"PER", "LOC", "ORG"} <= {tag.split("-")[-1] for tag in model.tagger.label_dictionary.get_items()}
    assert path.stat().st_size <= 50 * 1024 * 1024
    card = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    assert file_sha256(path) in card, "models/README.md must state the shipped model's SHA-256"


@pytest.mark.shipped_model
def test_shipped_model_pickled_with_the_old_class_path_loads_with_the_moved_class() -> None:
    """The int8 file pickles the tagger, naming each class by module; the character
    embedding has since moved, and the loader maps the old path (not a module any more)."""
    import importlib.util

    from anonymizer.model.chars import BatchedCharEmbeddings

    path = default_model_path()
    with zipfile.ZipFile(path) as archive:
        pickled = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    assert b"anonymizer.detectors.chars" in pickled
    assert importlib.util.find_spec("anonymizer.detectors.chars") is None
    stacked: Any = load_model(path).tagger.embeddings.embeddings
    assert sum(type(e) is BatchedCharEmbeddings for e in stacked) == 1


@pytest.mark.shipped_model
@pytest.mark.parametrize(
    ("corpus", "io_scheme", "minimum_f1"),
    # Cut from the dev files: sentences with at least one entity. Talbanken dev has only
    # 23 entities, so its bar is low; a permuted reload scores near 0 on both.
    [("klintan_dev_sample.bio", True, 0.75), ("talbanken_dev_sample.bio", False, 0.4)],
)
def test_shipped_model_scores_in_a_fresh_process(corpus: str, io_scheme: bool, minimum_f1: float) -> None:
    command = [
        sys.executable,
        "-m",
        "anonymizer.cli.tools",
        "evaluate",
        str(DATA / corpus),
        "--labels",
        "PER,LOC,ORG",
    ]
    done = subprocess.run(
        [*command, *(["--io"] if io_scheme else [])], capture_output=True, text=True, timeout=600, check=True
    )
    result = json.loads(done.stdout)
    assert result["micro"]["f1"] >= minimum_f1, result


def tiny_language_model(chars: Any, path: Path, *, forward: bool) -> Path:
    """An untrained character LM saved as `anonymizer pretrain-lm` saves one."""
    from flair.models import LanguageModel

    LanguageModel(chars, is_forward_lm=forward, hidden_size=6, nlayers=1, embedding_size=4).save(path)
    return path


@pytest.mark.shipped_model
def test_regression_token_count_mismatch_is_an_error_not_shifted_offsets() -> None:
    from anonymizer.detectors.ner import NerDetector

    detector = NerDetector(load_model(default_model_path()))
    assert len(detector.tag([["Anna", "\u200b", "Lind"]])) == 1
    with pytest.raises(ValueError, match="kept 1 of 2 tokens"):
        detector.tag([["", "Anna"]])


def test_precomputed_lm_vectors_equal_flairs_and_hold_no_batch_tensor(tmp_path: Path) -> None:
    """Regression: Flair stores each token's LM vector as a view of the whole batch's
    hidden states, so keeping them for training (storage "cpu") swapped the machine."""
    import torch
    from flair.data import Sentence
    from flair.embeddings import FlairEmbeddings, StackedEmbeddings

    from anonymizer.model.training import precompute_lm_embeddings

    chars = flair_dictionary(sorted({c for s in SENTENCES for c in s}), unknown=True)
    torch.manual_seed(0)
    stack = StackedEmbeddings(
        [FlairEmbeddings(str(tiny_language_model(chars, tmp_path / "lm.pt", forward=True)), name="lm")]
    )
    direct = [Sentence(s.split()) for s in SENTENCES]
    with torch.no_grad():
        stack.embed(direct)
    kept = [Sentence(s.split()) for s in SENTENCES]
    precompute_lm_embeddings(stack, kept, batch_size=2)
    for want, got in zip(direct, kept, strict=True):
        assert torch.allclose(
            torch.stack([t.get_embedding() for t in got]), torch.stack([t.get_embedding() for t in want])
        )
        for token in got:  # each vector lives in a tensor of its own sentence's size
            vector = token.get_embedding([stack.embeddings[0].name])
            assert vector.untyped_storage().nbytes() == len(got) * vector.numel() * vector.element_size()


@pytest.mark.parametrize("language_models", [True, False], ids=["lms-int8", "lms-fp32"])
def test_quantize_tagger_leaves_the_original_and_keeps_lms_fp32_on_request(
    tmp_path: Path, language_models: bool
) -> None:
    import torch
    from flair.embeddings import FlairEmbeddings, StackedEmbeddings
    from flair.models import SequenceTagger

    from anonymizer.model import quantize_tagger

    chars = flair_dictionary("abc ", unknown=True)
    tags = flair_dictionary(["O", "S-PER"], unknown=False)
    lm = FlairEmbeddings(str(tiny_language_model(chars, tmp_path / "lm.pt", forward=True)))
    tagger = SequenceTagger(
        hidden_size=4, embeddings=StackedEmbeddings([lm]), tag_dictionary=tags, tag_type="ner", use_crf=True
    )
    quantized: Any = quantize_tagger(tagger, language_models=language_models)

    original: Any = tagger
    assert type(original.rnn) is torch.nn.LSTM and type(lm.lm.rnn) is torch.nn.LSTM  # left untouched
    assert "quantized" in type(quantized.rnn).__module__
    assert type(quantized.linear) is torch.nn.Linear  # predict reads linear.weight.dtype
    quantized_lm = next(m for m in quantized.embeddings.modules() if isinstance(m, FlairEmbeddings)).lm.rnn
    assert ("quantized" in type(quantized_lm).__module__) is language_models
