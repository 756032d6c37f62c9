"""The ONNX encoder backend on a tiny random BERT made offline: export against PyTorch,
windows, batch invariance, the label map, and the file round trip through ``anonymize``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from anonymizer.model.encoder import MAX_WORD_PIECES, EncoderRuntime, load_encoder, map_tags

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

WORDS = ["anna", "lind", "bor", "i", "umeå", "och", "arbetar", "på", "volvo", "sedan", "i", "fjol"]
MODEL_LABELS = ["O", "B-PRS", "I-PRS", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MSR", "I-MSR"]


def _tokenizer() -> Any:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
    for word in [*WORDS, "##a", "##n", "##e", "##r", "##s", "a", "e", "n", "r", "s", "x", "##x"]:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=1000))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return tokenizer


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from transformers import BertConfig, BertForTokenClassification

    from anonymizer.training.onnx_export import export_onnx

    folder = tmp_path_factory.mktemp("tiny")
    model_dir = folder / "model"
    tokenizer = _tokenizer()
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=24,
        num_labels=len(MODEL_LABELS),
        id2label=dict(enumerate(MODEL_LABELS)),
        label2id={t: i for i, t in enumerate(MODEL_LABELS)},
    )
    BertForTokenClassification(config).eval().save_pretrained(str(model_dir))
    tokenizer.save(str(model_dir / "tokenizer.json"))
    export_onnx(model_dir, folder / "fp32.onnx", quantize=False)
    export_onnx(model_dir, folder / "int8.onnx", quantize=True)
    return {"dir": model_dir, "fp32": folder / "fp32.onnx", "int8": folder / "int8.onnx"}


def _torch_probabilities(model_dir: Path, words: list[str]) -> np.ndarray:
    from transformers import BertForTokenClassification

    model = BertForTokenClassification.from_pretrained(str(model_dir)).eval()
    encoding = _tokenizer().encode(words, is_pretokenized=True)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([encoding.ids])).logits[0]
    first = [encoding.word_ids.index(i) for i in range(len(words))]
    probabilities = torch.softmax(logits, -1).numpy()
    return np.asarray(probabilities[first], dtype=np.float64)


def test_onnx_matches_pytorch(tiny: dict[str, Path]) -> None:
    runtime = EncoderRuntime(tiny["fp32"])
    [tagged] = runtime.predict([WORDS], marginals=True)
    assert tagged.marginals is not None
    assert np.allclose(tagged.marginals, _torch_probabilities(tiny["dir"], WORDS), atol=1e-5)


def test_int8_stays_close_to_fp32(tiny: dict[str, Path]) -> None:
    [fp32] = EncoderRuntime(tiny["fp32"]).predict([WORDS], marginals=True)
    [int8] = EncoderRuntime(tiny["int8"]).predict([WORDS], marginals=True)
    assert fp32.marginals is not None and int8.marginals is not None
    assert np.abs(fp32.marginals - int8.marginals).max() < 0.05
    assert tiny["int8"].stat().st_size < tiny["fp32"].stat().st_size


def test_the_label_map_turns_model_labels_into_ours(tiny: dict[str, Path]) -> None:
    runtime = EncoderRuntime(tiny["int8"])
    assert runtime.tags == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "O", "O"]
    assert runtime.labels == {"PER", "LOC", "ORG"}
    assert map_tags(["S-PRS", "E-PRS", "B-WRK", "O"], {"PRS": "PER"}) == ("B-PER", "I-PER", "O", "O")


def test_a_sentence_is_tagged_the_same_alone_and_in_any_batch(tiny: dict[str, Path]) -> None:
    runtime = EncoderRuntime(tiny["int8"])
    alone = runtime.predict([WORDS], marginals=True)[0]
    others = [WORDS[:3], WORDS * 3, ["x"]]
    for batch in ([WORDS, *others], [*others, WORDS], [others[1], WORDS, others[0]]):
        [found] = [
            t
            for words, t in zip(batch, runtime.predict(batch, marginals=True), strict=True)
            if words == WORDS
        ]
        assert found.tags == alone.tags
        assert np.array_equal(found.marginals, alone.marginals)


def test_long_sentences_run_in_windows_and_keep_every_word(tiny: dict[str, Path]) -> None:
    runtime = EncoderRuntime(tiny["fp32"])
    assert runtime.meta.window == 24
    long = WORDS * 12  # far more pieces than 24 positions
    [tagged] = runtime.predict([long], marginals=True)
    assert len(tagged.tags) == len(long)
    assert tagged.marginals is not None and np.allclose(tagged.marginals.sum(axis=1), 1.0)
    # The first half of the first window is covered by that window alone: its rows are that run's.
    ids = [piece for word in runtime._pieces(long) for piece in word]
    size = runtime.meta.window - 2
    rows = runtime._probabilities(ids)
    assert np.array_equal(rows[: size // 2], runtime._run(ids[:size])[: size // 2])
    # The last window ends at the last piece, so the tail is tagged with its own context.
    assert np.array_equal(rows[-1], runtime._run(ids[-size:])[-1])


def test_a_huge_token_costs_what_a_short_one_does(tiny: dict[str, Path]) -> None:
    runtime = EncoderRuntime(tiny["int8"])
    pieces = runtime._pieces(["x" * 20_000_000, "anna"])
    assert len(pieces[0]) <= MAX_WORD_PIECES
    [tagged] = runtime.predict([["x" * 20_000_000, "anna"]])
    assert len(tagged.tags) == 2


def test_the_file_round_trips_through_the_library(tiny: dict[str, Path], tmp_path: Path) -> None:
    from anonymizer import Anonymizer
    from anonymizer.model.integrity import file_sha256

    loaded = load_encoder(tiny["int8"])
    assert loaded.sha256 == file_sha256(tiny["int8"])
    anonymizer = Anonymizer.load(
        entities=["PER", "LOC", "ORG"], model_path=tiny["int8"], trust_models=[loaded.sha256]
    )
    [result] = anonymizer.redact([" ".join(WORDS)])
    assert isinstance(result.text, str)
    assert anonymizer.model_sha256 == loaded.sha256


def test_a_corrupt_or_foreign_file_is_refused_clearly(tmp_path: Path) -> None:
    from anonymizer.errors import AnonymizerError

    bad = tmp_path / "random.onnx"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(AnonymizerError, match="not a usable encoder file"):
        load_encoder(bad)


def test_export_refuses_a_label_map_that_is_not_a_mapping(tmp_path: Path) -> None:
    from anonymizer.training.onnx_export import load_label_map

    (tmp_path / "map.json").write_text(json.dumps(["PER"]), encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        load_label_map(tmp_path / "map.json")
    (tmp_path / "map.json").write_text(json.dumps({"PRS": "PER", "MSR": None}), encoding="utf-8")
    assert load_label_map(tmp_path / "map.json")["PRS"] == "PER"


def test_a_model_without_an_o_tag_is_refused(tiny: dict[str, Path], tmp_path: Path) -> None:
    import onnx

    from anonymizer.model.encoder import EncoderFormatError

    graph = onnx.load(str(tiny["int8"]))
    props = {p.key: p.value for p in graph.metadata_props}
    props["tags"] = json.dumps(["B-PER"] * len(MODEL_LABELS))
    del graph.metadata_props[:]
    onnx.helper.set_model_props(graph, props)
    onnx.save(graph, str(tmp_path / "no-o.onnx"))
    with pytest.raises(EncoderFormatError, match="no O tag"):
        EncoderRuntime(tmp_path / "no-o.onnx")
