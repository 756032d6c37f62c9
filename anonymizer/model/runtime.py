"""Tagger inference in numpy, one sentence at a time: neither torch nor Flair is imported.

Loads a runtime file written by :mod:`anonymizer.model.export` (arrays and plain
values, :mod:`anonymizer.model.arrays`: nothing is unpickled that could run code)
and computes what Flair's ``SequenceTagger.predict`` computes with
``mini_batch_size=1``. int8 layers repeat torch's dynamic quantization (fbgemm)
exactly: the activation range of each call, the rounding of the quantized inputs,
the integer products (exact in float32 below 2**24) and the fused multiply-add that
turns them back into floats. What is not bit-identical is the float32 arithmetic
around it (numpy's ``exp``/``tanh`` against torch's, a BLAS's summation order), a
few units in the last place; ``tests/test_runtime.py`` checks that tags and spans
equal Flair's on the dev files and that scores agree to 1e-5.

Why one sentence at a time: dynamic quantization takes each activation's range
from the whole tensor it is given. In a mini-batch of sentences, a sentence's
features depend on its neighbours (and their number), so a record was redacted
differently in different files. Per sentence the ranges depend on the sentence
alone. The character LSTM still runs over all distinct tokens of the sentence at
once, as Flair does with one sentence per batch.

Why numpy: importing torch takes two seconds, longer than a one-letter run itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anonymizer.errors import OPTION, AnonymizerError, UsageError, missing_training_package
from anonymizer.model.arrays import ArrayFileError, is_array_file, read_arrays
from anonymizer.model.integrity import file_sha256
from anonymizer.model.runtime_layers import (
    LSTM,
    Array,
    Linear,
    Packing,
    RuntimeFormatError,
)

FORMAT = "anonymizer-tagger-runtime/1"
_DIGIT = re.compile(r"\d")
# Characters of one token the model sees (its first and last half): no word is this long.
MAX_TOKEN_CHARS = 100
# Sentences computed together by the int8 path: a bound on memory, not on results.
_SENTENCES_PER_CALL = 64


class ExportError(ValueError):
    """The tagger uses a part the runtime does not implement (raised while exporting)."""


@dataclass(frozen=True, slots=True)
class TaggedSentence:
    """BIOES tags and Flair's per-token confidence (the largest Viterbi posterior of the token)."""

    tags: tuple[str, ...]
    scores: tuple[float, ...]
    # P(tag | sentence) per token and tag (forward-backward), when asked for.
    marginals: np.ndarray[Any, np.dtype[np.float64]] | None = None

    def spans(self) -> list[tuple[int, int, str, float]]:
        """Entity runs ``(first_token, last_token, label, score)`` as Flair reads them from the tags."""
        return spans_from_tags(self.tags, self.scores)


def spans_from_tags(tags: Sequence[str], scores: Sequence[float]) -> list[tuple[int, int, str, float]]:
    """Flair's ``get_spans_from_bio``: runs of BIOES (or BIO) tags, scored by their mean confidence.

    A ``B-``/``S-`` tag, an ``I-`` tag of another type, or any tag after an ``S-``
    of another type opens a run; the run's label is the type with the most weight
    (1.1 for the tag that opened it, 1.0 for the others).
    """
    found: list[tuple[int, int, str, float]] = []
    weights: dict[str, float] = {}
    previous = "O-"
    members: list[int] = []
    member_scores: list[float] = []
    for index, raw in enumerate([*tags, "O"]):
        tag = "O-" if raw in ("", "O", "_") else raw
        inside = tag != "O-"
        starts = tag[:2] in {"B-", "S-"} or (
            inside and previous[2:] != tag[2:] and (tag[:2] == "I-" or previous[2:] == "S-")
        )
        if (starts or not inside) and members:
            label = max(weights.keys(), key=weights.__getitem__)
            found.append((members[0], members[-1], label, sum(member_scores) / len(member_scores)))
            members, member_scores, weights = [], [], {}
        if inside:
            members.append(index)
            member_scores.append(scores[index])
            weights[tag[2:]] = weights.setdefault(tag[2:], 0.0) + (1.1 if starts else 1.0)
        previous = tag
    return found


def _words(spec: dict[str, Any], key: str) -> list[str]:
    """A list of words stored as one newline-separated string (see :mod:`anonymizer.model.export`)."""
    size = int(spec[f"{key}_size"])
    words: list[str] = spec[key].split("\n") if size else []
    if len(words) != size:
        raise RuntimeFormatError(f"{key}: {len(words)} words, {size} expected")
    return words


