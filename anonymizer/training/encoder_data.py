"""Training sentences for the encoder tagger: BIO files and span documents, one label set.

Every source becomes ``(words, tags)`` with BIO tags of :data:`ENCODER_LABELS` only
(MISC, TME and the rest turn into ``O``). Documents are cut into sentences by
:func:`anonymizer.text.sentences`, the tokenizer ``anonymize`` runs, so the model
learns on the same tokens it will see.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

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
    """Sentences of a ``token<TAB>TAG`` file (blank lines between sentences)."""
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    yield words, keep_labels(tags)
                words, tags = [], []
                continue
            token, _, tag = line.rpartition("\t")
            words.append(token)
            tags.append(tag or "O")
    if words:
        yield words, keep_labels(tags)


def read_documents(path: Path) -> Iterator[Sentence]:
    """Sentences of a span file (``{"text", "spans": [{"start", "end", "label"}]}`` a line).

    A token takes a span's label when it overlaps the span; it begins a run when the
    token before it is outside that span.
    """
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            document = json.loads(line)
            text: str = document["text"]
            spans = [s for s in document["spans"] if s["label"] in ENCODER_LABELS]
            for tokens in sentences(text):
                words, tags = [], []
                previous: int | None = None
                for token in tokens:
                    hit = next(
                        (i for i, s in enumerate(spans) if s["start"] < token.end and token.start < s["end"]),
                        None,
                    )
                    words.append(token.text)
                    if hit is None:
                        tags.append("O")
                    else:
                        tags.append(f"{'I' if hit == previous else 'B'}-{spans[hit]['label']}")
                    previous = hit
                yield words, tags


def read_source(path: Path) -> list[Sentence]:
    return list(read_documents(path) if path.suffix == ".jsonl" else read_bio(path))


def augment_case(sentence: Sentence, rng: random.Random, *, lower: float, upper: float) -> Sentence:
    """The sentence in lower case (chat) or upper case (headers) with these probabilities."""
    words, tags = sentence
    draw = rng.random()
    if draw < lower:
        return [word.lower() for word in words], tags
    if draw < lower + upper:
        return [word.upper() for word in words], tags
    return sentence


def entity_runs(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Maximal runs of one label ``(first, last, label)``: how klintan (IO) is scored."""
    runs: set[tuple[int, int, str]] = set()
    start, current = 0, "O"
    for index, tag in enumerate([*tags, "O"]):
        label = tag[2:] if tag != "O" else "O"
        if label != current:
            if current != "O":
                runs.add((start, index - 1, current))
            start, current = index, label
    return runs


def micro_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro F1 and per-label F1 over entity runs."""
    counts: dict[str, list[int]] = {label: [0, 0, 0] for label in ENCODER_LABELS}
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        g, p = entity_runs(gold_tags), entity_runs(predicted_tags)
        for run in g & p:
            counts[run[2]][0] += 1
        for run in p - g:
            counts[run[2]][1] += 1
        for run in g - p:
            counts[run[2]][2] += 1

    def f1(tp: int, fp: int, fn: int) -> float:
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    scores = {label: f1(*values) for label, values in counts.items()}
    totals = [sum(values[i] for values in counts.values()) for i in range(3)]
    scores["micro"] = f1(*totals)
    return scores
