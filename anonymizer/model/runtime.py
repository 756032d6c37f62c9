"""Flair-free inference for the tagger, one sentence at a time.

Loads a weights-only file written by :mod:`anonymizer.model.export` (a dict of
tensors, strings and numbers: nothing is unpickled that could run code) and
computes what Flair's ``SequenceTagger.predict`` computes with
``mini_batch_size=1``, with the same torch operations on the same shapes, so tags
and scores are bit-identical to it (``tests/test_runtime.py`` checks the dev files).

Why one sentence at a time: int8 dynamic quantization takes each activation's
range from the whole tensor it is given. In a mini-batch of sentences, a
sentence's features depend on its neighbours (and their number), so a record was
redacted differently in different files. Per sentence the ranges depend on the
sentence alone. The character LSTM still runs over all distinct tokens of the
sentence at once, as Flair does with one sentence per batch.

Only torch, numpy and the standard library are imported here: importing Flair
takes seconds, and inference needs none of it.
"""

from __future__ import annotations

import functools
import pickle
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from anonymizer.errors import OPTION, AnonymizerError
from anonymizer.model.integrity import file_sha256

FORMAT = "anonymizer-tagger-runtime/1"
_DIGIT = re.compile(r"\d")


class RuntimeFormatError(ValueError):
    """The file is not a tagger runtime file this version can run."""


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


