"""Model files: load an fp32 Flair tagger or our int8 file, save the int8 file."""

from __future__ import annotations

import functools
import logging
import pickle
import types
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.errors import OPTION, AnonymizerError
from anonymizer.model.integrity import file_sha256
from anonymizer.model.registry import moved_classes, register_own_embeddings

if TYPE_CHECKING:
    from flair.models import SequenceTagger

QUANTIZED_FORMAT = "anonymizer-int8-tagger/1"


@dataclass(frozen=True, slots=True)
class LoadedModel:
    tagger: SequenceTagger
    path: Path
    sha256: str
    quantized: bool


def load_model(path: Path) -> LoadedModel:
    """Load an fp32 Flair model file or our int8 file (a pickled quantized tagger).

    Cached per file and modification time: loading takes seconds, inference
    does not change the model.
    """
    resolved = path.resolve()
    if not resolved.is_file():
        raise AnonymizerError(f"model file not found: {path}")
    return _load_model(resolved, resolved.stat().st_mtime_ns)


class _Unpickler(pickle.Unpickler):
    """Finds our embedding classes in files pickled before they moved (the shipped model)."""

    moved = moved_classes()

    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(*self.moved.get((module, name), (module, name)))


# What torch.load takes as ``pickle_module``: it subclasses ``Unpickler``.
_PICKLE = types.SimpleNamespace(__name__="pickle", Unpickler=_Unpickler, load=pickle.load)


@functools.lru_cache(maxsize=4)
def _load_model(path: Path, mtime_ns: int) -> LoadedModel:
    import torch
    from flair.models import SequenceTagger

    register_own_embeddings()
    flair_log = logging.getLogger("flair")
    level = flair_log.level
    flair_log.setLevel(logging.WARNING)  # Flair logs model details at INFO; the library stays quiet
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload: Any = torch.load(path, map_location="cpu", weights_only=False, pickle_module=_PICKLE)
            if isinstance(payload, dict) and payload.get("format") == QUANTIZED_FORMAT:
                tagger, quantized = payload["tagger"], True
                for index, rnn in payload.get("language_model_rnns", {}).items():
                    _language_models(tagger)[index].rnn = rnn
            else:
                tagger, quantized = SequenceTagger.load(str(path)), False
    except Exception as error:
        raise AnonymizerError(
            f"{path}: cannot load the model ({type(error).__name__}); reinstall the package or pass "
            f"another model file with {OPTION}",
            option="model_path",
        ) from error
    finally:
        flair_log.setLevel(level)
    if not isinstance(tagger, SequenceTagger):
        raise AnonymizerError(f"{path} does not hold a Flair SequenceTagger")
    tagger.eval()
    return LoadedModel(tagger=tagger, path=path, sha256=file_sha256(path), quantized=quantized)


def _language_models(tagger: SequenceTagger) -> dict[int, Any]:
    """The character LMs of the tagger's Flair embeddings, by position in the stack.

    By position, not name: the names' position prefixes may be lost on reload
    (:mod:`anonymizer.model.registry`).
    """
    stacked = getattr(tagger.embeddings, "embeddings", [tagger.embeddings])
    return {index: e.lm for index, e in enumerate(stacked) if getattr(e, "lm", None) is not None}


def save_quantized(tagger: SequenceTagger, path: Path) -> None:
    """Pickle the int8 tagger; its language models' quantized LSTMs travel beside it.

    Flair pickles a ``LanguageModel`` as constructor arguments and a state dict and
    rebuilds an fp32 LSTM on load, silently dropping the quantized weights (a model
    with Flair embeddings reloaded with random language models). So the LSTMs are
    saved apart and put back by :func:`load_model`.
    """
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    models = _language_models(tagger)
    rnns = {index: lm.rnn for index, lm in models.items()}
    try:
        for lm in models.values():
            lm.rnn = torch.nn.Module()  # nothing of it in the LM's state dict
        torch.save({"format": QUANTIZED_FORMAT, "tagger": tagger, "language_model_rnns": rnns}, path)
    finally:
        for index, lm in models.items():
            lm.rnn = rnns[index]


def model_labels(tagger: SequenceTagger) -> frozenset[str]:
    """Entity types the tagger predicts (``PER`` from ``B-PER``, ``S-PER``...)."""
    names = tagger.label_dictionary.get_items()
    return frozenset(name.split("-", 1)[1] for name in names if "-" in name)
