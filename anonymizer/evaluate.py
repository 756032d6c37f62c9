"""Entity-level scoring of a tagger on ``token<TAB>TAG`` files (exact span match)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from anonymizer.errors import InputError

EntitySpan = tuple[int, int, str]  # first token, last token (inclusive), label


@dataclass(frozen=True)
class TaggedSentence:
    tokens: list[str]
    tags: list[str]


def read_conll(path: Path) -> Iterator[TaggedSentence]:
    """Sentences of a ``token<TAB>TAG`` file. A token may contain spaces (split on the last TAB)."""
    tokens: list[str] = []
    tags: list[str] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    if tokens:
                        yield TaggedSentence(tokens, tags)
                    tokens, tags = [], []
                    continue
                if "\t" not in line:
                    raise InputError(
                        f"{path}: line {number}: expected 'token<TAB>TAG' (no TAB found); "
                        "separate token and tag with a TAB character"
                    )
                token, tag = line.rsplit("\t", 1)
                tokens.append(token)
                tags.append(tag.strip())
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte {error.start}); convert the file to UTF-8") from None
    if tokens:
        yield TaggedSentence(tokens, tags)


def spans_from_tags(tags: Sequence[str], *, io: bool = False) -> set[EntitySpan]:
    """Entity spans of a BIO/BIOES/IO tag sequence.

    ``io=True``: a span is a maximal run of one type, B- prefixes ignored (for
    corpora annotated IO, where adjacent entities of one type cannot be told apart).
    """
    spans: set[EntitySpan] = set()
    start: int | None = None
    label = ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-") if tag != "O" else ("O", "", "")
        begins = prefix in {"B", "S"} and not io
        if start is not None and (prefix == "O" or kind != label or begins):
            spans.add((start, index - 1, label))
            start = None
        if prefix != "O" and start is None:
            start, label = index, kind
    return spans


def bio_tags(length: int, runs: Iterable[tuple[int, int, str, float]]) -> list[str]:
    tags = ["O"] * length
    for first, last, label, _ in runs:
        tags[first] = f"B-{label}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{label}"
    return tags


def to_bio(tags: Sequence[str], *, io: bool = False) -> list[str]:
    return bio_tags(len(tags), ((a, b, label, 1.0) for a, b, label in spans_from_tags(tags, io=io)))


def score(
    gold: Sequence[set[EntitySpan]],
    predicted: Sequence[set[EntitySpan]],
    *,
    labels: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Precision, recall, F1 per label and micro-averaged, over exact span matches."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for span in gold_spans & predicted_spans:
            tp[span[2]] += 1
        for span in predicted_spans - gold_spans:
            fp[span[2]] += 1
        for span in gold_spans - predicted_spans:
            fn[span[2]] += 1
    chosen = sorted(set(labels) if labels is not None else set(tp) | set(fp) | set(fn))

    def prf(t: int, p: int, n: int) -> dict[str, float | int]:
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": t + n,
        }

    result: dict[str, Any] = {label: prf(tp[label], fp[label], fn[label]) for label in chosen}
    result["micro"] = prf(
        sum(tp[label] for label in chosen),
        sum(fp[label] for label in chosen),
        sum(fn[label] for label in chosen),
    )
    return result


def write_predictions(
    handle: TextIO, sentences: Sequence[TaggedSentence], predicted: Sequence[list[str]], *, io: bool
) -> None:
    for sentence, tags in zip(sentences, predicted, strict=True):
        for token, gold, guess in zip(sentence.tokens, to_bio(sentence.tags, io=io), tags, strict=True):
            handle.write(f"{token}\t{gold}\t{guess}\n")
        handle.write("\n")
