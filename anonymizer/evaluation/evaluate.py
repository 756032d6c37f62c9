"""Scoring: a tagger on ``token<TAB>TAG`` files (exact token spans), and the whole pipeline on
gold documents (exact character spans plus the leak rate).

:func:`evaluate_tokens` and :func:`evaluate_documents` run a tagger or a redactor over a
corpus and score it; the rest are the pure parts they are made of.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from anonymizer.detectors.tagger_repair import TaggerRepair
from anonymizer.errors import InputError
from anonymizer.evaluation.gold import GoldDocument
from anonymizer.evaluation.leaks import (
    IDENTIFIER_LABELS,
    char_leaks,
    overlapping,
    visible_leaks,
)
from anonymizer.span import Redaction
from anonymizer.text import Token

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


@dataclass(frozen=True)
class _Counts:
    """Exact-match counts per label: true positives, false positives, false negatives."""

    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]

    @classmethod
    def of(cls, gold: Iterable[Iterable[EntitySpan]], predicted: Iterable[Iterable[EntitySpan]]) -> _Counts:
        counts = cls(Counter(), Counter(), Counter())
        for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
            gold_set, predicted_set = set(gold_spans), set(predicted_spans)
            counts.tp.update(span[2] for span in gold_set & predicted_set)
            counts.fp.update(span[2] for span in predicted_set - gold_set)
            counts.fn.update(span[2] for span in gold_set - predicted_set)
        return counts

    def labels(self, chosen: Iterable[str] | None) -> list[str]:
        return sorted(set(chosen) if chosen is not None else set(self.tp) | set(self.fp) | set(self.fn))

    def metrics(self, labels: Sequence[str]) -> dict[str, float | int]:
        """Precision, recall, F1 and support, summed over ``labels``."""
        t, p, n = (sum(counter[label] for label in labels) for counter in (self.tp, self.fp, self.fn))
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": t + n,
        }


def score(
    gold: Sequence[set[EntitySpan]],
    predicted: Sequence[set[EntitySpan]],
    *,
    labels: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Precision, recall, F1 per label and micro-averaged, over exact span matches."""
    counts = _Counts.of(gold, predicted)
    chosen = counts.labels(labels)
    result: dict[str, Any] = {label: counts.metrics([label]) for label in chosen}
    result["micro"] = counts.metrics(chosen)
    return result


def write_predictions(
    handle: TextIO, sentences: Sequence[TaggedSentence], predicted: Sequence[list[str]], *, io: bool
) -> None:
    for sentence, tags in zip(sentences, predicted, strict=True):
        for token, gold, guess in zip(sentence.tokens, to_bio(sentence.tags, io=io), tags, strict=True):
            handle.write(f"{token}\t{gold}\t{guess}\n")
        handle.write("\n")


# ---------------------------------------------------------------- character spans of whole documents

CharSpan = tuple[int, int, str]  # start, end (exclusive), label


@dataclass(frozen=True, slots=True)
class LeakedSpan:
    """A gold span that leaks under the leak rule (:mod:`anonymizer.evaluation.leaks`)."""

    document: str
    start: int
    end: int
    label: str


def leaks(gold: Iterable[CharSpan], predicted: Iterable[CharSpan]) -> list[CharSpan]:
    """Gold spans not completely inside the union of the predicted ranges (the character rule)."""
    return char_leaks(gold, predicted)