class _WordTable:
    """Flair's ``WordEmbeddings``: the token, then its lower case, then digits as ``#``, then as ``0``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.vectors: Array = spec["vectors"].astype(np.float32)
        words = _words(spec, "vocab")
        if self.vectors.shape[0] != len(words) + 1:
            raise RuntimeFormatError("word table needs one row per word plus the unknown row")
        vocab = dict(zip(words, range(len(words)), strict=True))
        unknown = len(words)
        self.length = int(self.vectors.shape[1])

        @functools.lru_cache(maxsize=10_000)  # bounded: every word of a long run passes here
        def fallback(word: str) -> int:
            lower = word.lower()
            if lower in vocab:
                return vocab[lower]
            for mark in ("#", "0"):
                if (masked := _DIGIT.sub(mark, lower)) in vocab:
                    return vocab[masked]
            return unknown

        def index(word: str) -> int:
            found = vocab.get(word)
            return fallback(word) if found is None else found

        self.index: Callable[[str], int] = index

    def __call__(self, sentences: Sequence[Sequence[str]]) -> Array:
        return self.vectors[[self.index(token) for tokens in sentences for token in tokens]]


class _CharLSTM:
    """Our ``BatchedCharEmbeddings``: one BiLSTM pass over the distinct tokens, final states of both ways."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.table: Array = spec["table"].astype(np.float32)
        chars: list[str] = spec["chars"]
        single = sorted((ord(char), index) for index, char in enumerate(chars) if len(char) == 1)
        self.codepoints = np.array([point for point, _ in single], dtype=np.int64)
        self.ids = np.array([index for _, index in single], dtype=np.int64)
        self.unknown: int | None = 0 if spec["unknown"] else None
        self.lstm = LSTM(spec["lstm"])
        if not self.lstm.bidirectional or self.lstm.num_layers != 1:
            raise RuntimeFormatError("the character LSTM must be one bidirectional layer")
        self.length = 2 * self.lstm.hidden_size

    def char_ids(self, texts: Sequence[str]) -> Array:
        """Dictionary ids of every character of ``texts`` in one array."""
        points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self.codepoints, points), max(len(self.codepoints) - 1, 0))
        known = self.codepoints[where] == points if len(self.codepoints) else np.zeros(len(points), bool)
        if self.unknown is None and not known.all():
            raise ValueError("a character is not in the model's character dictionary, which has no <unk>")
        return np.where(known, self.ids[where], 0)

    def __call__(self, sentences: Sequence[Sequence[str]]) -> Array:
        # Rows: each sentence's distinct tokens (a group: torch ran them in one call), longest first.
        texts: list[str] = []
        groups: list[int] = []
        token_rows: list[int] = []
        for sentence, tokens in enumerate(sentences):
            position: dict[str, int] = {}
            for token in tokens:
                position.setdefault(token, len(position))
            distinct = sorted(position, key=len, reverse=True)  # stable: ties keep their order
            row = {text: len(texts) + index for index, text in enumerate(distinct)}
            texts.extend(distinct)
            groups.extend([sentence] * len(distinct))
            token_rows.extend(row[token] for token in tokens)
        lengths = np.array([len(text) for text in texts], dtype=np.int64)
        packing = Packing.build(lengths, np.array(groups, dtype=np.int64))
        _, final = self.lstm.run(self.table[self.char_ids(texts)], packing)
        return np.concatenate([final[0], final[1]], axis=1)[token_rows]


