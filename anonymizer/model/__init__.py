"""The Flair tagger: every import of Flair, and every Flair quirk, lives in this package.

- :mod:`~anonymizer.model.registry`: the embeddings' names (stacking order equals
  sorted-name order) and our own embedding classes, each defined once.
- :mod:`~anonymizer.model.loading`: model files, fp32 (Flair's) and int8 (ours).
- :mod:`~anonymizer.model.tagging`: token lists in, entity runs out.
- :mod:`~anonymizer.model.quantization`: the int8 copy of a tagger.
- :mod:`~anonymizer.model.chars`, :mod:`~anonymizer.model.embeddings`: the
  character embedding and the embedding stack.
- :mod:`~anonymizer.model.training`: Flair's trainers and their workarounds.

Importing this package imports neither Flair nor torch; its functions do when called.
"""

from __future__ import annotations

from anonymizer.model.integrity import file_sha256
from anonymizer.model.loading import LoadedModel, load_model, model_labels, save_quantized
from anonymizer.model.quantization import quantize_tagger
from anonymizer.model.registry import (
    CHAR_EMBEDDING_NAME,
    FLAIR_EMBEDDING_NAMES,
    STACK_ORDER,
    WORD_EMBEDDING_NAME,
)
from anonymizer.model.tagging import Run, tag_tokens

__all__ = [
    "CHAR_EMBEDDING_NAME",
    "FLAIR_EMBEDDING_NAMES",
    "STACK_ORDER",
    "WORD_EMBEDDING_NAME",
    "LoadedModel",
    "Run",
    "file_sha256",
    "load_model",
    "model_labels",
    "quantize_tagger",
    "save_quantized",
    "tag_tokens",
]
