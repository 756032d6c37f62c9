"""The shipped model files and the names that choose them (``[model] path``, ``[model] also``)."""

from __future__ import annotations

from pathlib import Path

from anonymizer.config import shipped_file

DEFAULT_MODEL = "sv-ner-int8.pt"
DEFAULT_RUNTIME = "sv-ner-int8.rt.npz"
#: The fine-tuned multilingual-e5-small encoder, int8 ONNX (models/README.md).
DEFAULT_ENCODER = "sv-ner-encoder-int8.onnx"
#: Which shipped tagger ``default`` names: the one that leaks least on documents.
DEFAULT_TAGGER = "encoder"
#: Names of the shipped taggers.
SHIPPED_TAGGERS = {"encoder": DEFAULT_ENCODER, "fast": DEFAULT_RUNTIME}
SHIPPED_TAGGERS["default"] = SHIPPED_TAGGERS[DEFAULT_TAGGER]


def default_model_path() -> Path:
    """The BiLSTM-CRF's int8 Flair file, shipped as package data (``models/`` in the repository)."""
    return shipped_file("models", DEFAULT_MODEL)


def default_runtime_path() -> Path:
    """The shipped BiLSTM-CRF as a weights-only runtime file (the ``fast`` tagger)."""
    return shipped_file("models", DEFAULT_RUNTIME)


def tagger_path(name: str) -> Path:
    """The file of a shipped tagger's name (``default``, ``encoder``, ``fast``), else ``name`` as a path."""
    if name in SHIPPED_TAGGERS:
        return shipped_file("models", SHIPPED_TAGGERS[name])
    return Path(name)