class _Lexicon:
    """Our ``LexiconEmbeddings``: fixed features of what the name lists know about each token."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from anonymizer.model.lexicon_features import FEATURE_NAMES, LexiconTables, sentence_features

        lookup = dict(zip(_words(spec, "lookup"), np.asarray(spec["lookup_bits"]).tolist(), strict=True))
        self.tables = LexiconTables.from_state({**spec["tables"], "lookup": lookup})
        self.features = sentence_features
        self.length = len(FEATURE_NAMES)

    def __call__(self, sentences: Sequence[Sequence[str]]) -> Array:
        rows = [row for tokens in sentences for row in self.features(self.tables, tokens)]
        return np.array(rows, dtype=np.float32).reshape(len(rows), self.length)


# Embedding type in the file -> its runtime; each mirrors one Flair embedding class.
EMBEDDERS: dict[str, Callable[[dict[str, Any]], _WordTable | _CharLSTM | _Lexicon]] = {
    "words": _WordTable,
    "chars": _CharLSTM,
    "lexicon": _Lexicon,
}


@functools.cache
def _blas_libraries() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def _one_blas_thread() -> AbstractContextManager[Any]:
    """One BLAS thread while tagging: the products are small, and on two busy cores two
    threads ran 2.3 times slower than one. Results do not depend on it (the int8
    products are exact, and each fp32 product keeps its shape)."""
    limiter: AbstractContextManager[Any] = _blas_libraries().limit(limits=1)
    return limiter


def _softmax(scores: Array) -> Array:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    result: Array = shifted / shifted.sum(axis=-1, keepdims=True)
    return result


class TaggerRuntime:
    """A BiLSTM(-CRF) sequence tagger over word, character and lexicon embeddings, one sentence at a time."""

    def __init__(self, payload: dict[str, Any]) -> None:
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise RuntimeFormatError(f"not a tagger runtime file (format {FORMAT!r})")
        self.metadata: dict[str, Any] = payload["metadata"]
        self.tags: list[str] = payload["tags"]
        embedders: list[Callable[[Sequence[Sequence[str]]], Array]] = []
        width = 0
        for spec in payload["embeddings"]:  # in Flair's concatenation order
            if spec["type"] not in EMBEDDERS:
                raise RuntimeFormatError(f"unknown embedding type {spec['type']!r}")
            embedder = EMBEDDERS[spec["type"]](spec)
            embedders.append(embedder)
            width += embedder.length
        self.embedders = embedders
        self.embedding_length = width
        self.reproject = None if payload["reproject"] is None else Linear(payload["reproject"])
        self.rnn = None if payload["rnn"] is None else LSTM(payload["rnn"])
        self.linear = Linear(payload["linear"])
        transitions = payload["transitions"]
        self.transitions: Array | None = None if transitions is None else transitions.astype(np.float32)
        if self.transitions is not None:
            self.start = self.tags.index("<START>")
            self.stop = self.tags.index("<STOP>")
        lstms = [self.rnn, *(embedder.lstm for embedder in embedders if isinstance(embedder, _CharLSTM))]
        self.batchable = all(lstm is None or lstm.quantized for lstm in lstms) and (
            self.reproject is None or self.reproject.quantized
        )

    @classmethod
    def load(cls, path: Path) -> TaggerRuntime:
        """Read a runtime file (:mod:`anonymizer.model.arrays`: loading it runs no code)."""
        try:
            payload = read_arrays(path)
        except ArrayFileError as error:
            raise RuntimeFormatError(f"{path}: not a tagger runtime file ({error})") from error
        return cls(payload)

    @property
    def labels(self) -> frozenset[str]:
        """Entity types (``PER`` from ``B-PER``, ``S-PER`` ...)."""
        return frozenset(tag.split("-", 1)[1] for tag in self.tags if "-" in tag)

    def predict(self, sentences: Sequence[Sequence[str]], *, marginals: bool = False) -> list[TaggedSentence]:
        """Tags of each token list, each exactly as if it were tagged alone: its neighbours never matter.

        ``marginals``: also each token's tag probabilities (a CRF tagger only).
        """
        for tokens in sentences:
            if not all(tokens):  # Flair would drop them and shift every later token
                kept = sum(1 for token in tokens if token)
                raise ValueError(f"empty tokens cannot be tagged: kept {kept} of {len(tokens)} tokens")
        # int8 layers give each sentence its own ranges, so sentences run together; fp32
        # layers would not be exact across batch shapes (a BLAS sums in its own order).
        size = _SENTENCES_PER_CALL if self.batchable else 1
        sentences = [[clip_token(token) for token in tokens] for tokens in sentences]
        results: list[TaggedSentence] = []
        # exp(-x) of a very negative gate overflows: the sigmoid is 0, as it should be.
        with _one_blas_thread(), np.errstate(over="ignore"):
            for begin in range(0, len(sentences), size):
                chunk = [tokens for tokens in sentences[begin : begin + size] if tokens]
                emissions = iter(self.emissions(chunk) if chunk else [])
                for tokens in sentences[begin : begin + size]:
                    results.append(
                        self._decode(next(emissions), marginals=marginals)
                        if tokens
                        else TaggedSentence((), ())
                    )
        return results

    def features(self, tokens: Sequence[str]) -> Array:
        """Emission scores ``[len(tokens), tags]`` of one sentence, as Flair's ``forward`` before the CRF."""
        return self.emissions([tokens])[0]

    def emissions(self, sentences: Sequence[Sequence[str]]) -> list[Array]:
        """:meth:`features` of each non-empty sentence, computed together."""
        lengths = np.array([len(tokens) for tokens in sentences], dtype=np.int64)
        starts = np.cumsum(lengths) - lengths
        parts = [embed(sentences) for embed in self.embedders]
        x = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        if self.reproject is not None:
            x = self.reproject(x, starts)
        if self.rnn is not None:
            # One row per sentence, longest first; each sentence its own group.
            order = np.argsort(-lengths, kind="stable")
            packing = Packing.build(lengths[order], np.arange(len(order)))
            moved = np.concatenate([np.arange(starts[i], starts[i] + lengths[i]) for i in order])
            output, _ = self.rnn.run(x[moved], packing)
            x = np.empty_like(output)
            x[moved] = output
        # The output layer is fp32: one call per sentence keeps its arithmetic the same.
        return [self.linear(x[start : start + length]) for start, length in zip(starts, lengths, strict=True)]

    def _decode(self, features: Array, *, marginals: bool) -> TaggedSentence:
        if self.transitions is None:
            probabilities = _softmax(features)
            best = probabilities.argmax(axis=1)
            confidence = probabilities[np.arange(len(best)), best]
            tags = tuple(self.tags[i] for i in best.tolist())
            extra = probabilities.astype(np.float64) if marginals else None
            return TaggedSentence(tags, tuple(confidence.tolist()), extra)
        tagged = self._viterbi(features, self.transitions)
        if not marginals:
            return tagged
        from anonymizer.model.marginals import crf_marginals

        extra = crf_marginals(features, self.transitions, start=self.start, stop=self.stop)
        return TaggedSentence(tagged.tags, tagged.scores, extra)

    def _viterbi(self, emissions: Array, transitions: Array) -> TaggedSentence:
        """Flair's ``ViterbiDecoder.decode`` for one sentence, in the same float32 arithmetic."""
        length, size = emissions.shape
        # crf[t, to, from] = emission[t, to] + transitions[to, from], as Flair's CRF.forward.
        crf = emissions[:, :, None] + transitions[None, :, :]
        upto = np.empty((length, size), dtype=np.float32)
        back = np.empty((length, size), dtype=np.int64)
        upto[0] = crf[0, :, self.start]
        rows = np.arange(size)
        for t in range(1, length):
            candidates = crf[t] + upto[t - 1][None, :]
            back[t] = candidates.argmax(axis=1)
            upto[t] = candidates[rows, back[t]]
        path = [int((upto[-1] + transitions[self.stop]).argmax())]
        for t in range(length - 1, 0, -1):
            path.append(int(back[t, path[-1]]))
        path.reverse()
        confidence = _softmax(upto).max(axis=1)
        return TaggedSentence(tuple(self.tags[i] for i in path), tuple(confidence.tolist()))


