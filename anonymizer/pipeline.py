"""The one way through: read -> batch -> detect -> merge -> replace -> write + audit.

``Anonymizer`` is the library API; ``run_job`` streams a reader into a writer and
is what the ``anonymize`` command wraps.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from anonymizer.audit import AuditLog
from anonymizer.cache import TextCache
from anonymizer.config import Config, load_config, shipped_file
from anonymizer.detectors import Detector
from anonymizer.detectors.lists import drop_allowed
from anonymizer.errors import DetectionError, UsageError
from anonymizer.io import Reader, Writer
from anonymizer.merge import STRATEGIES, Strategy
from anonymizer.operators.registry import check_operators
from anonymizer.propagate import Mentions, find_mentions, learn, trim_genitives
from anonymizer.replace import Numbering, Replacer
from anonymizer.span import Redaction, Span

DEFAULT_MODEL = "sv-ner-int8.pt"
DEFAULT_RUNTIME = "sv-ner-int8.rt.pt"
#: Distinct texts :meth:`Anonymizer.detect` remembers by default.
DEFAULT_CACHE_SIZE = 10_000


def default_model_path() -> Path:
    """The int8 model shipped as package data (``models/`` in the repository)."""
    return shipped_file("models", DEFAULT_MODEL)


def default_runtime_path() -> Path:
    """The same model as a weights-only runtime file: what :meth:`Anonymizer.load` runs."""
    return shipped_file("models", DEFAULT_RUNTIME)


class Anonymizer:
    """Detects and replaces entities in batches of texts.

    Each text passed to :meth:`redact` is its own document (for ``{n}`` numbering
    and mention propagation); pass a shared :class:`Document` to
    :meth:`redact_many` to make several texts one document.
    """

    def __init__(
        self,
        *,
        config: Config,
        detectors: Sequence[Detector],
        strategy: Strategy | None = None,
        model_sha256: str | None = None,
        key: bytes | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        """``cache_size``: how many distinct texts :meth:`detect` remembers (0: none)."""
        self.config = config
        # Without a key, keyed operators (pseudonym, surrogate, hash) are stable within
        # this object only; pass one to make them stable across runs.
        self.key_was_random = key is None
        self.key = key if key is not None else secrets.token_bytes(32)
        self.detectors = list(detectors)
        self.strategy = strategy or STRATEGIES[config.merge_strategy]
        self.model_sha256 = model_sha256
        self.known_labels = frozenset().union(*(d.labels for d in self.detectors))
        unknown = config.entities - self.known_labels
        if unknown:
            raise UsageError(
                f"unknown entity type(s): {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(self.known_labels))}"
            )
        self._replacer = Replacer(config, key=self.key)
        self.cache: TextCache[Span] = TextCache(cache_size)

    @classmethod
    def load(
        cls,
        *,
        config: Config | Path | None = None,
        entities: Iterable[str] | None = None,
        model_path: Path | None = None,
        batch_size: int | None = None,
        key: bytes | None = None,
        preset: str | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> Anonymizer:
        """The shipped model and rules, with ``preset`` (``rules/presets/NAME.toml``),
        ``config`` and the keyword options laid over them."""
        from anonymizer.detectors.gazetteer import GazetteerDetector
        from anonymizer.detectors.lists import DenyListDetector
        from anonymizer.detectors.ner import NerDetector, load_tagger
        from anonymizer.detectors.patterns import PatternDetector
        from anonymizer.detectors.time import TimeDetector

        if not isinstance(config, Config):
            config = load_config(config, preset=preset)
        elif preset is not None:
            raise UsageError("a preset is laid over the shipped files: pass a config path, not a Config")
        check_operators(config)  # a bad [operators.LABEL] table fails before the model loads
        if entities is not None:
            config = config.with_entities(frozenset(label.strip().upper() for label in entities))
        detectors: list[Detector] = []
        if config.time_rules:
            detectors.append(TimeDetector(score=config.time_score))
        if config.recognizers:
            detectors.append(PatternDetector(config.recognizers))
        if config.deny:
            detectors.append(DenyListDetector(config.deny))
        if not config.entities & config.model_labels:
            # Only rule labels asked for (e.g. --entities TME,PNR): skip loading the tagger.
            return cls(config=config, detectors=detectors, model_sha256=None, key=key, cache_size=cache_size)
        if config.gazetteers:
            detectors.append(GazetteerDetector(score=config.gazetteer_score))
        if config.unknown_words:
            from anonymizer.detectors.unknown import UnknownWordDetector

            detectors.append(UnknownWordDetector.load(score=config.unknown_words_score))
        if model_path is None:
            model_path = default_runtime_path() if config.model_path == "default" else Path(config.model_path)
        model = load_tagger(model_path)
        detectors.insert(
            0, NerDetector(model, batch_size=batch_size or config.batch_size, labels=config.model_labels)
        )
        return cls(
            config=config, detectors=detectors, model_sha256=model.sha256, key=key, cache_size=cache_size
        )

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        """Merged, disjoint spans of the selected labels for each text.

        A text seen before in this object (see :attr:`cache`), or twice in ``texts``, is
        detected once.
        """
        results: list[Sequence[Span] | None] = [self.cache.get(text) for text in texts]
        todo: dict[str, int] = {}
        for text, found in zip(texts, results, strict=True):
            if found is None:
                todo.setdefault(text, len(todo))
        if todo:
            fresh = self._detect(list(todo))
            for text, spans in zip(todo, fresh, strict=True):
                self.cache.put(text, spans)
            results = [
                fresh[todo[text]] if found is None else found
                for text, found in zip(texts, results, strict=True)
            ]
        return [list(spans) for spans in results if spans is not None]

    def _detect(self, texts: Sequence[str]) -> list[list[Span]]:
        per_text: list[list[Span]] = [[] for _ in texts]
        for detector in self.detectors:
            if not detector.labels & self.config.entities:
                continue  # e.g. --entities TME needs no tagger pass
            try:
                found = detector.detect(texts)
            except Exception as error:  # fail closed: nothing is written without detection
                raise DetectionError(f"detector '{detector.name}' failed: {type(error).__name__}") from error
            if len(found) != len(texts):
                raise DetectionError(
                    f"detector '{detector.name}' returned {len(found)} results for {len(texts)} texts"
                )
            for index, spans in enumerate(found):
                per_text[index].extend(s for s in spans if s.label in self.config.entities)
        for text, spans in zip(texts, per_text, strict=True):
            if any(span.end > len(text) for span in spans):
                raise DetectionError("a detector returned offsets outside its text")
        return [
            self.strategy(drop_allowed(text, spans, self.config.allow))
            for text, spans in zip(texts, per_text, strict=True)
        ]

    def redact(self, texts: Sequence[str]) -> list[Redaction]:
        return self.redact_many(texts, [Document() for _ in texts])

    def redact_many(self, texts: Sequence[str], documents: Sequence[Document]) -> list[Redaction]:
        """Redact ``texts``; ``documents[i]`` is the document text ``i`` belongs to."""
        all_spans = self.detect(texts)
        if self.config.propagation:
            # Learn from every text first, so a name found in a later paragraph
            # of the batch also covers an earlier one.
            for text, spans, document in zip(texts, all_spans, documents, strict=True):
                for part, full_name in learn(text, spans, document.mentions):
                    document.numbering.alias("PER", part, full_name)
            all_spans = [
                self._with_mentions(text, spans, document.mentions)
                for text, spans, document in zip(texts, all_spans, documents, strict=True)
            ]
        return [
            self._replacer.apply(text, spans, document.numbering)
            for text, spans, document in zip(texts, all_spans, documents, strict=True)
        ]

    def _with_mentions(self, text: str, spans: list[Span], mentions: Mentions) -> list[Span]:
        """``spans`` plus the other mentions of known names, genitive ``s`` left outside."""
        found = drop_allowed(text, find_mentions(text, spans, mentions), self.config.allow)
        return trim_genitives(text, self.strategy([*spans, *found]), mentions)


@dataclass
class Document:
    """What one document accumulates: placeholder numbers and known mentions."""

    numbering: Numbering = field(default_factory=Numbering)
    mentions: Mentions = field(default_factory=Mentions)


@dataclass(frozen=True)
class JobStats:
    rows: int
    counts: dict[str, int]
    seconds: float

    @property
    def spans(self) -> int:
        return sum(self.counts.values())


def run_job(
    anonymizer: Anonymizer,
    reader: Reader,
    writer: Writer,
    *,
    audit: AuditLog | None = None,
    one_document: bool = False,
    on_rows: Callable[[int], None] | None = None,
    on_progress: Callable[[JobStats], None] | None = None,
) -> JobStats:
    """Stream every chunk of ``reader`` through ``anonymizer`` into ``writer``.

    ``one_document``: the whole input is one document (text files); otherwise
    each row is one. Null and empty cells pass through untouched. ``on_progress``
    gets the running totals after each chunk.
    """
    import time

    started = time.monotonic()
    rows = 0
    counts: Counter[str] = Counter()
    whole_file = Document()
    for chunk in reader:
        cells: list[tuple[int, str | None, str]] = []
        documents: list[Document] = []
        rows_of_chunk: dict[int, Document] = {}
        for name, values in chunk.fields.items():
            for offset, value in enumerate(values):
                if value:
                    cells.append((offset, name, value))
                    documents.append(
                        whole_file if one_document else rows_of_chunk.setdefault(offset, Document())
                    )
        redactions = anonymizer.redact_many([cell[2] for cell in cells], documents)
        replaced: dict[str | None, list[str | None]] = {f: list(v) for f, v in chunk.fields.items()}
        for (offset, name, value), redaction in zip(cells, redactions, strict=True):
            replaced[name][offset] = redaction.text
            counts.update(item.span.label for item in redaction.replacements)
            if audit is not None:
                for item in redaction.replacements:
                    audit.write(
                        source=reader.source,
                        record=chunk.first_row + offset,
                        field=name,
                        original=value,
                        item=item,
                    )
        writer.write(chunk, replaced)
        rows += chunk.num_rows
        if on_rows is not None:
            on_rows(rows)
        if on_progress is not None:
            on_progress(JobStats(rows=rows, counts=dict(counts), seconds=time.monotonic() - started))
    return JobStats(rows=rows, counts=dict(sorted(counts.items())), seconds=time.monotonic() - started)
