"""Flair tagger -> runtime file (:mod:`anonymizer.model.runtime`). Build time only: imports torch.

The runtime payload is a dict of numpy arrays and plain values (lists of strings,
numbers, ``None``), saved by :mod:`anonymizer.model.arrays`: unlike a Flair model
file (a pickle), loading it runs no code. int8 weights are stored as their integer
values, scales and zero points, so the runtime computes with exactly the weights
that the quantized Flair tagger runs.

Supported: a ``SequenceTagger`` (fp32, or int8 from :mod:`anonymizer.model.quantization`)
over Flair ``WordEmbeddings`` and our ``BatchedCharEmbeddings``, with or without
the re-projection, an LSTM and a CRF. Anything else (Flair embeddings with
character language models, trained initial states, ...) raises :class:`ExportError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from anonymizer.model.arrays import write_arrays
from anonymizer.model.runtime import FORMAT, ExportError

__all__ = ["ExportError", "export_file", "export_tagger", "payload_of_file", "save_runtime"]


def export_tagger(tagger: Any, *, source: str = "", source_sha256: str = "") -> dict[str, Any]:
    """The runtime payload of a loaded Flair ``SequenceTagger`` (left unchanged)."""
    import flair

    if getattr(tagger, "train_initial_hidden_state", False):
        raise ExportError("trained initial LSTM states are not supported")
    if getattr(tagger, "rnn_type", "LSTM") != "LSTM":
        raise ExportError(f"RNN type {tagger.rnn_type} is not supported (only LSTM)")
    stacked = list(getattr(tagger.embeddings, "embeddings", [tagger.embeddings]))
    # Flair concatenates a token's embeddings in sorted-name order (Token.get_each_embedding).
    order = sorted(range(len(stacked)), key=lambda i: str(stacked[i].name))
    embeddings = [_embedding(stacked[i]) for i in order]
    width = sum(int(stacked[i].embedding_length) for i in order)
    if width != int(tagger.embeddings.embedding_length):
        raise ExportError("embedding lengths do not add up to the stack's")
    rnn = tagger.rnn if tagger.use_rnn else None
    if rnn is not None and not getattr(rnn, "batch_first", True):
        raise ExportError("the tagger's LSTM must be batch-first (Flair builds it so)")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "metadata": {
            "source": source,
            "source_sha256": source_sha256,
            "tag_type": str(tagger.tag_type),
            "tag_format": str(tagger.tag_format),
            "embedding_names": [str(stacked[i].name) for i in order],
            "embedding_length": width,
            "hidden_size": int(rnn.hidden_size) if rnn is not None else 0,
            "rnn_layers": int(rnn.num_layers) if rnn is not None else 0,
            "use_crf": bool(tagger.use_crf),
            "flair": str(flair.__version__),
            "torch": str(torch.__version__),
        },
        "tags": [str(tag) for tag in tagger.label_dictionary.get_items()],
        "embeddings": embeddings,
        "reproject": _linear(tagger.embedding2nn) if tagger.reproject_embeddings else None,
        "rnn": _lstm(rnn) if rnn is not None else None,
        "linear": _linear(tagger.linear),
        "transitions": _plain(tagger.crf.transitions) if tagger.use_crf else None,
    }
    return payload


def export_file(path: Path) -> dict[str, Any]:
    """The runtime payload of a Flair model file (fp32 or our int8); unpickles it."""
    from anonymizer.model.loading import load_model

    loaded = load_model(path)
    return export_tagger(loaded.tagger, source=path.name, source_sha256=loaded.sha256)


def payload_of_file(path: Path) -> tuple[dict[str, Any], bool]:
    """The payload of a model file that is not an array file, and whether it was exported.

    A runtime file of version 0.2.0 (``torch.save`` of the payload with tensors) is read
    with ``weights_only=True`` and converted; a Flair model file is unpickled and exported.
    """
    import pickle
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "pickle protocol 4" when it is a Flair file
            legacy = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # a pickle with classes in it: a Flair model file
        return export_file(path), True
    return _numpy(legacy), False  # the runtime checks its format


def save_runtime(payload: dict[str, Any], path: Path) -> None:
    """Write the payload (:mod:`anonymizer.model.arrays`), replacing ``path`` only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as handle:
            write_arrays(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _numpy(value: Any) -> Any:
    """``value`` with every tensor a numpy array."""
    if isinstance(value, torch.Tensor):
        return _plain(value)
    if isinstance(value, dict):
        return {key: _numpy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numpy(item) for item in value]
    return value


def _plain(tensor: torch.Tensor) -> np.ndarray[Any, Any]:
    array: np.ndarray[Any, Any] = tensor.detach().cpu().numpy().copy()
    return array


def _embedding(embedding: Any) -> dict[str, Any]:
    kind = type(embedding).__name__
    if kind == "WordEmbeddings":
        if (
            getattr(embedding, "field", None) is not None
            or getattr(embedding, "layer_norm", None) is not None
        ):
            raise ExportError(f"{embedding.name}: word embeddings on a label field or with layer norm")
        ranked = sorted(embedding.vocab.items(), key=lambda item: item[1])
        if [index for _, index in ranked] != list(range(len(ranked))):
            raise ExportError(f"{embedding.name}: vocabulary indices are not 0..n-1")
        vectors = _plain(embedding.embedding.weight)
        if vectors.shape[0] != len(ranked) + 1:
            raise ExportError(f"{embedding.name}: the table needs one row per word plus <unk>")
        return {
            "type": "words",
            "name": str(embedding.name),
            **_words("vocab", [word for word, _ in ranked]),
            "vectors": vectors,
        }
    if kind == "BatchedCharEmbeddings":
        dictionary = embedding.char_dictionary
        return {
            "type": "chars",
            "name": str(embedding.name),
            "chars": [item.decode("utf-8") for item in dictionary.idx2item],
            "unknown": bool(dictionary.add_unk),
            "table": _plain(embedding.char_embedding.weight),
            "lstm": _lstm(embedding.char_rnn),
        }
    if kind == "LexiconEmbeddings":
        tables = dict(embedding.tables.to_state())
        lookup: dict[str, int] = tables.pop("lookup")
        return {
            "type": "lexicon",
            "name": str(embedding.name),
            "tables": tables,
            **_words("lookup", list(lookup)),
            "lookup_bits": np.array(list(lookup.values()), dtype=np.int64),
        }
    raise ExportError(f"embedding {kind} ({getattr(embedding, 'name', '?')}) is not supported by the runtime")


def _words(key: str, words: list[str]) -> dict[str, Any]:
    """``words`` as one newline-separated string: one JSON string of 71,000 words parses
    faster than a JSON list of them."""
    if any("\n" in word for word in words):
        raise ExportError(f"{key}: a word contains a newline")
    return {key: "\n".join(words), f"{key}_size": len(words)}


def _linear(module: Any) -> dict[str, Any]:
    if isinstance(module, torch.nn.Linear):
        return {
            "weight": _plain(module.weight),
            "bias": None if module.bias is None else _plain(module.bias),
        }
    if type(module).__name__ == "DynamicQuantizedLinear" or hasattr(module, "_packed_params"):
        if module._packed_params.dtype != torch.qint8:
            raise ExportError("only qint8 dynamic quantization is supported")
        bias = module.bias()
        return {
            **_int8(module.weight()),
            "bias": None if bias is None else _plain(bias),
            # torch's module passes reduce_range=True from version 4 on.
            "reduce_range": module.version is not None and module.version >= 4,
        }
    raise ExportError(f"linear layer {type(module).__name__} is not supported")


def _int8(weight: torch.Tensor) -> dict[str, Any]:
    scheme = weight.qscheme()
    if scheme == torch.per_tensor_affine:
        return {
            "int8": _plain(weight.int_repr()),
            "scale": np.array(weight.q_scale(), dtype=np.float64),
            "zero_point": np.array(weight.q_zero_point(), dtype=np.int64),
            "axis": None,
        }
    if scheme == torch.per_channel_affine:
        return {
            "int8": _plain(weight.int_repr()),
            "scale": _plain(weight.q_per_channel_scales()),
            "zero_point": _plain(weight.q_per_channel_zero_points()),
            "axis": int(weight.q_per_channel_axis()),
        }
    raise ExportError(f"quantization scheme {scheme} is not supported")


def _lstm(module: Any) -> dict[str, Any]:
    directions = 2 if module.bidirectional else 1
    suffixes = [
        f"l{layer}{'_reverse' if d else ''}" for layer in range(module.num_layers) for d in range(directions)
    ]
    if not module.bias:
        raise ExportError("LSTMs without biases are not supported")
    spec: dict[str, Any] = {
        "hidden_size": int(module.hidden_size),
        "num_layers": int(module.num_layers),
        "bidirectional": bool(module.bidirectional),
        "batch_first": bool(module.batch_first),
    }
    if isinstance(module, torch.nn.LSTM):
        if getattr(module, "proj_size", 0):
            raise ExportError("LSTMs with projections are not supported")
        cells = [
            {
                "w_ih": {"weight": _plain(getattr(module, f"weight_ih_{s}"))},
                "w_hh": {"weight": _plain(getattr(module, f"weight_hh_{s}"))},
                "b_ih": _plain(getattr(module, f"bias_ih_{s}")),
                "b_hh": _plain(getattr(module, f"bias_hh_{s}")),
            }
            for s in suffixes
        ]
        return {**spec, "quantized": False, "cells": cells}
    if type(module).__name__ == "DynamicQuantizedLSTM" or hasattr(module, "_all_weight_values"):
        if module.dtype != torch.qint8:
            raise ExportError("only qint8 dynamic quantization is supported")
        weights = module._weight_bias()
        cells = [
            {
                "w_ih": _int8(weights["weight"][f"weight_ih_{s}"]),
                "w_hh": _int8(weights["weight"][f"weight_hh_{s}"]),
                "b_ih": _plain(weights["bias"][f"bias_ih_{s}"]),
                "b_hh": _plain(weights["bias"][f"bias_hh_{s}"]),
            }
            for s in suffixes
        ]
        # torch's module passes reduce_range=True to its cell parameters from version 2 on.
        reduce_range = module.version is not None and module.version >= 2
        return {**spec, "quantized": True, "reduce_range": reduce_range, "cells": cells}
    raise ExportError(f"RNN {type(module).__name__} is not supported")
