"""What a worker does with one part: read it, redact it, write its output and audit records.

The same function runs in the coordinator (one worker), in the worker processes of
the local engine and on Dask workers. Each process loads its :class:`Anonymizer`
once (:func:`worker_anonymizer`). A part's files are written beside their final
names and renamed, the marker last, so a part is either done or absent.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.cache import DEFAULT_CACHE_SIZE
from anonymizer.config import Config
from anonymizer.errors import (
    AnonymizerError,
    ConfigError,
    DetectionError,
    InputError,
    OutputError,
    UsageError,
)
from anonymizer.io import atomic_output, atomic_text_output
from anonymizer.jobs.parts import InputChanged, Part, open_part
from anonymizer.jobs.plan import FileTask

if TYPE_CHECKING:
    from anonymizer.pipeline import Anonymizer

#: Permission bits of audit parts (they are audit data).
PRIVATE = 0o600


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs, picklable. Keys are always concrete here: a random one
    is drawn once by the coordinator, so every worker uses the same."""

    config: Config
    key: bytes
    columns: tuple[str, ...] = ()
    whole_columns: tuple[tuple[str, str], ...] = ()
    formula_guard: bool = False
    """CSV files: a ``'`` before each cell a spreadsheet could run as a formula."""
    """(column, label) of the columns replaced whole, without detection."""
    encoding: str = "utf-8"
    chunk_rows: int = 256
    model_path: Path | None = None
    batch_size: int | None = None
    audit_key: bytes | None = None
    """``None``: no audit records."""
    audit_include_text: bool = False
    cache_size: int = DEFAULT_CACHE_SIZE
    torch_threads: int | None = None
    on_error: str = "stop"
    """``"mask"``: a value whose detection fails is written masked whole (see ``Anonymizer``)."""
    record_timeout: float | None = None
    trust_models: tuple[str, ...] = ()
    """SHA-256 digests of ``model_path`` files to load besides the shipped ones."""

    @property
    def uses_key(self) -> bool:
        """Whether an operator of the selected labels is keyed (pseudonym, surrogate, hash)."""
        from anonymizer.operators.registry import needs_key

        return any(needs_key(self.config.operator_for(label)) for label in self.config.entities)

    def fingerprint(self, *, version: str) -> str:
        """What besides the config and the model decides a file's output and audit records."""
        fields = {
            "entities": sorted(self.config.entities),
            "columns": list(self.columns),
            **({"whole_columns": [list(pair) for pair in self.whole_columns]} if self.whole_columns else {}),
            **({"formula_guard": True} if self.formula_guard else {}),
            "encoding": self.encoding,
            "chunk_rows": self.chunk_rows,
            "key": _key_id(self.key) if self.uses_key else None,
            "audit_key": None if self.audit_key is None else _key_id(self.audit_key),
            "audit_include_text": self.audit_include_text,
            "on_error": self.on_error,
            "record_timeout": self.record_timeout,
            "version": version,
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _key_id(key: bytes) -> str:
    """Tells keys apart without revealing them."""
    return hmac.new(key, b"anonymizer resume manifest", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Failure:
    """Why a file failed: a code a scheduler can act on, and a message that holds no content."""

    code: str
    message: str
    option: str | None = None

    def render(self, flags: dict[str, str] | None = None) -> str:
        flag = (flags or {}).get(self.option or "")
        return self.message.replace(f"`{self.option}`", flag) if flag else self.message


#: Failure codes, as docs/jobs.md documents them.
CODES = {
    "input": "the file cannot be read, decoded or parsed",
    "usage": "the file does not fit the options (a missing or non-text column)",
    "detection": "a detector failed; nothing of the file was written",
    "output": "the output could not be written (disk full, permissions)",
    "changed": "the input changed while it was read",
    "worker-lost": "the worker process died (killed, out of memory)",
    "internal": "an unexpected error (a bug)",
}


def classify(error: BaseException) -> Failure:
    """Library errors keep their message (they never quote content); others only their type."""
    option = error.option if isinstance(error, AnonymizerError) else None
    if isinstance(error, InputChanged):
        code = "changed"
    elif isinstance(error, InputError):
        code = "input"
    elif isinstance(error, ConfigError | UsageError):
        code = "usage"
    elif isinstance(error, DetectionError):
        code = "detection"
    elif isinstance(error, OutputError):
        code = "output"
    elif isinstance(error, AnonymizerError):
        code = "internal"
    elif isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return Failure(
            "output" if error.filename else "internal", f"{error.strerror or type(error).__name__}{where}"
        )
    elif isinstance(error, MemoryError):
        return Failure("worker-lost", "out of memory")
    else:
        return Failure("internal", f"unexpected {type(error).__name__}; report this as a bug")
    return Failure(code, str(error), option)


@dataclass(frozen=True)
class PartJob:
    task: FileTask
    part: Part
    output: Path
    audit: Path | None
    marker: Path
    """Written last: the part is done once it exists (its content: :class:`PartResult`)."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.source, self.part.index)


@dataclass(frozen=True)
class PartResult:
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model_sha256: str | None = None

    @property
    def spans(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> str:
        return json.dumps(
            {
                "rows": self.rows,
                "counts": self.counts,
                "seconds": self.seconds,
                "model_sha256": self.model_sha256,
            }
        )

    @classmethod
    def read(cls, path: Path) -> PartResult | None:
        """The marker's result; ``None`` if absent or unreadable (the part is then redone)."""
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cls(int(data["rows"]), dict(data["counts"]), float(data["seconds"]), data["model_sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Outcome:
    job: PartJob
    result: PartResult | None = None
    failure: Failure | None = None


Progress = Callable[[int, int, int], None]
"""``(bytes, rows, spans)`` read and found since the last call."""


def load_anonymizer(settings: Settings) -> Anonymizer:
    import sys

    from anonymizer.pipeline import Anonymizer

    anonymizer = Anonymizer.load(
        config=settings.config,
        model_path=settings.model_path,
        batch_size=settings.batch_size,
        key=settings.key,
        cache_size=settings.cache_size,
        on_error=settings.on_error,
        record_timeout=settings.record_timeout,
        trust_models=settings.trust_models,
    )
    if settings.torch_threads is not None and "torch" in sys.modules:  # rules only: no torch
        sys.modules["torch"].set_num_threads(settings.torch_threads)
    return anonymizer


def run_part(
    anonymizer: Anonymizer, settings: Settings, job: PartJob, *, progress: Progress | None = None
) -> PartResult:
    """Redact ``job``'s part into its output and audit files, then write its marker."""
    from anonymizer.audit import AuditLog
    from anonymizer.pipeline import JobStats, run_job

    started = time.monotonic()
    opened = open_part(
        job.task,
        job.part,
        columns=(*(column for column, _ in settings.whole_columns), *settings.columns),
        encoding=settings.encoding,
        chunk_rows=settings.chunk_rows,
        formula_guard=settings.formula_guard,
    )
    sent = [0, 0, 0]

    def report(stats: JobStats) -> None:
        if progress is not None:
            now = [opened.position(stats.rows), stats.rows, stats.spans]
            progress(*(a - b for a, b in zip(now, sent, strict=True)))
            sent[:] = now

    with opened.reader as reader, ExitStack() as stack:
        audit = None
        if settings.audit_key is not None and job.audit is not None:
            audit = stack.enter_context(
                AuditLog(job.audit, key=settings.audit_key, include_text=settings.audit_include_text)
            )
        out = stack.enter_context(atomic_output(job.output, stdout=io.BytesIO()))
        writer = opened.writer(out)
        stats = run_job(
            anonymizer,
            reader,
            writer,
            audit=audit,
            one_document=job.task.fmt == "text",
            whole_columns=dict(settings.whole_columns),
            on_progress=report,
        )
        writer.close()
    result = PartResult(
        stats.rows, stats.counts, round(time.monotonic() - started, 3), anonymizer.model_sha256
    )
    with atomic_text_output(job.marker) as marker:
        marker.write(result.to_json())
    return result


def execute(
    anonymizer: Anonymizer, settings: Settings, job: PartJob, *, progress: Progress | None = None
) -> Outcome:
    """:func:`run_part`, with a failure of the part returned rather than raised."""
    try:
        return Outcome(job, result=run_part(anonymizer, settings, job, progress=progress))
    except Exception as error:
        return Outcome(job, failure=classify(error))


# --- one Anonymizer per process (Dask workers) --------------------------------------------

_loaded: dict[str, Anonymizer] = {}
_lock = threading.Lock()


def worker_anonymizer(settings: Settings) -> Anonymizer:
    """The process's Anonymizer for ``settings``, loaded on first use."""
    name = hashlib.sha256(
        f"{settings.config.digest}|{settings.fingerprint(version='')}|{settings.model_path}".encode()
    ).hexdigest()
    with _lock:
        if name not in _loaded:
            _loaded.clear()  # another job's settings: free that model
            _loaded[name] = load_anonymizer(settings)
        return _loaded[name]


def run_on_worker(settings: Settings, job: PartJob) -> Outcome:
    """The Dask task: one part, on a worker that keeps its model loaded between tasks.

    Threads of one Dask worker take turns (torch already uses the worker's cores).
    """
    try:
        anonymizer = worker_anonymizer(settings)
    except Exception as error:
        return Outcome(job, failure=classify(error))
    with _lock:
        return execute(anonymizer, settings, job)
