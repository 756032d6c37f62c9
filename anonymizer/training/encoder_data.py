"""Training sentences for the encoder tagger: BIO files and span documents, one label set.

Every source becomes ``(words, tags)`` with BIO tags of :data:`ENCODER_LABELS` only
(MISC, TME and the rest turn into ``O``). Documents are cut into sentences by
:func:`anonymizer.text.sentences`, the tokenizer ``anonymize`` runs, so the model
learns on the same tokens it will see.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from anonymizer.evaluation.evaluate import read_conll, score, spans_from_tags
from anonymizer.evaluation.gold import read_jsonl
from anonymizer.evaluation.shared_lists import Gazetteers
from anonymizer.text import sentences

ENCODER_LABELS = ("PER", "LOC", "ORG")
TAGS = ("O", *(f"{prefix}-{label}" for label in ENCODER_LABELS for prefix in ("B", "I")))

Sentence = tuple[list[str], list[str]]


def keep_labels(tags: Sequence[str], labels: Sequence[str] = ENCODER_LABELS) -> list[str]:
    """BIO tags with other labels turned into ``O`` and an ``I-`` that opens a run made ``B-``."""
    out: list[str] = []
    for tag in tags:
        prefix, _, label = tag.partition("-")
        if label not in labels:
            out.append("O")
        elif prefix == "I" and (not out or out[-1][2:] != label):
            out.append(f"B-{label}")
        else:
            out.append(f"{'B' if prefix in ('B', 'S') else 'I'}-{label}")
    return out


def read_bio(path: Path) -> Iterator[Sentence]:
    """Sentences of a ``token<TAB>TAG`` file (:func:`anonymizer.evaluation.evaluate.read_conll`)."""
    for sentence in read_conll(path):
        yield sentence.tokens, keep_labels(sentence.tags)


def read_documents(path: Path) -> Iterator[Sentence]:
    """Sentences of a span file (:func:`anonymizer.evaluation.gold.read_jsonl`).

    A token takes a span's label when it overlaps the span; it begins a run when the
    token before it is outside that span.
    """
    for document in read_jsonl(path):
        spans = [s for s in document.spans if s.label in ENCODER_LABELS]
        for tokens in sentences(document.text):
            words, tags = [], []
            previous: int | None = None
            for token in tokens:
                hit = next(
                    (i for i, s in enumerate(spans) if s.start < token.end and token.start < s.end), None
                )
                words.append(token.text)
                if hit is None:
                    tags.append("O")
                else:
                    tags.append(f"{'I' if hit == previous else 'B'}-{spans[hit].label}")
                previous = hit
            yield words, tags


def read_source(path: Path) -> list[Sentence]:
    return list(read_documents(path) if path.suffix == ".jsonl" else read_bio(path))


def synthetic_sentences(count: int, *, seed: int, gazetteers: Path) -> list[Sentence]:
    """The sentences of ``anonymizer synthesize --count COUNT --seed SEED --gazetteers
    GAZETTEERS --format bio``, made in memory."""
    from anonymizer.evaluation.shared_lists import Gazetteers
    from anonymizer.evaluation.synthetic import generate
    from anonymizer.training.genre import TAGGER_LABELS, document_sentences

    documents = generate(count, seed=seed, gazetteers=Gazetteers.load(gazetteers))
    return [
        (list(tokens), keep_labels(list(tags)))
        for document in documents
        for tokens, tags in document_sentences(document, labels=TAGGER_LABELS)
    ]


def augment_case(sentence: Sentence, rng: random.Random, *, lower: float, upper: float) -> Sentence:
    """The sentence in lower case (chat) or upper case (headers) with these probabilities."""
    words, tags = sentence
    draw = rng.random()
    if draw < lower:
        return [word.lower() for word in words], tags
    if draw < lower + upper:
        return [word.upper() for word in words], tags
    return sentence


def replace_mentions(sentence: Sentence, rng: random.Random, *, rate: float, lists: Gazetteers) -> Sentence:
    """Each person and place run replaced, with probability ``rate``, by a name or place drawn
    from the shared lists, so the tagger learns contexts rather than the corpora's names.

    A person of two words or more becomes a first name and a surname, of one word either
    (a genitive loses its -s). Organisations are kept: the lists hold only agencies."""
    words, tags = sentence
    if rate <= 0:
        return sentence
    out_words: list[str] = []
    out_tags: list[str] = []
    index = 0
    while index < len(words):
        tag = tags[index]
        end = index + 1
        if tag.startswith("B-"):
            while end < len(words) and tags[end] == f"I-{tag[2:]}":
                end += 1
        label = tag[2:]
        if tag.startswith("B-") and label in ("PER", "LOC") and rng.random() < rate:
            new = _draw(label, words[index:end], rng, lists)
            out_words.extend(new)
            out_tags.extend([tag, *(f"I-{label}" for _ in new[1:])])
        else:
            out_words.extend(words[index:end])
            out_tags.extend(tags[index:end])
        index = end
    return out_words, out_tags


def _draw(label: str, run: Sequence[str], rng: random.Random, lists: Gazetteers) -> list[str]:
    if label == "LOC":
        return rng.choice(lists.places).split()
    first = (lists.female if rng.random() < 0.5 else lists.male).draw(rng)
    surname = lists.surnames.draw(rng)
    return [first, surname] if len(run) > 1 else [rng.choice((first, surname))]


def micro_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    """F1 per label of :data:`ENCODER_LABELS` and micro, over entities as maximal runs of one
    label (how klintan, annotated IO, is scored)."""
    result = score(
        [spans_from_tags(tags, io=True) for tags in gold],
        [spans_from_tags(tags, io=True) for tags in predicted],
        labels=ENCODER_LABELS,
    )
    return {label: float(result[label]["f1"]) for label in (*ENCODER_LABELS, "micro")}
