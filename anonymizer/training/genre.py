"""Genre data (issue 12): labelled documents as ``token<TAB>TAG`` training sentences.

The synthetic documents (:mod:`anonymizer.evaluation.synthetic`: journal notes, chats,
letters, court rulings, invoices) hold the registers that news lacks. Each is split and
tokenized with :mod:`anonymizer.text`, as at inference time, and a token takes the label
of the gold span it overlaps (BIO), for the labels the tagger learns; other spans (PNR,
PHONE, ...) are left ``O``: the rules find those.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TextIO

from anonymizer.evaluation.gold import GoldDocument
from anonymizer.text import sentences

TAGGER_LABELS = frozenset({"PER", "LOC", "ORG"})


def document_sentences(
    document: GoldDocument, *, labels: frozenset[str] = TAGGER_LABELS
) -> Iterator[tuple[list[str], list[str]]]:
    """The tokens and BIO tags of each sentence of ``document``."""
    spans = sorted((s.start, s.end, s.label) for s in document.spans if s.label in labels)
    for tokens in sentences(document.text):
        tags: list[str] = []
        previous: tuple[int, int, str] | None = None
        for token in tokens:
            span = next((s for s in spans if s[0] < token.end and token.start < s[1]), None)
            if span is None:
                tags.append("O")
            else:
                tags.append(("I-" if span == previous else "B-") + span[2])
            previous = span
        yield [token.text for token in tokens], tags


def write_genre_sentences(
    documents: Iterable[GoldDocument], out: TextIO, *, labels: frozenset[str] = TAGGER_LABELS
) -> Counter[str]:
    """Write every sentence of ``documents``; returns the entity count per label and
    ``sentences``."""
    counts: Counter[str] = Counter()
    for document in documents:
        for tokens, tags in document_sentences(document, labels=labels):
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True))
            out.write("\n")
            counts.update(tag[2:] for tag in tags if tag.startswith("B-"))
            counts["sentences"] += 1
    return counts
