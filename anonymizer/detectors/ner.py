"""The Flair tagger as a batch detector. Every Flair quirk lives in this module.

- ``predict`` mutates the ``Sentence`` objects it gets: they are built here and
  thrown away, never shared.
- Flair span offsets are sentence-relative; we never use them. Sentences are built
  from our own tokens, and a span's token indices are mapped back to the exact
  character offsets of those tokens in the original record.
- No context crosses records: sentences are independent (no
  ``set_context_for_sentences``), so batching rows together changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.errors import AnonymizerError
from anonymizer.span import Span
from anonymizer.text import Token, sentences

if TYPE_CHECKING:
    from flair.models import SequenceTagger

QUANTIZED_FORMAT = "anonymizer-int8-tagger/1"


@dataclass(frozen=True, slots=True)
class LoadedModel:
    tagger: SequenceTagger
    path: Path
    sha256: str
    quantized: bool


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(path: Path) -> LoadedModel:
    """Load an fp32 Flair model file or our int8 file (a pickled quantized tagger).

    Cached per file and modification time: loading takes seconds, inference
    does not change the model.
    """
    resolved = path.resolve()
    if not resolved.is_file():
        raise AnonymizerError(f"model file not found: {path}")
    return _load_model(resolved, resolved.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load_model(path: Path, mtime_ns: int) -> LoadedModel:
    import torch
    from flair.models import SequenceTagger

    import anonymizer.detectors.chars  # noqa: F401  (registers our embedding class with Flair)

    flair_log = logging.getLogger("flair")
    level = flair_log.level
    flair_log.setLevel(logging.WARNING)  # Flair logs model details at INFO; the library stays quiet
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload: Any = torch.load(path, map_location="cpu", weights_only=False)
            if isinstance(payload, dict) and payload.get("format") == QUANTIZED_FORMAT:
                tagger, quantized = payload["tagger"], True
                for index, rnn in payload.get("language_model_rnns", {}).items():
                    _language_models(tagger)[index].rnn = rnn
            else:
                tagger, quantized = SequenceTagger.load(str(path)), False
    except Exception as error:
        raise AnonymizerError(
            f"{path}: cannot load the model ({type(error).__name__}); reinstall the package or pass "
            "another --model file"
        ) from error
    finally:
        flair_log.setLevel(level)
    if not isinstance(tagger, SequenceTagger):
        raise AnonymizerError(f"{path} does not hold a Flair SequenceTagger")
    tagger.eval()
    return LoadedModel(tagger=tagger, path=path, sha256=file_sha256(path), quantized=quantized)


def _language_models(tagger: SequenceTagger) -> dict[int, Any]:
    """The character LMs of the tagger's Flair embeddings, by position in the stack.

    By position, not name: Flair's "0-" name prefixes may be lost on reload.
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


class NerDetector:
    """Tags many records at once; Flair sees mini-batches of sentences sorted by length."""

    name = "ner"

    def __init__(
        self, model: LoadedModel, *, batch_size: int = 32, labels: frozenset[str] | None = None
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        known = model_labels(model.tagger)
        # The tagger predicts all it knows; spans of other labels are dropped.
        self.labels = known if labels is None else known & labels

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        units: list[tuple[int, list[Token]]] = [
            (index, tokens) for index, text in enumerate(texts) for tokens in sentences(text)
        ]
        tag_runs = self.tag([[token.text for token in tokens] for _, tokens in units])
        found: list[list[Span]] = [[] for _ in texts]
        for (index, tokens), runs in zip(units, tag_runs, strict=True):
            for first, last, label, score in runs:
                if label in self.labels:
                    found[index].append(Span(tokens[first].start, tokens[last].end, label, score, "ner"))
        return found

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[tuple[int, int, str, float]]]:
        """Entity runs ``(first_token, last_token, label, score)`` per token list, as given."""
        import torch
        from flair.data import Sentence

        flair_sentences = [Sentence(list(tokens)) for tokens in token_lists if tokens]
        if flair_sentences:
            with torch.inference_mode():
                self.model.tagger.predict(
                    flair_sentences, mini_batch_size=self.batch_size, label_name="predicted"
                )
        results: list[list[tuple[int, int, str, float]]] = []
        built = iter(flair_sentences)
        for tokens in token_lists:
            if not tokens:
                results.append([])
                continue
            sentence = next(built)
            if len(sentence) != len(tokens):  # Flair drops empty tokens: offsets would shift
                raise ValueError(f"Flair kept {len(sentence)} of {len(tokens)} tokens")
            runs = [
                (span.tokens[0].idx - 1, span.tokens[-1].idx - 1, label.value, float(label.score))
                for span in sentence.get_spans("predicted")
                for label in span.get_labels("predicted")
            ]
            results.append(sorted(runs))
        return results
