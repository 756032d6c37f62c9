"""The coordinator: plans parts, hands them to an engine, and puts each file together.

Per file: its parts are redacted (in any order, by any worker) into part files; once
all are in, the per-file audit log (entries of the parts in order, then the file's
summary line) and the output are written atomically, and, with a manifest, the file
is recorded as done. At the end the job's audit log is the per-file logs in input
order. Output and audit records therefore depend only on the inputs and settings,
never on the engine, the number of workers, or how often the job was stopped and
resumed.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO, Protocol

from anonymizer import __version__
from anonymizer.audit import summary_record
from anonymizer.errors import AnonymizerError, Interrupted, OutputClosedError
from anonymizer.io import atomic_output
from anonymizer.jobs.manifest import Entry, Manifest, output_stat
from anonymizer.jobs.parts import InputChanged, Part, assemble, iter_parts
from anonymizer.jobs.plan import FileTask, Plan, not_a_file
from anonymizer.jobs.report import FileReport, JobReport
from anonymizer.jobs.worker import (
    PRIVATE,
    Failure,
    Outcome,
    PartJob,
    PartResult,
    Progress,
    Settings,
    classify,
)
from anonymizer.jobs.workspace import Folders, remove_stale
from anonymizer.model.integrity import file_sha256

#: Largest and smallest default size of a part (the CLI picks about 16 parts per worker).
PART_BYTES = 4 << 20
MIN_PART_BYTES = 16 << 10


class Engine(Protocol):
    name: str
    workers: int

    def run(self, jobs: Iterator[PartJob], progress: Callable[[PartJob], Progress]) -> Iterator[Outcome]: ...


class Listener:
    """What a caller hears while the job runs (progress display); all optional."""

    def start(self, *, total_bytes: int, files: int) -> None:
        pass

    def advance(self, size: int, rows: int, spans: int) -> None:
        pass

    def file_done(self, item: FileReport) -> None:
        pass


def expected_model_sha256(settings: Settings) -> str | None:
    """The SHA-256 of the model the workers will load (``None``: rules only, no tagger)."""
    from anonymizer.model.shipped import tagger_path

    config = settings.config
    if not config.entities & config.model_labels:
        return None
    path = settings.model_path
    if path is None:
        path = tagger_path(config.model_path)
    return file_sha256(path.resolve())


@dataclass
class _File:
    task: FileTask
    report: FileReport
    size: int = 0
    mtime_ns: int = 0
    sha256: str = ""
    parts: list[Part] = field(default_factory=list)
    jobs: dict[int, PartJob] = field(default_factory=dict)
    results: dict[int, PartResult] = field(default_factory=dict)
    advanced: list[int] = field(default_factory=lambda: [0, 0, 0])
    planned: bool = False
    """All parts are known (a big file's are found while the first ones run)."""

    @property
    def open(self) -> bool:
        return self.report.status in ("pending", "running")


def _file_id(path: Path, sha256: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{path}\0{sha256}\0{fingerprint}".encode()).hexdigest()[:24]


class JobRunner:
    """Runs a :class:`Plan`; :attr:`report` holds the state, also after an exception."""

    def __init__(
        self,
        plan: Plan,
        settings: Settings,
        engine: Engine,
        *,
        work: Folders,
        audit_target: Path | None = None,
        audit_key_was_random: bool = False,
        resume: bool = False,
        fail_fast: bool = False,
        part_bytes: int = PART_BYTES,
        stdout: BinaryIO | None = None,
        listener: Listener | None = None,
    ) -> None:
        if (audit_target is None) != (work.audit is None) or (audit_target is None) != (
            settings.audit_key is None
        ):
            raise ValueError(
                "an audit target needs an audit folder and an audit key, and the other way round"
            )
        self.settings = settings
        self.engine = engine
        self.work = work
        self.audit_target = audit_target
        self.audit_key_was_random = audit_key_was_random
        self.manifest = Manifest(work.work / "manifest.jsonl") if resume else None
        self.fail_fast = fail_fast
        self.part_bytes = part_bytes
        self.stdout = stdout
        self.listener = listener or Listener()
        self.model_sha256 = expected_model_sha256(settings)
        self.fingerprint = hashlib.sha256(
            f"{settings.config.digest}|{self.model_sha256}|{settings.fingerprint(version=__version__)}".encode()
        ).hexdigest()
        self.files = [
            _File(task, FileReport(task.source, _shown(task.output), task.fmt, status="pending"))
            for task in plan.tasks
        ]
        self.report = JobReport(
            [f.report for f in self.files],
            engine=engine.name,
            workers=engine.workers,
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            model_sha256=self.model_sha256,
            config_sha256=settings.config.digest,
            version=__version__,
            ignored=list(plan.ignored),
        )
        self._stopping = False
        self._by_source = {f.task.source: f for f in self.files}

    # --- the run --------------------------------------------------------------------------

    def run(self) -> JobReport:
        started = time.monotonic()
        if self.manifest is not None:
            self._clean_after_kill()
        total = 0
        for item in self.files:
            self._prepare(item)
            total += item.size if item.open else 0
        self.listener.start(total_bytes=total, files=sum(f.open for f in self.files))
        outcomes = self.engine.run(self._jobs(), self._progress)
        try:
            for outcome in outcomes:
                self._on_outcome(outcome)
                if self._stopping:
                    break
            self.report.workers = self.engine.workers
            if self.audit_target is not None:
                self._write_audit()
            if self.manifest is not None:
                self.manifest.compact()
        except BaseException as error:
            self.report.status = (
                "interrupted" if isinstance(error, Interrupted | KeyboardInterrupt) else "failed"
            )
            raise
        finally:
            outcomes.close()  # type: ignore[attr-defined]
            for item in self.files:
                if item.open:
                    item.report.status = "not-started"
            self.report.seconds = time.monotonic() - started
        if self.report.failed:
            self.report.status = "failed"
        return self.report

    def _clean_after_kill(self) -> None:
        remove_stale(self.work.work)
        if self.work.audit is not None:
            remove_stale(self.work.audit)
        for item in self.files:
            if item.task.output is not None:
                for stale in item.task.output.parent.glob(f".{item.task.output.name}.*.tmp"):
                    stale.unlink(missing_ok=True)

    def _prepare(self, item: _File) -> None:
        """Stat the input, and skip it if the manifest has it done with the same everything."""
        try:
            stat = item.task.path.stat()
        except OSError as error:
            dangling = Path(item.task.source).is_symlink()
            why = "a symbolic link to a file that does not exist" if dangling else error.strerror
            self._fail(item, Failure("input", f"{item.task.source}: cannot read: {why}"))
            return
        if not S_ISREG(stat.st_mode):  # a FIFO, socket or device: never opened (it may never end)
            self._fail(item, Failure("input", f"{item.task.source}: {not_a_file(stat.st_mode)}"))
            return
        item.size, item.mtime_ns = stat.st_size, stat.st_mtime_ns
        item.report.size = item.size
        entry = self.manifest.get(item.task.path) if self.manifest is not None else None
        if entry is None or entry.status != "done":
            return
        same = (
            (entry.size, entry.mtime_ns) == (item.size, item.mtime_ns)
            and (entry.model_sha256, entry.config_sha256) == (self.model_sha256, self.settings.config.digest)
            and entry.options_sha256 == self.fingerprint
            and entry.output == _shown(item.task.output)
            and item.task.output is not None
            and output_stat(item.task.output) == (entry.output_size, entry.output_mtime_ns)
        )
        if not same:
            return
        file_id = _file_id(item.task.path, entry.sha256, self.fingerprint)
        if self.work.audit is not None and not (self.work.audit / f"{file_id}.jsonl").is_file():
            return
        if file_sha256(item.task.path) != entry.sha256:
            return
        item.sha256 = entry.sha256
        item.report.status = "skipped"
        item.report.rows = entry.rows
        item.report.counts = dict(entry.counts or {})

    def _jobs(self) -> Iterator[PartJob]:
        """Parts in input order, planned as the workers ask for more (a big file's parts are
        found while the workers redact its first ones)."""
        for item in self.files:
            if item.report.status != "pending" or self._stopping:
                continue
            try:
                item.sha256 = file_sha256(item.task.path)
                folder = self._parts_folder(item)
                folder.mkdir(parents=True, exist_ok=True)
                item.report.status = "running"
                parts = iter_parts(
                    item.task,
                    size=item.size,
                    columns=self.settings.columns,
                    encoding=self.settings.encoding,
                    part_bytes=self.part_bytes,
                )
                for part in parts:
                    if not item.open or self._stopping:
                        break
                    item.parts.append(part)
                    name = f"{part.index:06d}"
                    job = PartJob(
                        item.task,
                        part,
                        output=folder / f"{name}.out",
                        audit=folder / f"{name}.audit" if self.work.audit is not None else None,
                        marker=folder / f"{name}.done",
                    )
                    item.jobs[part.index] = job
                    done = self._done_before(job)
                    if done is not None:
                        self._record(item, job, done)
                    else:
                        yield job
                else:
                    item.planned = True
            except Exception as error:
                if item.open:
                    self._fail(item, classify(error))
                continue
            item.report.parts = len(item.parts)
            self._complete(item)

    def _done_before(self, job: PartJob) -> PartResult | None:
        """With a manifest: the result of a part that a killed run finished."""
        if self.manifest is None:
            return None
        done = PartResult.read(job.marker)
        if done is None or not job.output.is_file() or (job.audit is not None and not job.audit.is_file()):
            return None
        return done

    def _parts_folder(self, item: _File) -> Path:
        file_id = _file_id(item.task.path, item.sha256, self.fingerprint)
        return self.work.work / "parts" / f"{file_id}-{self.part_bytes}"

    def _progress(self, job: PartJob) -> Progress:
        item = self._by_source[job.task.source]

        def advance(size: int, rows: int, spans: int) -> None:
            item.advanced[0] += size
            item.advanced[1] += rows
            item.advanced[2] += spans
            self.listener.advance(size, rows, spans)

        return advance

    def _on_outcome(self, outcome: Outcome) -> None:
        item = self._by_source[outcome.job.task.source]
        if not item.open:
            return  # the file failed already; a late part of it
        if outcome.failure is not None:
            self._fail(item, outcome.failure)
        elif outcome.result is not None:
            self._record(item, outcome.job, outcome.result)

    def _record(self, item: _File, job: PartJob, result: PartResult) -> None:
        if result.model_sha256 != self.model_sha256:
            raise AnonymizerError(
                f"a worker loaded another model (SHA-256 {result.model_sha256}) than expected "
                f"({self.model_sha256}); install the same package and model everywhere"
            )
        item.results[job.part.index] = result
        self._complete(item)

    def _complete(self, item: _File) -> None:
        """Finish ``item`` once all its parts are planned and redacted."""
        if not item.open or not item.planned or len(item.results) != len(item.parts):
            return
        item.report.parts = len(item.parts)
        size = sum(p.size for p in item.parts)
        rows = sum(r.rows for r in item.results.values())
        spans = sum(r.spans for r in item.results.values())
        self._progress(item.jobs[0])(
            size - item.advanced[0], rows - item.advanced[1], spans - item.advanced[2]
        )
        self._finish(item)

    def _finish(self, item: _File) -> None:
        """All parts are in: write the file's audit log and output, then record it."""
        results = [item.results[i] for i in range(len(item.parts))]
        counts: dict[str, int] = {}
        for result in results:
            for label, count in result.counts.items():
                counts[label] = counts.get(label, 0) + count
        rows = sum(r.rows for r in results)
        jobs = [item.jobs[i] for i in range(len(item.parts))]
        try:
            stat = item.task.path.stat()
            if (stat.st_size, stat.st_mtime_ns) != (item.size, item.mtime_ns):
                raise InputChanged(f"{item.task.source}: the file changed while it was read; run again")
            if self.work.audit is not None:
                self._write_file_audit(item, jobs, rows=rows, counts=counts)
            if item.task.output is not None:
                item.task.output.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(item.task.output, stdout=self.stdout or io.BytesIO()) as out:
                assemble(
                    item.task,
                    [j.output for j in jobs],
                    out,
                    columns=self.settings.columns,
                    chunk_rows=self.settings.chunk_rows,
                )
        except OutputClosedError:
            raise
        except Exception as error:
            self._fail(item, classify(error))
            return
        item.report.status = "done"
        item.report.rows = rows
        item.report.counts = dict(sorted(counts.items()))
        item.report.seconds = sum(r.seconds for r in results)
        self._manifest(item, "done")
        shutil.rmtree(self._parts_folder(item), ignore_errors=True)
        self.listener.file_done(item.report)

    def _write_file_audit(
        self, item: _File, jobs: list[PartJob], *, rows: int, counts: dict[str, int]
    ) -> None:
        assert self.work.audit is not None
        target = self.work.audit / f"{_file_id(item.task.path, item.sha256, self.fingerprint)}.jsonl"
        summary = summary_record(
            counts,
            key_was_random=self.audit_key_was_random,
            source=item.task.source,
            rows=rows,
            model_sha256=self.model_sha256,
            config_sha256=self.settings.config.digest,
            entities=sorted(self.settings.config.entities),
            version=__version__,
        )
        with atomic_output(target, stdout=io.BytesIO(), mode=PRIVATE) as out:
            for job in jobs:
                assert job.audit is not None
                with job.audit.open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
            out.write((json.dumps(summary, ensure_ascii=False) + "\n").encode("utf-8"))

    def _write_audit(self) -> None:
        """The job's audit log: the per-file logs of the files with an output, in input order."""
        assert self.audit_target is not None and self.work.audit is not None
        from anonymizer.audit import AUDIT_FILE_MODE

        with atomic_output(self.audit_target, stdout=io.BytesIO(), mode=AUDIT_FILE_MODE) as out:
            for item in self.files:
                if item.report.status in ("done", "skipped"):
                    path = (
                        self.work.audit / f"{_file_id(item.task.path, item.sha256, self.fingerprint)}.jsonl"
                    )
                    with path.open("rb") as part:
                        shutil.copyfileobj(part, out, 1 << 20)

    def _fail(self, item: _File, failure: Failure) -> None:
        item.report.status = "failed"
        item.report.failure = failure
        item.report.parts = len(item.parts)
        if item.sha256:
            self._manifest(item, "failed")
            shutil.rmtree(self._parts_folder(item), ignore_errors=True)
        self.listener.file_done(item.report)
        if self.fail_fast:
            self._stopping = True

    def _manifest(self, item: _File, status: str) -> None:
        if self.manifest is None:
            return
        size, mtime = output_stat(item.task.output) if status == "done" else (None, None)
        self.manifest.record(
            Entry(
                path=str(item.task.path),
                source=item.task.source,
                size=item.size,
                mtime_ns=item.mtime_ns,
                sha256=item.sha256,
                status=status,
                model_sha256=self.model_sha256,
                config_sha256=self.settings.config.digest,
                options_sha256=self.fingerprint,
                output=_shown(item.task.output),
                output_size=size,
                output_mtime_ns=mtime,
                rows=item.report.rows,
                counts=item.report.counts,
                error=item.report.failure.code if item.report.failure else None,
            )
        )


def _shown(path: Path | None) -> str | None:
    return None if path is None else str(path)
