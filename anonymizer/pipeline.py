"""The one way through: read -> batch -> detect -> merge -> replace -> write + audit.

``Anonymizer`` is the library API; ``run_job`` streams a reader into a writer and
is what the ``anonymize`` command wraps.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from anonymizer import deadline, limits
from anonymizer.audit import AuditLog
from anonymizer.cache import DEFAULT_CACHE_SIZE, TextCache
from anonymizer.config import Config, load_config
from anonymizer.detectors import Detector
from anonymizer.detectors.lists import drop_allowed
from anonymizer.errors import OPTION, DetectionError, InputError, RecordError, UsageError
from anonymizer.io import Reader, Writer
from anonymizer.merge import STRATEGIES, Strategy, drop_covered_by_rules
from anonymizer.model.shipped import tagger_path
from anonymizer.operators.registry import check_operators
from anonymizer.propagate import Mentions, find_mentions, learn, trim_genitives
from anonymizer.replace import Numbering, Replacer
from anonymizer.span import ERROR_LABEL, Rank, Redaction, Replacement, Span
from anonymizer.unicode_map import NfcCopy, nfc_copy

#: What to do with a record whose detection fails: stop the run, or mask the record whole.
ON_ERROR = ("stop", "mask")
#: The text a masked record is replaced with (``on_error="mask"``).
ERROR_MASK = "[REDACTED]"


def unknown_labels(unknown: Iterable[str], known: Iterable[str]) -> UsageError:
    names = ", ".join(sorted(unknown))
    return UsageError(f"unknown entity type(s): {names}; known: {', '.join(sorted(known))}")


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
        on_error: str = "stop",
        record_timeout: float | None = limits.DEFAULT_RECORD_TIMEOUT,
    ) -> None:
        """``cache_size``: how many distinct texts :meth:`detect` remembers (0: none).

        ``on_error``: a record whose detection fails (a detector raises, or it runs past
        ``record_timeout`` seconds per million characters, see :mod:`anonymizer.deadline`;
        ``None``: no limit) stops :meth:`redact_many` with a :class:`RecordError`
        (``"stop"``), or is replaced whole by :data:`ERROR_MASK` (``"mask"``).
        """
        if on_error not in ON_ERROR:
            raise UsageError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
        bad_timeout = limits.check_record_timeout(record_timeout)
        if bad_timeout is not None:
            raise UsageError(bad_timeout)
        self.on_error = on_error
        self.record_timeout = record_timeout
        self.config = config
        # Without a key, keyed operators (pseudonym, surrogate, hash) are stable within
        # this object only; pass one to make them stable across runs.
        self.key_was_random = key is None
        self.key = key if key is not None else secrets.token_bytes(32)
        self.detectors = list(detectors)
        self.strategy = strategy or STRATEGIES[config.merge_strategy]
        self.model_sha256 = model_sha256
        self.known_labels = frozenset().union(*(d.labels for d in self.detectors))
        if not config.entities:  # fail closed: nothing would be redacted
            raise UsageError("no entity types to replace: give at least one label, e.g. PER")
        unknown = config.entities - self.known_labels
        if unknown:
            raise unknown_labels(unknown, self.known_labels)
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
        on_error: str = "stop",
        record_timeout: float | None = limits.DEFAULT_RECORD_TIMEOUT,
        trust_models: Iterable[str] = (),
    ) -> Anonymizer:
        """The shipped model and rules, with ``preset`` (``rules/presets/NAME.toml``),
        ``config`` and the keyword options laid over them.

        The model file must be a shipped one or have a SHA-256 in ``trust_models``, and be
        writable by its owner only (:mod:`anonymizer.model.integrity`): loading runs code.
        """
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
            detectors.append(TimeDetector(score=config.time_score, relative=config.time_relative))
        if config.recognizers:
            detectors.append(PatternDetector(config.recognizers))
        if config.tables:
            from anonymizer.detectors.tables import TableDetector

            detectors.append(TableDetector())
        if config.spoken_numbers:
            from anonymizer.detectors.spoken import SpokenNumberDetector

            detectors.append(SpokenNumberDetector())
        if config.deny:
            detectors.append(DenyListDetector(config.deny))
        if not config.entities & config.model_labels:
            # Only rule labels asked for (e.g. --entities TME,PNR): skip loading the tagger.
            rules = frozenset().union(*(d.labels for d in detectors))
            if config.entities - rules:  # the tagger's labels are known too, though not loaded
                raise unknown_labels(config.entities - rules, rules | config.model_labels)
            return cls(
                config=config,
                detectors=detectors,
                model_sha256=None,
                key=key,
                cache_size=cache_size,
                on_error=on_error,
                record_timeout=record_timeout,
            )
        if config.gazetteers:
            detectors.append(GazetteerDetector(score=config.gazetteer_score))
        from anonymizer.detectors.name_shapes import NameShapeDetector

        detectors.append(NameShapeDetector.load(strict=config.name_fields))
        if config.unknown_words:
            from anonymizer.detectors.unknown import UnknownWordDetector

            detectors.append(UnknownWordDetector.load(score=config.unknown_words_score))
        if model_path is None:
            model_path = tagger_path(config.model_path)
        model = load_tagger(model_path, trusted=tuple(trust_models))
        repair = None
        if config.tagger_repair:
            from anonymizer.detectors.tagger_repair import TaggerRepair

            repair = TaggerRepair.load(drop_ordinary=config.drop_ordinary_words)
        taggers = [
            model,
            *(load_tagger(tagger_path(name), trusted=tuple(trust_models)) for name in config.model_also),
        ]
        detectors[:0] = [
            NerDetector(
                tagger,
                batch_size=batch_size or config.batch_size,
                labels=config.model_labels,
                threshold=config.model_threshold,
                repair=repair,
            )
            for tagger in taggers
        ]
        return cls(
            config=config,
            detectors=detectors,
            model_sha256=model.sha256,
            key=key,
            cache_size=cache_size,
            on_error=on_error,
            record_timeout=record_timeout,
        )

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        """Merged, disjoint spans of the selected labels for each text.

        A text seen before in this object (see :attr:`cache`), or twice in ``texts``, is
        detected once. A text whose detection fails raises :class:`RecordError`.
        """
        results = self._detect_each(texts)
        for index, found in enumerate(results):
            if isinstance(found, RecordError):
                raise RecordError(found.reason, index=index)
        return [found for found in results if not isinstance(found, RecordError)]

    def _detect_each(self, texts: Sequence[str]) -> list[list[Span] | RecordError]:
        """:meth:`detect`, with a failure in the place of each text whose detection failed."""
        results: list[Sequence[Span] | RecordError | None] = [self.cache.get(text) for text in texts]
        todo: dict[str, int] = {}
        for text, found in zip(texts, results, strict=True):
            if found is None:
                todo.setdefault(text, len(todo))
        if todo:
            fresh = self._detect_guarded(list(todo))
            for text, spans in zip(todo, fresh, strict=True):
                if not isinstance(spans, RecordError):
                    self.cache.put(text, spans)
            results = [
                fresh[todo[text]] if found is None else found
                for text, found in zip(texts, results, strict=True)
            ]
        return [
            found if isinstance(found, RecordError) else list(found) for found in results if found is not None
        ]

    def _detect_guarded(self, texts: list[str]) -> list[list[Span] | RecordError]:
        """:meth:`_detect` of the batch under the time limit; if the batch fails, each text
        again alone, so that only the texts that fail by themselves are failures."""
        if all(len(text) <= limits.MAX_RECORD_CHARS for text in texts):
            try:
                return list(self._detect_limited(texts))
            except (Exception, deadline.Expired) as error:
                if len(texts) == 1:
                    return [_failure(error)]
        results: list[list[Span] | RecordError] = []
        for text in texts:
            if len(text) > limits.MAX_RECORD_CHARS:
                results.append(RecordError(limits.too_long("the record", chars=len(text))))
                continue
            try:
                results.append(self._detect_limited([text])[0])
            except (Exception, deadline.Expired) as error:
                results.append(_failure(error))
        return results

    def _detect_limited(self, texts: list[str]) -> list[list[Span]]:
        seconds = None
        if self.record_timeout is not None:
            seconds = deadline.seconds_for(self.record_timeout, sum(map(len, texts)))
        with deadline.time_limit(seconds):
            return self._detect(texts)

    def _detect(self, texts: Sequence[str]) -> list[list[Span]]:
        # Detectors see NFC ("o" + U+0308 is one letter to them); spans map back to `texts`.
        copies = [nfc_copy(text) for text in texts]
        detected = [text if copy is None else copy.text for text, copy in zip(texts, copies, strict=True)]
        per_text: list[list[Span]] = [[] for _ in texts]
        for detector in self.detectors:
            if not detector.labels & self.config.entities:
                continue  # e.g. --entities TME needs no tagger pass
            deadline.check()  # where no timer can interrupt (a thread), the limit holds here
            try:
                found = detector.detect(detected)
            except Exception as error:  # fail closed: nothing is written without detection
                raise DetectionError(f"detector '{detector.name}' failed: {type(error).__name__}") from error
            if len(found) != len(texts):
                raise DetectionError(
                    f"detector '{detector.name}' returned {len(found)} results for {len(texts)} texts"
                )
            for index, spans in enumerate(found):
                per_text[index].extend(s for s in spans if s.label in self.config.entities)
        deadline.check()
        for text, spans in zip(detected, per_text, strict=True):
            if any(span.end > len(text) for span in spans):
                raise DetectionError("a detector returned offsets outside its text")
        per_text = [_moved(spans, copy, to_copy=False) for spans, copy in zip(per_text, copies, strict=True)]
        return [
            self.strategy(drop_covered_by_rules(text, drop_allowed(text, spans, self.config.allow)))
            for text, spans in zip(texts, per_text, strict=True)
        ]

    def redact(self, texts: Sequence[str]) -> list[Redaction]:
        return self.redact_many(texts, [Document() for _ in texts])

    def redact_many(
        self, texts: Sequence[str], documents: Sequence[Document], *, whole: Sequence[str | None] = ()
    ) -> list[Redaction]:
        """Redact ``texts``; ``documents[i]`` is the document text ``i`` belongs to.

        ``whole[i]``, when given and not ``None``, is a label: text ``i`` is then one
        entity of that label, replaced whole without detection (a column of names or
        identifiers), and its document learns it as any detected entity.
        A text whose detection fails raises :class:`RecordError` (its ``index`` says which),
        or, with ``on_error="mask"``, comes back as :data:`ERROR_MASK` with the reason in
        :attr:`Redaction.error`; it teaches its document nothing.
        """
        labels = list(whole) or [None] * len(texts)
        todo = [index for index, label in enumerate(labels) if label is None]
        found = iter(self._detect_each([texts[index] for index in todo]))
        detected = [
            next(found) if label is None else [whole_span(text, label)] if text else []
            for text, label in zip(texts, labels, strict=True)
        ]
        failed = {index: found for index, found in enumerate(detected) if isinstance(found, RecordError)}
        if failed and self.on_error == "stop":
            first = min(failed)
            raise RecordError(failed[first].reason, index=first)
        all_spans = [[] if isinstance(found, RecordError) else found for found in detected]
        if self.config.propagation:
            # Mentions are words of the NFC copy, so a name written in NFD propagates too.
            copies = [nfc_copy(text) for text in texts]
            views = [text if copy is None else copy.text for text, copy in zip(texts, copies, strict=True)]
            all_spans = [_moved(s, copy, to_copy=True) for s, copy in zip(all_spans, copies, strict=True)]
            # Learn from every text first, so a name found in a later paragraph
            # of the batch also covers an earlier one.
            for view, spans, document in zip(views, all_spans, documents, strict=True):
                for part, full_name in learn(view, spans, document.mentions):
                    document.numbering.alias("PER", part, full_name)
            all_spans = [
                spans
                if index in failed
                else _moved(self._with_mentions(view, spans, document.mentions), copy, to_copy=False)
                for index, (view, spans, document, copy) in enumerate(
                    zip(views, all_spans, documents, copies, strict=True)
                )
            ]
        redactions = []
        for index, (text, spans, document) in enumerate(zip(texts, all_spans, documents, strict=True)):
            if index in failed:
                redactions.append(masked(text, failed[index].reason))
                continue
            try:
                redactions.append(self._replacer.apply(text, spans, document.numbering))
            except Exception as error:  # an operator failed: the record cannot be written as it is
                failure = RecordError(f"replacing failed: {type(error).__name__}", index=index)
                if self.on_error == "stop":
                    raise failure from error
                redactions.append(masked(text, failure.reason))
        return redactions

    def _with_mentions(self, text: str, spans: list[Span], mentions: Mentions) -> list[Span]:
        """``spans`` plus the other mentions of known names, genitive ``s`` left outside."""
        found = drop_allowed(text, find_mentions(text, spans, mentions), self.config.allow)
        return trim_genitives(text, self.strategy([*spans, *found]), mentions)


def whole_span(text: str, label: str) -> Span:
    """All of ``text`` as one entity of ``label`` (``whole`` of :meth:`Anonymizer.redact_many`)."""
    return Span(0, len(text), label, 1.0, "column", rank=Rank.DENY)


def masked(text: str, reason: str) -> Redaction:
    """``text`` replaced whole by :data:`ERROR_MASK`: one replacement of label ``ERROR``."""
    replacements: tuple[Replacement, ...] = ()
    if text:
        span = Span(0, len(text), ERROR_LABEL, 0.0, "error", rank=Rank.DENY)
        replacements = (Replacement(span, ERROR_MASK),)
    mask = ERROR_MASK if text else ""
    return Redaction(original_length=len(text), text=mask, replacements=replacements, error=reason)


def _failure(error: BaseException) -> RecordError:
    """What failed, in words that hold no content (exception messages may quote the text)."""
    if isinstance(error, deadline.Expired):
        return RecordError(f"detection ran past its time limit ({error.seconds:g} s)")
    if isinstance(error, RecordError):
        return RecordError(error.reason)
    if isinstance(error, DetectionError):
        return RecordError(error.template)
    return RecordError(f"detection failed: {type(error).__name__}")


def _moved(spans: list[Span], copy: NfcCopy | None, *, to_copy: bool) -> list[Span]:
    """``spans`` of a text moved to its NFC ``copy``, or back (``to_copy=False``), whole characters."""
    if copy is None:
        return spans
    move = copy.to_copy if to_copy else copy.to_original
    return [
        replace(span, start=start, end=end) for span in spans for start, end in [move(span.start, span.end)]
    ]


def _cell(source: str, record: int, field: str | None) -> str:
    """Where a value is, for messages: file, record (row or paragraph, from 0) and column."""
    name = "<stdin>" if source == "-" else source
    column = f", column {field!r}" if field is not None else ""
    return f"{name}: record {record}{column}"


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
    whole_columns: Mapping[str, str] | None = None,
    on_rows: Callable[[int], None] | None = None,
    on_progress: Callable[[JobStats], None] | None = None,
) -> JobStats:
    """Stream every chunk of ``reader`` through ``anonymizer`` into ``writer``.

    ``one_document``: the whole input is one document (text files); otherwise
    each row is one. ``whole_columns``: field -> label of the fields replaced whole,
    without detection (they must be among the reader's fields). Null and empty cells
    pass through untouched. ``on_progress`` gets the running totals after each chunk.
    """
    whole_columns = whole_columns or {}
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
                    if len(value) > limits.MAX_RECORD_CHARS:
                        where = _cell(reader.source, chunk.first_row + offset, name)
                        raise InputError(limits.too_long(where, chars=len(value)))
                    cells.append((offset, name, value))
                    documents.append(
                        whole_file if one_document else rows_of_chunk.setdefault(offset, Document())
                    )
        try:
            redactions = anonymizer.redact_many(
                [cell[2] for cell in cells],
                documents,
                whole=[whole_columns.get(name) if name is not None else None for _, name, _ in cells],
            )
        except RecordError as error:
            if error.index is None:
                raise
            offset, name, _ = cells[error.index]
            raise DetectionError(
                f"{_cell(reader.source, chunk.first_row + offset, name)}: {error.reason}; nothing was "
                f"written. Pass {OPTION} mask to write such a value masked whole ({ERROR_MASK}) and go on",
                option="on_error",
            ) from error
        replaced: dict[str | None, list[str | None]] = {f: list(v) for f, v in chunk.fields.items()}
        for (offset, name, value), redaction in zip(cells, redactions, strict=True):
            replaced[name][offset] = redaction.text
            counts.update(item.span.label for item in redaction.replacements)
            if redaction.error is not None:
                if audit is not None:
                    audit.error(
                        source=reader.source,
                        record=chunk.first_row + offset,
                        field=name,
                        original=value,
                        reason=redaction.error,
                        replacement=redaction.text,
                    )
                continue
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
