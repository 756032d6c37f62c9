"""A transformer token classifier in ONNX Runtime: words in, BIO tags out, without torch.

One ``.onnx`` file holds everything: the graph (``input_ids``, ``attention_mask`` to
``logits``), and in its metadata the tokenizer (``tokenizers`` JSON), the tag of each
output column, the label map to our labels and the longest input. ``anonymizer
export-onnx`` writes such files from any Hugging Face token-classification folder.

Each word is classified by its first sub-word, and a sentence's tags are the best BIO
path through those rows (:mod:`anonymizer.model.bio`). A sentence runs alone (no padding, no
neighbours), so its tags never depend on its batch, even with int8 layers whose
activation ranges are taken from the input they are given. A sentence longer than the
model's window runs in overlapping windows; each word takes its tags from the window
in which its first sub-word lies farthest from an edge, so no text is ever cut off.
Only the first :data:`MAX_WORD_CHARS` characters of a word are tokenized and only its
first :data:`MAX_WORD_PIECES` pieces are fed: a 20 MB token costs what a short one does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anonymizer.errors import OPTION, AnonymizerError
from anonymizer.model.bio import best_bio_path, bio_transitions
from anonymizer.model.integrity import file_sha256
from anonymizer.model.runtime import TaggedSentence

FORMAT = "anonymizer-encoder/1"
MAX_WORD_CHARS = 64
MAX_WORD_PIECES = 8
Array = np.ndarray[Any, np.dtype[Any]]


class EncoderFormatError(ValueError):
    """The file is not an encoder file this version can run."""


@dataclass(frozen=True, slots=True)
class EncoderMetadata:
    """What an encoder file says about itself (ONNX ``metadata_props``)."""

    tags: tuple[str, ...]  # BIO tags of the output columns, in our labels
    window: int  # sub-words per run, ``<s>`` and ``</s>`` included
    tokenizer: str  # the tokenizer's JSON
    source: str  # what it was exported from
    # The recall aid: a word whose non-O tags together reach this probability is redacted
    # even where the best path leaves it out (the pipeline's choice, not the tagger's tags;
    # 0.5: about the argmax, lower: recall first).
    entity_threshold: float = 0.5

    def props(self) -> dict[str, str]:
        return {
            "format": FORMAT,
            "tags": json.dumps(list(self.tags)),
            "window": str(self.window),
            "tokenizer": self.tokenizer,
            "source": self.source,
            "entity_threshold": repr(self.entity_threshold),
        }

    @classmethod
    def from_props(cls, props: dict[str, str]) -> EncoderMetadata:
        if props.get("format") != FORMAT:
            raise EncoderFormatError(f"not an {FORMAT} file (format {props.get('format')!r})")
        return cls(
            tags=tuple(json.loads(props["tags"])),
            window=int(props["window"]),
            tokenizer=props["tokenizer"],
            source=props.get("source", ""),
            entity_threshold=float(props.get("entity_threshold", "0.5")),
        )


def map_tags(model_tags: Sequence[str], label_map: dict[str, str | None]) -> tuple[str, ...]:
    """A model's tags in our labels: ``B-PRS`` with ``{"PRS": "PER"}`` is ``B-PER``; a label
    mapped to ``None`` (or not in the map) becomes ``O``. ``S-``/``E-`` read as ``B-``/``I-``."""
    out: list[str] = []
    for tag in model_tags:
        prefix, _, label = tag.partition("-")
        target = label_map.get(label) if label else None
        if not label or target is None:
            out.append("O")
        else:
            out.append(f"{'B' if prefix in ('B', 'S', 'U') else 'I'}-{target}")
    return tuple(out)


class EncoderRuntime:
    """Runs an encoder file; the interface :class:`anonymizer.detectors.ner.NerDetector` uses."""

    def __init__(self, path: Path, *, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            self.meta = EncoderMetadata.from_props(self.session.get_modelmeta().custom_metadata_map)
            self.tokenizer = Tokenizer.from_str(self.meta.tokenizer)
        except EncoderFormatError:
            raise
        except Exception as error:  # onnxruntime raises its own types for a corrupt file
            raise EncoderFormatError(f"cannot read the encoder file ({type(error).__name__})") from error
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.tags = list(self.meta.tags)
        if "O" not in self.tags:
            raise EncoderFormatError("the model has no O tag: every word would be an entity")
        self.labels = frozenset(tag[2:] for tag in self.tags if tag != "O")
        self._o_column = self.tags.index("O")
        self._transitions = bio_transitions(self.tags)
        specials = self.tokenizer.encode([], is_pretokenized=True).ids
        if len(specials) != 2:
            raise EncoderFormatError("the tokenizer does not frame a sentence with two special tokens")
        self.bos, self.eos = specials
        self.inputs = {node.name for node in self.session.get_inputs()}

    def predict(
        self, token_lists: Sequence[Sequence[str]], *, marginals: bool = False
    ) -> list[TaggedSentence]:
        return [self._sentence(words, marginals) for words in token_lists]

    def _pieces(self, words: Sequence[str]) -> list[list[int]]:
        clipped = [word[:MAX_WORD_CHARS] for word in words]
        encoding = self.tokenizer.encode(clipped, is_pretokenized=True, add_special_tokens=False)
        pieces: list[list[int]] = [[] for _ in words]
        for piece, word in zip(encoding.ids, encoding.word_ids, strict=True):
            if word is not None and len(pieces[word]) < MAX_WORD_PIECES:
                pieces[word].append(piece)
        return pieces

    def _sentence(self, words: Sequence[str], marginals: bool) -> TaggedSentence:
        if not words:
            return TaggedSentence((), ())
        pieces = self._pieces(words)
        ids = [piece for word in pieces for piece in word]
        first: list[int | None] = []
        at = 0
        for word in pieces:
            first.append(at if word else None)
            at += len(word)
        probabilities = self._probabilities(ids)
        rows = np.zeros((len(words), len(self.tags)), dtype=np.float64)
        for index, position in enumerate(first):
            if position is None:  # nothing the tokenizer kept (a lone control character)
                rows[index, self._o_column] = 1.0
            else:
                rows[index] = probabilities[position]
        best = best_bio_path(rows, *self._transitions)
        tags = tuple(self.tags[k] for k in best)
        scores = tuple(float(rows[i, k]) for i, k in enumerate(best))
        return TaggedSentence(tags, scores, rows if marginals else None)

    @property
    def recall_threshold(self) -> float:
        """The file's recall aid (:attr:`EncoderMetadata.entity_threshold`)."""
        return self.meta.entity_threshold

    def _probabilities(self, ids: list[int]) -> Array:
        """Softmax rows for each content piece, windowed when the sentence is long."""
        size = self.meta.window - 2
        if len(ids) <= size:
            return self._run(ids)
        stride = size // 2
        out = np.zeros((len(ids), len(self.tags)), dtype=np.float64)
        margin = np.full(len(ids), -1)
        starts = [*list(range(0, len(ids) - size, stride)), len(ids) - size]
        for start in starts:
            rows = self._run(ids[start : start + size])
            for offset in range(size):
                distance = min(offset, size - 1 - offset)
                if distance > margin[start + offset]:
                    margin[start + offset] = distance
                    out[start + offset] = rows[offset]
        return out

    def _run(self, ids: list[int]) -> Array:
        framed = np.asarray([[self.bos, *ids, self.eos]], dtype=np.int64)
        feed = {"input_ids": framed}
        if "attention_mask" in self.inputs:
            feed["attention_mask"] = np.ones_like(framed)
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(framed)
        logits = self.session.run(["logits"], feed)[0][0, 1:-1].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        result: Array = weights / weights.sum(axis=1, keepdims=True)
        return result


@dataclass(frozen=True, slots=True)
class LoadedEncoder:
    runtime: EncoderRuntime
    path: Path
    sha256: str


def is_encoder_file(path: Path) -> bool:
    return path.suffix == ".onnx"


def load_encoder(path: Path, *, threads: int = 1) -> LoadedEncoder:
    """Load an encoder file, cached per file and modification time."""
    resolved = path.resolve()
    if not resolved.is_file():
        raise AnonymizerError(f"model file not found: {path}")
    return _load(resolved, resolved.stat().st_mtime_ns, threads)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, threads: int) -> LoadedEncoder:
    try:
        runtime = EncoderRuntime(path, threads=threads)
    except EncoderFormatError as error:
        raise AnonymizerError(
            f"{path}: not a usable encoder file: {error}; pass another model file with {OPTION}",
            option="model_path",
        ) from error
    return LoadedEncoder(runtime=runtime, path=path, sha256=file_sha256(path))