@dataclass(frozen=True, slots=True)
class LoadedRuntime:
    """A runtime and the file it came from (its SHA-256 goes into the audit summary)."""

    runtime: TaggerRuntime
    path: Path
    sha256: str
    exported: bool  # True: built in memory from a Flair model file


def load_runtime(path: Path) -> LoadedRuntime:
    """A runtime file, or a Flair model file (fp32 or our int8) exported in memory.

    Only the second imports torch and Flair and unpickles the file (which can run
    code): pass Flair files you trust. Cached per file and modification time.
    """
    resolved = path.resolve()
    if not resolved.is_file():
        raise AnonymizerError(f"model file not found: {path}")
    return _load_runtime(resolved, resolved.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load_runtime(path: Path, mtime_ns: int) -> LoadedRuntime:
    digest = file_sha256(path)
    if not is_array_file(path) and not _looks_like_torch_file(path):
        raise UsageError(
            f"{path}: not a model file (neither a runtime, Flair nor ONNX file: corrupt, truncated or "
            f"something else); reinstall the package or pass another model file with {OPTION}",
            option="model_path",
        )
    try:
        if is_array_file(path):
            payload, exported = read_arrays(path), False
        else:  # a Flair model file, or a runtime file of version 0.2.0 (torch's format)
            from anonymizer.model.export import payload_of_file

            payload, exported = payload_of_file(path)
    except ExportError:
        raise
    except Exception as error:
        if (missing := missing_training_package(error)) is not None:
            raise UsageError(f"{path}: {missing}") from error
        raise AnonymizerError(
            f"{path}: cannot read the model ({type(error).__name__}); reinstall the package or pass "
            f"another model file with {OPTION}",
            option="model_path",
        ) from error
    try:
        runtime = TaggerRuntime(payload)
    except (RuntimeFormatError, KeyError, TypeError, AttributeError) as error:
        raise AnonymizerError(f"{path}: not a tagger model the runtime can run ({error})") from error
    return LoadedRuntime(runtime, path, digest, exported=exported)


def clip_token(token: str) -> str:
    """A token longer than :data:`MAX_TOKEN_CHARS` as its first and last half of that: what the
    model sees of a base64 blob or a minified line, so time and memory stay linear in the input
    (the character LSTM runs over every character it is given)."""
    if len(token) <= MAX_TOKEN_CHARS:
        return token
    half = MAX_TOKEN_CHARS // 2
    return token[:half] + token[-half:]


def _looks_like_torch_file(path: Path) -> bool:
    """A zip archive (torch's format since 1.6) or a pickle (protocol 2 or later), by its first bytes."""
    with path.open("rb") as handle:
        head = handle.read(4)
    return head == b"PK\x03\x04" or (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5)