def score_documents(
    ids: Sequence[str],
    texts: Sequence[str],
    gold: Sequence[Iterable[CharSpan]],
    predicted: Sequence[Iterable[CharSpan]],
    *,
    labels: Iterable[str] | None = None,
) -> tuple[dict[str, Any], list[LeakedSpan]]:
    """Scores of predicted against gold character spans, one entry of each per document.

    Per label: precision, recall and F1 over exact (start, end, label) matches, the
    support, false positives, ``leak_rate`` (the share of gold spans of the label that
    leak under the leak rule, whatever the labels of the replacements),
    ``leak_rate_chars`` (the character rule: not every character replaced) and
    ``overlap_precision`` (the share of the label's replaced spans that overlap some
    gold span). ``identifiers`` sums the identifier labels, ``micro`` all chosen labels.
    Returns the scores and the spans leaked under the leak rule.
    """
    gold_sets = [set(spans) for spans in gold]
    predicted_sets = [set(spans) for spans in predicted]
    counts = _Counts.of(gold_sets, predicted_sets)
    chosen = counts.labels(labels)
    leaked = [
        LeakedSpan(document, start, end, label)
        for document, text, gold_spans, predicted_spans in zip(
            ids, texts, gold_sets, predicted_sets, strict=True
        )
        for start, end, label in visible_leaks(text, gold_spans, predicted_spans)
        if label in chosen
    ]
    lost = Counter(span.label for span in leaked)
    lost_chars = Counter(
        label
        for gold_spans, predicted_spans in zip(gold_sets, predicted_sets, strict=True)
        for _, _, label in char_leaks(gold_spans, predicted_spans)
    )
    replaced = Counter(span[2] for spans in predicted_sets for span in spans)
    hitting = Counter(
        span[2]
        for gold_spans, predicted_spans in zip(gold_sets, predicted_sets, strict=True)
        for span in overlapping(gold_spans, predicted_spans)
    )

    def metrics(labels: Sequence[str]) -> dict[str, float | int]:
        support = sum(counts.tp[label] + counts.fn[label] for label in labels)
        leaked_here = sum(lost[label] for label in labels)
        chars_here = sum(lost_chars[label] for label in labels)
        replaced_here = sum(replaced[label] for label in labels)
        return {
            **counts.metrics(labels),
            "false_positives": sum(counts.fp[label] for label in labels),
            "leaked": leaked_here,
            "leak_rate": round(leaked_here / support, 4) if support else 0.0,
            "leaked_chars": chars_here,
            "leak_rate_chars": round(chars_here / support, 4) if support else 0.0,
            "replaced": replaced_here,
            "overlap_precision": (
                round(sum(hitting[label] for label in labels) / replaced_here, 4) if replaced_here else 0.0
            ),
        }

    result: dict[str, Any] = {label: metrics([label]) for label in chosen}
    identifiers = [label for label in chosen if label in IDENTIFIER_LABELS]
    if identifiers:
        result["identifiers"] = metrics(identifiers)
    result["micro"] = metrics(chosen)
    return result, leaked


def document_predictions(
    ids: Sequence[str],
    texts: Sequence[str],
    predicted: Sequence[Iterable[CharSpan]],
    leaked: Iterable[LeakedSpan],
) -> Iterator[dict[str, Any]]:
    """One record per document: its predicted spans and leaked gold spans, each with its text."""
    by_document: dict[str, list[LeakedSpan]] = {}
    for span in leaked:
        by_document.setdefault(span.document, []).append(span)
    for document, text, spans in zip(ids, texts, predicted, strict=True):
        yield {
            "id": document,
            "predicted": [
                {"start": start, "end": end, "label": label, "text": text[start:end]}
                for start, end, label in sorted(spans)
            ],
            "leaked": [
                {"start": s.start, "end": s.end, "label": s.label, "text": text[s.start : s.end]}
                for s in by_document.get(document, [])
            ],
        }


# ---------------------------------------------------------------- running a tagger or the pipeline


class Tagger(Protocol):
    """Tags pre-tokenized sentences: (first token, last token, label, score) runs per sentence."""

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[tuple[int, int, str, float]]]: ...


@dataclass(frozen=True)
class RepairedTagger:
    """``tagger`` with the tagger repairs, as ``anonymize`` applies them (the tokens joined
    by single spaces: a token corpus has no column gaps)."""

    tagger: Tagger
    repair: TaggerRepair

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[tuple[int, int, str, float]]]:
        repaired = []
        for words, runs in zip(token_lists, self.tagger.tag(token_lists), strict=True):
            tokens, start = [], 0
            for word in words:
                tokens.append(Token(start, start + len(word), word))
                start += len(word) + 1
            repaired.append(self.repair.repair(" ".join(words), tokens, runs))
        return repaired


