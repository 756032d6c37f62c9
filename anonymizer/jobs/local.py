"""The local engine: parts redacted in this process (one worker) or in worker processes.

Worker processes are started with ``spawn`` (torch and ``fork`` do not mix), load the
model once, and take one part at a time over a pipe, so the coordinator always knows
which part a worker holds: a worker that dies (killed, out of memory) fails that
part's file alone, and a new worker takes its place. SIGTERM or SIGHUP stop a worker
as they stop the command: its temporary files are removed. A worker also stops when
the coordinator dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from anonymizer.errors import AnonymizerError, UsageError
from anonymizer.jobs.worker import (
    Failure,
    Outcome,
    PartJob,
    Progress,
    Settings,
    classify,
    execute,
    load_anonymizer,
)

#: Seconds a stopping worker gets to clean up before it is killed.
STOP_GRACE = 10.0


def usable_cores() -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup CPU quota (containers)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    return max(cores, 1)


class InProcessEngine:
    """One worker: this process."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = 1
        self.model_sha256: str | None = None

    def run(self, jobs: Iterator[PartJob], progress: Callable[[PartJob], Progress]) -> Iterator[Outcome]:
        anonymizer = load_anonymizer(self.settings)
        self.model_sha256 = anonymizer.model_sha256
        for job in jobs:
            yield execute(anonymizer, self.settings, job, progress=progress(job))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: PartJob | None = None


class ProcessEngine:
    """``workers`` processes, each with ``settings.torch_threads`` torch threads."""

    name = "local"

    def __init__(self, settings: Settings, *, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.model_sha256: str | None = None
        self._context = multiprocessing.get_context("spawn")

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(child, self.settings), name="anonymize-worker", daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, jobs: Iterator[PartJob], progress: Callable[[PartJob], Progress]) -> Iterator[Outcome]:
        workers = [self._start() for _ in range(self.workers)]
        more = True
        reporters: dict[int, Progress] = {}
        try:
            while True:
                for worker in workers:
                    if more and worker.ready and worker.job is None:
                        job = next(jobs, None)
                        if job is None:
                            more = False
                            break
                        worker.job = job
                        reporters[id(worker)] = progress(job)
                        worker.conn.send(job)
                if not more and all(w.job is None for w in workers):
                    return
                ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers])
                for worker in list(workers):
                    if worker.conn in ready or worker.process.sentinel in ready:
                        outcome = self._receive(worker, reporters.get(id(worker)))
                        if outcome is not None:
                            yield outcome
                        if not worker.process.is_alive() and not worker.conn.poll():
                            workers[workers.index(worker)] = self._replace(worker)
        finally:
            _stop(workers)

    def _receive(self, worker: _Worker, report: Progress | None) -> Outcome | None:
        """Handle what ``worker`` sent; an outcome when its part is over."""
        while True:
            try:
                if not worker.conn.poll():
                    break
                message: tuple[Any, ...] = worker.conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "ready":
                worker.ready = True
                self._check_model(message[1])
            elif kind == "init-failed":
                failure, usage = message[1], message[2]
                raise (UsageError if usage else AnonymizerError)(failure.message, option=failure.option)
            elif kind == "progress" and report is not None:
                report(*message[1:])
            elif kind == "outcome":
                job, worker.job = worker.job, None
                outcome: Outcome = message[1]
                assert job is not None and outcome.job.key == job.key
                return outcome
        if not worker.process.is_alive() and worker.job is not None:
            job, worker.job = worker.job, None
            code = worker.process.exitcode
            how = (
                f"killed by {signal.Signals(-code).name}"
                if code is not None and code < 0
                else f"exit code {code}"
            )
            return Outcome(
                job, failure=Failure("worker-lost", f"the worker process died ({how}); out of memory?")
            )
        if not worker.process.is_alive() and not worker.ready:
            raise AnonymizerError(f"a worker process failed to start (exit code {worker.process.exitcode})")
        return None

    def _check_model(self, sha256: str | None) -> None:
        if self.model_sha256 is None:
            self.model_sha256 = sha256
        elif sha256 != self.model_sha256:
            raise AnonymizerError("the worker processes loaded different models")

    def _replace(self, worker: _Worker) -> _Worker:
        with contextlib.suppress(OSError):
            worker.conn.close()
        worker.process.join(0)
        return self._start()


def _stop(workers: list[_Worker]) -> None:
    """Ask the workers to end; SIGTERM those still busy (they remove their temporary files)."""
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            if worker.job is None:
                worker.conn.send(None)
            else:
                worker.process.terminate()
    for worker in workers:
        worker.process.join(STOP_GRACE)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        with contextlib.suppress(OSError):
            worker.conn.close()


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the coordinator dies (also by SIGKILL)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def worker_main(conn: Connection, settings: Settings) -> None:
    """A worker process: load once, then redact parts until told to stop."""
    from anonymizer.io.atomic import raise_on_signals, remove_temporary_files

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the coordinator, which stops us
    try:
        with raise_on_signals():
            try:
                anonymizer = load_anonymizer(settings)
            except Exception as error:
                conn.send(("init-failed", classify(error), isinstance(error, UsageError)))
                return
            conn.send(("ready", anonymizer.model_sha256))
            while True:
                try:
                    job = conn.recv()
                except (EOFError, OSError):
                    return
                if job is None:
                    return

                def report(size: int, rows: int, spans: int) -> None:
                    conn.send(("progress", size, rows, spans))

                conn.send(("outcome", execute(anonymizer, settings, job, progress=report)))
    except BaseException:
        remove_temporary_files()
        os._exit(1)  # quietly: the coordinator reports what happened
