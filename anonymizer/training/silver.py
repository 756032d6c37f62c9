"""Silver training data: raw Swedish text labelled by a tagger (issues 3 and 12).

* PER, LOC, ORG (and MISC) from efselab's SUC named-entity tagger, packaged on PyPI
  as ``pefselab`` (MIT; trained on SUC and SIC). Its models ship inside the sdist, so
  it runs offline, but its C extensions are built on first use
  (:func:`build_pefselab`, a few minutes with gcc).
* Or from our own tagger (:class:`RuntimeTagger`, self-training): only sentences it
  tags confidently, every token's Viterbi posterior at least ``min_confidence``.
* TME from the project's own time rules (:class:`~anonymizer.detectors.time.TimeDetector`),
  so a model trained on it learns time expressions from the rules, also on the gold
  corpora, which have no TME labels (:func:`add_time_tags`).

Sentences are split and tokenized with :mod:`anonymizer.text`, as at inference time.
The output is ``token<TAB>TAG`` (BIO), the format of the gold corpora.
"""

from __future__ import annotations

import gzip
import itertools
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from anonymizer.detectors.time import TimeDetector
from anonymizer.text import sentences as split_sentences

if TYPE_CHECKING:
    from anonymizer.model.encoder import EncoderRuntime
    from anonymizer.model.runtime import TaggerRuntime

# SUC named-entity types -> the project's labels ("other", "work", "event", ... are MISC).
SUC_LABELS = {"person": "PER", "place": "LOC", "inst": "ORG"}


class SentenceTagger(Protocol):
    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str] | None]:
        """Per sentence, BIO tags with the project's labels, one per token; ``None``: leave it out."""
        ...


# Sentences tagged per call (our runtime runs them together).
_CHUNK = 256


def map_suc_tags(tags: Sequence[str]) -> list[str]:
    """``B-person`` -> ``B-PER``, ``I-inst`` -> ``I-ORG``, other SUC types -> MISC."""
    mapped = []
    for tag in tags:
        prefix, _, kind = tag.partition("-")
        mapped.append("O" if tag == "O" or not kind else f"{prefix}-{SUC_LABELS.get(kind, 'MISC')}")
    return mapped


def add_time_tags(tokens: Sequence[str], tags: Sequence[str], *, detector: TimeDetector) -> list[str]:
    """``tags`` plus B-/I-TME on the tokens a rule time expression covers completely.

    Tokens already inside an entity keep their tag; an expression that would cut
    through one is left out, so TME never splits an entity.
    """
    text = " ".join(tokens)
    starts, position = [], 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    result = list(tags)
    for span in detector.find(text):
        covered = [
            index
            for index, start in enumerate(starts)
            if start >= span.start and start + len(tokens[index]) <= span.end
        ]
        if covered and all(result[index] == "O" for index in covered):
            result[covered[0]] = "B-TME"
            for index in covered[1:]:
                result[index] = "I-TME"
    return result


def raw_sentences(paths: Iterable[Path], *, sample: float, seed: int) -> Iterator[list[str]]:
    """Token lists of a random ``sample`` share of the paragraphs of gzipped text files.

    The files take turns, a paragraph each, so a limit downstream draws on all of them.
    """
    readers = [
        _paragraph_sentences(path, sample=sample, seed=seed + index) for index, path in enumerate(paths)
    ]
    while readers:
        for reader in list(readers):
            paragraph = next(reader, None)
            if paragraph is None:
                readers.remove(reader)
            else:
                yield from paragraph


def _paragraph_sentences(path: Path, *, sample: float, seed: int) -> Iterator[list[list[str]]]:
    chooser = random.Random(seed)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and chooser.random() < sample:
                yield [[token.text for token in sentence] for sentence in split_sentences(line.rstrip("\n"))]


def write_silver(
    sentences: Iterable[list[str]],
    out: TextIO,
    *,
    tagger: SentenceTagger,
    limit: int,
    keep_empty: float = 0.2,
    seed: int = 0,
    time_tags: bool = True,
) -> Counter[str]:
    """Tag and write up to ``limit`` sentences; returns the entity count per label
    (and ``sentences``, and ``refused``: sentences the tagger left out).

    Sentences without any entity are kept with probability ``keep_empty``, so the
    silver data is not mostly "O" while the model still sees plain sentences.
    ``time_tags``: add TME from the time rules.
    """
    chooser = random.Random(seed)
    detector = TimeDetector()
    counts: Counter[str] = Counter()
    written = 0
    usable = (tokens for tokens in sentences if 3 <= len(tokens) <= 120)
    while written < limit and (chunk := list(itertools.islice(usable, _CHUNK))):
        for tokens, found in zip(chunk, tagger.tag_many(chunk), strict=True):
            if written >= limit:
                break
            if found is None:
                counts["refused"] += 1
                continue
            tags = add_time_tags(tokens, found, detector=detector) if time_tags else found
            if all(tag == "O" for tag in tags) and chooser.random() >= keep_empty:
                continue
            counts.update(tag[2:] for tag in tags if tag.startswith("B-"))
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True))
            out.write("\n")
            written += 1
    counts["sentences"] = written
    return counts


class PefselabTagger:
    """efselab's SUC tagger, lemmatizer and named-entity tagger, mapped to our labels."""

    def __init__(self) -> None:
        try:
            from pefselab.lemmatize import SUCLemmatizer
            from pefselab.tagger import SucNETagger, SucTagger
            from pefselab.tools import get_data_dir
        except ImportError as error:  # also raised when its models are not built yet
            raise RuntimeError(
                "pefselab is not installed or not built: pip install 'pefselab==0.0.2', then run "
                "`anonymizer silver --build` once"
            ) from error
        models = Path(get_data_dir()) / "models"
        self._suc: Any = SucTagger(models / "suc.bin")
        self._ne: Any = SucNETagger(models / "suc-ne.bin")
        self._lemmatizer: Any = SUCLemmatizer()
        self._lemmatizer.load(str(models / "suc-saldo.lemmas"))

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str] | None]:
        return [self.tag(sentence) for sentence in sentences]

    def tag(self, sentence: Sequence[str]) -> list[str]:
        tokens = list(sentence)
        suc_tags = self._suc.tag(tokens)
        lemmas = [self._lemmatizer.predict(token, tag) for token, tag in zip(tokens, suc_tags, strict=True)]
        return map_suc_tags(self._ne.tag(list(zip(tokens, lemmas, suc_tags, strict=True))))


class RuntimeTagger:
    """Our own tagger (the runtime), for self-training: a sentence is kept only when the
    tagger is sure of every token (its Viterbi posterior at least ``min_confidence``)."""

    def __init__(self, runtime: TaggerRuntime | EncoderRuntime, *, min_confidence: float) -> None:
        self.runtime = runtime
        self.min_confidence = min_confidence

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str] | None]:
        return [
            bioes_to_bio(tagged.tags) if min(tagged.scores, default=1.0) >= self.min_confidence else None
            for tagged in self.runtime.predict(sentences)
        ]


def bioes_to_bio(tags: Sequence[str]) -> list[str]:
    """``S-X`` -> ``B-X``, ``E-X`` -> ``I-X``; ``B-``, ``I-`` and ``O`` stay."""
    return [("B-" if tag[:2] == "S-" else "I-" if tag[:2] == "E-" else tag[:2]) + tag[2:] for tag in tags]


def build_pefselab() -> None:
    """Compile pefselab's taggers once (its models ship in the package; nothing is downloaded)."""
    from pefselab.train_swe_pipeline import create_pipeline, pipeline_is_available

    if not pipeline_is_available():
        create_pipeline()