class Redactor(Protocol):
    """Redacts texts, one :class:`Redaction` per text (``Anonymizer``, or a fake in tests)."""

    def redact(self, texts: Sequence[str]) -> list[Redaction]: ...


@dataclass(frozen=True)
class TokenEvaluation:
    sentences: tuple[TaggedSentence, ...]
    predicted_tags: tuple[list[str], ...]  # BIO, one list per sentence
    scores: dict[str, Any]  # per label and "micro", see :func:`score`
    io: bool

    def write_predictions(self, handle: TextIO) -> None:
        """``token<TAB>gold<TAB>predicted`` (BIO) lines, a blank line after each sentence."""
        write_predictions(handle, self.sentences, self.predicted_tags, io=self.io)


def evaluate_tokens(
    sentences: Iterable[TaggedSentence],
    tagger: Tagger,
    *,
    io: bool = False,
    labels: Iterable[str] | None = None,
) -> TokenEvaluation:
    """Tag the tokens of ``sentences`` as given (no re-tokenization) and score exact spans.

    ``io``: the gold tags are IO-annotated (see :func:`spans_from_tags`).
    """
    tagged = tuple(sentences)
    runs = tagger.tag([sentence.tokens for sentence in tagged])
    predicted = tuple(bio_tags(len(s.tokens), r) for s, r in zip(tagged, runs, strict=True))
    result = score(
        [spans_from_tags(s.tags, io=io) for s in tagged],
        [spans_from_tags(tags, io=io) for tags in predicted],
        labels=labels,
    )
    return TokenEvaluation(tagged, predicted, result, io)


DOCUMENTS_PER_BATCH = 64  # documents redacted together; only memory depends on it


def removed_spans(text: str, redaction: Redaction) -> list[CharSpan]:
    """The spans of ``redaction`` whose text was replaced by something else.

    A span kept as it was (operator ``keep``) was found but not removed: it counts
    as not covering its gold span, which then leaks.
    """
    return [
        (r.span.start, r.span.end, r.span.label)
        for r in redaction.replacements
        if r.replacement != text[r.span.start : r.span.end]
    ]


@dataclass(frozen=True)
class DocumentEvaluation:
    documents: tuple[GoldDocument, ...]
    predicted: tuple[list[CharSpan], ...]  # removed spans, one list per document
    scores: dict[str, Any]  # per label and "micro", see :func:`score_documents`
    leaked: tuple[LeakedSpan, ...]

    def prediction_records(self) -> Iterator[dict[str, Any]]:
        """One record per document: its removed spans and leaked gold spans, with their text.

        The records hold the documents' text: they are for the evaluator, not for sharing.
        """
        return document_predictions(
            [d.id for d in self.documents], [d.text for d in self.documents], self.predicted, self.leaked
        )


def evaluate_documents(
    documents: Iterable[GoldDocument],
    redactor: Redactor,
    *,
    labels: Iterable[str] | None = None,
    batch_size: int = DOCUMENTS_PER_BATCH,
) -> DocumentEvaluation:
    """Redact every document (each one text) and score the removed spans against the gold
    spans: exact matches, false positives, overlap precision and the leak rates per label."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    gold_documents = tuple(documents)
    predicted: list[list[CharSpan]] = []
    for start in range(0, len(gold_documents), batch_size):
        batch = gold_documents[start : start + batch_size]
        redactions = redactor.redact([document.text for document in batch])
        predicted.extend(
            removed_spans(document.text, redaction)
            for document, redaction in zip(batch, redactions, strict=True)
        )
    result, leaked = score_documents(
        [document.id for document in gold_documents],
        [document.text for document in gold_documents],
        [[(s.start, s.end, s.label) for s in document.spans] for document in gold_documents],
        predicted,
        labels=labels,
    )
    return DocumentEvaluation(gold_documents, tuple(predicted), result, tuple(leaked))