class _Linear:
    """``y = x W^T + b``, in fp32 or as torch's dynamic int8 linear (range of ``x`` per call)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.bias: torch.Tensor | None = spec.get("bias")
        self.weight: torch.Tensor | None = spec.get("weight")
        self.packed: Any = None
        self.reduce_range = bool(spec.get("reduce_range", True))
        if self.weight is None:
            self.packed = torch.ops.quantized.linear_prepack(_quantized(spec), self.bias)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is not None:
            return torch.nn.functional.linear(x, self.weight, self.bias)
        y: torch.Tensor = torch.ops.quantized.linear_dynamic.default(
            x, self.packed, reduce_range=self.reduce_range
        )
        return y.to(x.dtype)


class _LSTM:
    """A (bi)LSTM over a packed sequence, fp32 or torch's dynamic int8 LSTM."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.hidden_size = int(spec["hidden_size"])
        self.num_layers = int(spec["num_layers"])
        self.bidirectional = bool(spec["bidirectional"])
        self.quantized = bool(spec["quantized"])
        cells: list[dict[str, Any]] = spec["cells"]  # layer-major, then direction
        if len(cells) != self.num_layers * (2 if self.bidirectional else 1):
            raise RuntimeFormatError("LSTM cell count does not match its layers and directions")
        self.params: list[Any] = []
        for cell in cells:
            if self.quantized:
                reduce_range = bool(spec.get("reduce_range", True))
                packed_ih = torch.ops.quantized.linear_prepack(_quantized(cell["w_ih"]), cell["b_ih"])
                packed_hh = torch.ops.quantized.linear_prepack(_quantized(cell["w_hh"]), cell["b_hh"])
                self.params.append(
                    torch.ops.quantized.make_quantized_cell_params_dynamic(
                        packed_ih, packed_hh, cell["b_ih"], cell["b_hh"], reduce_range
                    )
                )
            else:
                self.params.extend(
                    [cell["w_ih"]["weight"], cell["w_hh"]["weight"], cell["b_ih"], cell["b_hh"]]
                )

    def packed(self, data: torch.Tensor, batch_sizes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Output rows and final hidden states ``[layers * directions, batch, hidden]``."""
        directions = 2 if self.bidirectional else 1
        zeros = torch.zeros(
            self.num_layers * directions, int(batch_sizes[0]), self.hidden_size, dtype=data.dtype
        )
        result: tuple[torch.Tensor, ...]
        if self.quantized:
            # The overload by name: the overload packet tries ``input`` first and formats
            # the arguments into an error message each time (half the LSTM's time).
            result = torch.ops.aten.quantized_lstm.data(
                data,
                batch_sizes,
                (zeros, zeros),
                self.params,
                True,
                self.num_layers,
                0.0,
                False,
                self.bidirectional,
                dtype=torch.qint8,
                use_dynamic=True,
            )
        else:
            result = torch.lstm(
                data,
                batch_sizes,
                (zeros, zeros),
                self.params,
                True,
                self.num_layers,
                0.0,
                False,
                self.bidirectional,
            )
        return result[0], result[1]


def _quantized(spec: dict[str, Any]) -> torch.Tensor:
    """The qint8 weight of a spec that stores its integer values, scales and zero points."""
    values: torch.Tensor = spec["int8"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates creating quantized tensors
        if spec["axis"] is None:
            scale, zero_point = float(spec["scale"]), int(spec["zero_point"])
            return torch._make_per_tensor_quantized_tensor(values, scale, zero_point)
        return torch._make_per_channel_quantized_tensor(
            values, spec["scale"], spec["zero_point"], int(spec["axis"])
        )


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
        self.vectors: torch.Tensor = spec["vectors"]
        words = _words(spec, "vocab")
        if self.vectors.shape[0] != len(words) + 1:
            raise RuntimeFormatError("word table needs one row per word plus the unknown row")
        vocab = dict(zip(words, range(len(words)), strict=True))
        unknown = len(words)
        self.length = int(self.vectors.shape[1])

        @functools.lru_cache(maxsize=100_000)
        def index(word: str) -> int:
            if word in vocab:
                return vocab[word]
            lower = word.lower()
            if lower in vocab:
                return vocab[lower]
            for mark in ("#", "0"):
                if (masked := _DIGIT.sub(mark, lower)) in vocab:
                    return vocab[masked]
            return unknown

        self.index: Callable[[str], int] = index

    def __call__(self, tokens: Sequence[str]) -> torch.Tensor:
        ids = torch.tensor([self.index(token) for token in tokens], dtype=torch.long)
        return self.vectors.index_select(0, ids)


class _CharLSTM:
    """Our ``BatchedCharEmbeddings``: one BiLSTM pass over the distinct tokens, final states of both ways."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.table: torch.Tensor = spec["table"]
        chars: list[str] = spec["chars"]
        single = sorted((ord(char), index) for index, char in enumerate(chars) if len(char) == 1)
        self.codepoints = np.array([point for point, _ in single], dtype=np.int64)
        self.ids = np.array([index for _, index in single], dtype=np.int64)
        self.unknown: int | None = 0 if spec["unknown"] else None
        self.lstm = _LSTM(spec["lstm"])
        if not self.lstm.bidirectional or self.lstm.num_layers != 1:
            raise RuntimeFormatError("the character LSTM must be one bidirectional layer")
        self.length = 2 * self.lstm.hidden_size

    def char_ids(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Dictionary ids of every character of ``texts`` in one array."""
        points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self.codepoints, points), max(len(self.codepoints) - 1, 0))
        known = self.codepoints[where] == points if len(self.codepoints) else np.zeros(len(points), bool)
        if self.unknown is None and not known.all():
            raise ValueError("a character is not in the model's character dictionary, which has no <unk>")
        return np.where(known, self.ids[where], 0)

    def __call__(self, tokens: Sequence[str]) -> torch.Tensor:
        position: dict[str, int] = {}
        for token in tokens:
            position.setdefault(token, len(position))
        texts = list(position)
        lengths = torch.tensor([len(text) for text in texts])
        rows = torch.repeat_interleave(torch.arange(len(texts)), lengths)
        starts = torch.cumsum(lengths, 0) - lengths
        columns = torch.arange(int(lengths.sum())) - starts[rows]
        padded = torch.zeros((len(texts), int(lengths.max())), dtype=torch.long)
        padded[rows, columns] = torch.from_numpy(self.char_ids(texts))
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        embedded = self.table.index_select(0, packed.data)
        _, hidden = self.lstm.packed(embedded, packed.batch_sizes)
        assert packed.unsorted_indices is not None
        hidden = hidden.index_select(1, packed.unsorted_indices)
        vectors = torch.cat([hidden[0], hidden[1]], dim=1)
        return vectors.index_select(0, torch.tensor([position[token] for token in tokens]))


class _Lexicon:
    """Our ``LexiconEmbeddings``: fixed features of what the name lists know about each token."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from anonymizer.model.lexicon_features import FEATURE_NAMES, LexiconTables, sentence_features

        lookup = dict(zip(_words(spec, "lookup"), spec["lookup_bits"].tolist(), strict=True))
        self.tables = LexiconTables.from_state({**spec["tables"], "lookup": lookup})
        self.features = sentence_features
        self.length = len(FEATURE_NAMES)

    def __call__(self, tokens: Sequence[str]) -> torch.Tensor:
        return torch.tensor(self.features(self.tables, tokens))


# Embedding type in the file -> its runtime; each mirrors one Flair embedding class.
EMBEDDERS: dict[str, Callable[[dict[str, Any]], _WordTable | _CharLSTM | _Lexicon]] = {
    "words": _WordTable,
    "chars": _CharLSTM,
    "lexicon": _Lexicon,
}


class TaggerRuntime:
    """A BiLSTM(-CRF) sequence tagger over word, character and lexicon embeddings, one sentence at a time."""

    def __init__(self, payload: dict[str, Any]) -> None:
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise RuntimeFormatError(f"not a tagger runtime file (format {FORMAT!r})")
        self.metadata: dict[str, Any] = payload["metadata"]
        self.tags: list[str] = payload["tags"]
        embedders: list[Callable[[Sequence[str]], torch.Tensor]] = []
        width = 0
        for spec in payload["embeddings"]:  # in Flair's concatenation order
            if spec["type"] not in EMBEDDERS:
                raise RuntimeFormatError(f"unknown embedding type {spec['type']!r}")
            embedder = EMBEDDERS[spec["type"]](spec)
            embedders.append(embedder)
            width += embedder.length
        self.embedders = embedders
        self.embedding_length = width
        self.reproject = None if payload["reproject"] is None else _Linear(payload["reproject"])
        self.rnn = None if payload["rnn"] is None else _LSTM(payload["rnn"])
        self.linear = _Linear(payload["linear"])
        self.transitions: torch.Tensor | None = payload["transitions"]
        if self.transitions is not None:
            self.start = self.tags.index("<START>")
            self.stop = self.tags.index("<STOP>")
            self._transitions = self.transitions.numpy()

    @classmethod
    def load(cls, path: Path) -> TaggerRuntime:
        """Read a runtime file; ``weights_only=True``, so the file cannot run code."""
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise RuntimeFormatError(f"{path}: not a weights-only tagger runtime file ({error})") from error
        return cls(payload)

    @property
    def labels(self) -> frozenset[str]:
        """Entity types (``PER`` from ``B-PER``, ``S-PER`` ...)."""
        return frozenset(tag.split("-", 1)[1] for tag in self.tags if "-" in tag)

    def predict(self, sentences: Sequence[Sequence[str]], *, marginals: bool = False) -> list[TaggedSentence]:
        """Tags of each token list; each is computed alone, so its neighbours never matter.

        ``marginals``: also each token's tag probabilities (a CRF tagger only).
        """
        for tokens in sentences:
            if not all(tokens):  # Flair would drop them and shift every later token
                kept = sum(1 for token in tokens if token)
                raise ValueError(f"empty tokens cannot be tagged: kept {kept} of {len(tokens)} tokens")
        threads = torch.get_num_threads()
        with torch.inference_mode():
            # One sentence's operations are tiny: more threads only wait on each other (on
            # two busy cores, 2 threads ran 20x slower than 1). Results do not depend on it.
            if threads != 1:
                torch.set_num_threads(1)
            try:
                return [self._sentence(tokens, marginals=marginals) for tokens in sentences]
            finally:
                if threads != 1:
                    torch.set_num_threads(threads)

    def features(self, tokens: Sequence[str]) -> torch.Tensor:
        """Emission scores ``[1, len(tokens), tags]``, as Flair's ``forward`` before the CRF."""
        parts = [embed(tokens) for embed in self.embedders]
        x = torch.cat(parts, dim=1).unsqueeze(0) if len(parts) > 1 else parts[0].unsqueeze(0)
        if self.reproject is not None:
            x = self.reproject(x)
        if self.rnn is not None:
            output, _ = self.rnn.packed(x[0], torch.ones(len(tokens), dtype=torch.long))
            x = output.unsqueeze(0)
        return self.linear(x)

    def _sentence(self, tokens: Sequence[str], *, marginals: bool = False) -> TaggedSentence:
        if not tokens:
            return TaggedSentence((), ())
        features = self.features(tokens)
        if self.transitions is None:
            probabilities = torch.softmax(features[0], dim=1)
            confidence, best = torch.max(probabilities, dim=1)
            tags = tuple(self.tags[i] for i in best.tolist())
            extra = probabilities.numpy().astype(np.float64) if marginals else None
            return TaggedSentence(tags, tuple(confidence.tolist()), extra)
        tagged = self._viterbi(features)
        if not marginals:
            return tagged
        from anonymizer.model.marginals import crf_marginals

        extra = crf_marginals(features[0].numpy(), self._transitions, start=self.start, stop=self.stop)
        return TaggedSentence(tagged.tags, tagged.scores, extra)

    def _viterbi(self, features: torch.Tensor) -> TaggedSentence:
        """Flair's ``ViterbiDecoder.decode`` for one sentence, in the same float32 arithmetic."""
        emissions = features[0].numpy()
        length, size = emissions.shape
        transitions = self._transitions  # [to, from]
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
        confidence = torch.softmax(torch.from_numpy(upto).unsqueeze(0), dim=2).max(dim=2).values[0]
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

    Only the second imports Flair and unpickles the file (which can run code): pass
    Flair files you trust. Cached per file and modification time.
    """
    resolved = path.resolve()
    if not resolved.is_file():
        raise AnonymizerError(f"model file not found: {path}")
    return _load_runtime(resolved, resolved.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load_runtime(path: Path, mtime_ns: int) -> LoadedRuntime:
    digest = file_sha256(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "pickle protocol 4" when it is a Flair file
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # a pickle with classes in it: a Flair model file
        from anonymizer.model.export import export_file

        payload, exported = export_file(path), True
    except Exception as error:
        raise AnonymizerError(
            f"{path}: cannot read the model ({type(error).__name__}); reinstall the package or pass "
            f"another model file with {OPTION}",
            option="model_path",
        ) from error
    else:
        exported = False
    try:
        runtime = TaggerRuntime(payload)
    except (RuntimeFormatError, KeyError, TypeError) as error:
        raise AnonymizerError(f"{path}: not a tagger model the runtime can run ({error})") from error
    return LoadedRuntime(runtime, path, digest, exported=exported)
