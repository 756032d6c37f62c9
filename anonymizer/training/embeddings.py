"""Resources the tagger's embeddings are built from, made from local data only.

Flair's stock Swedish resources download at run time; these replace them:
a character dictionary from the NER corpora and raw text, and lower-cased
fastText word vectors trained with gensim, trimmed to a fixed vocabulary so the
shipped model stays small.
"""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from anonymizer.text import tokenize

log = logging.getLogger(__name__)


def raw_paragraphs(paths: Iterable[Path], *, limit: int | None = None) -> Iterator[str]:
    """Paragraphs (one per line) of gzipped or plain text files."""
    count = 0
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line:
                    yield line
                    count += 1
                    if limit is not None and count >= limit:
                        return


def conll_tokens(paths: Iterable[Path]) -> Iterator[list[str]]:
    """Sentences of a ``token<TAB>TAG`` file as token lists."""
    for path in paths:
        sentence: list[str] = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if not line.strip():
                    if sentence:
                        yield sentence
                    sentence = []
                    continue
                sentence.append(line.split("\t")[0])
        if sentence:
            yield sentence


def build_char_dictionary(
    corpus_files: Iterable[Path], text_files: Iterable[Path], target: Path, *, min_count: int = 20
) -> int:
    """Write a Flair ``Dictionary`` of characters; returns its size (``<unk>`` included)."""
    from anonymizer.model.chars import save_char_dictionary

    counts: Counter[str] = Counter()
    for sentence in conll_tokens(corpus_files):
        for token in sentence:
            counts.update(token)
    corpus_chars = set(counts)
    for paragraph in raw_paragraphs(text_files, limit=400_000):
        counts.update(paragraph)
    kept = [char for char, count in counts.most_common() if char in corpus_chars or count >= min_count]
    return save_char_dictionary(kept, target)


class _LowercasedSentences:
    """Re-iterable corpus for gensim: our tokenizer, lower-cased, the NER corpora included."""

    def __init__(self, text_files: list[Path], corpus_files: list[Path]) -> None:
        self.text_files = text_files
        self.corpus_files = corpus_files

    def __iter__(self) -> Iterator[list[str]]:
        for sentence in conll_tokens(self.corpus_files):
            yield [token.lower() for token in sentence]
        for paragraph in raw_paragraphs(self.text_files):
            yield [token.text.lower() for token in tokenize(paragraph)]


def train_word_vectors(
    text_files: list[Path],
    corpus_files: list[Path],
    target: Path,
    *,
    dim: int = 100,
    vocab_size: int = 60_000,
    epochs: int = 5,
    workers: int = 2,
) -> int:
    """Train fastText, then keep the ``vocab_size`` most frequent words plus every
    corpus word, whose vectors come from subwords when rare. Saves gensim
    ``KeyedVectors`` (what Flair's ``WordEmbeddings`` loads); returns the vocabulary size."""
    import numpy as np
    from gensim.models import FastText, KeyedVectors

    sentences = _LowercasedSentences(text_files, corpus_files)
    model = FastText(
        vector_size=dim, window=5, min_count=3, min_n=3, max_n=5, bucket=500_000, workers=workers, sg=0
    )
    model.build_vocab(corpus_iterable=sentences)
    log.info("fastText vocabulary: %d words", len(model.wv))
    model.train(corpus_iterable=sentences, total_examples=model.corpus_count, epochs=epochs)

    keep = list(model.wv.index_to_key[:vocab_size])
    seen = set(keep)
    for sentence in conll_tokens(corpus_files):
        for token in sentence:
            word = token.lower()
            if word not in seen:
                seen.add(word)
                keep.append(word)
    trimmed = KeyedVectors(vector_size=dim)
    trimmed.add_vectors(keep, np.stack([model.wv[word] for word in keep]).astype(np.float32))
    target.parent.mkdir(parents=True, exist_ok=True)
    trimmed.save(str(target))
    return len(keep)
