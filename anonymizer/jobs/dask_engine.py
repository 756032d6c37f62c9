"""The Dask engine: the same parts, redacted on ``dask.distributed`` workers.

Each part is one task (:func:`anonymizer.jobs.worker.run_on_worker`); a worker process
loads the model on its first task and keeps it. The coordinator puts the results
together exactly as the local engine does, so outputs and audit records are the same.
Workers read the inputs and write the parts by path: on a real cluster the input and
output folders must be mounted at the same paths on every worker.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from anonymizer.errors import AnonymizerError, UsageError
from anonymizer.jobs.worker import Failure, Outcome, PartJob, Progress, Settings, run_on_worker

#: Seconds to wait for the scheduler (and, for a local cluster, its workers).
CONNECT_TIMEOUT = 60
#: Dask settings for the local cluster's workers (a real cluster's come from its own
#: config): no statistical profiler (it samples every thread each 10 ms), and none of the
#: environment Dask's nanny sets by default: with ``MALLOC_TRIM_THRESHOLD_=65536`` and
#: ``OMP_NUM_THREADS=1`` the tagger needs 1.5 to 1.9 times the CPU (measured here); torch's
#: threads are set by the engine (``cores // workers``), as for the local engine.
LOCAL_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ": {},
}


def require_distributed() -> None:
    """Raise a :class:`UsageError` that says how to install ``dask.distributed`` if it is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("the dask engine needs dask.distributed: pip install 'anonymizer[dask]'") from None


class DaskEngine:
    """``scheduler``: the address of a running scheduler (``tcp://host:8786``); ``None``
    starts a ``LocalCluster`` of ``workers`` processes with one thread each."""

    name = "dask"

    def __init__(self, settings: Settings, *, workers: int, scheduler: str | None = None) -> None:
        require_distributed()  # before the run starts, not when its first part is due
        self.settings = settings
        self.workers = workers
        self.scheduler = scheduler
        self.model_sha256: str | None = None

    def _connect(self, stack: contextlib.ExitStack) -> Any:
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            stack.enter_context(dask.config.set(LOCAL_WORKERS))
        try:
            if self.scheduler is not None:
                client = stack.enter_context(Client(self.scheduler, timeout=CONNECT_TIMEOUT))
            else:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                )
                client = stack.enter_context(Client(cluster, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as error:
            where = self.scheduler or "a local cluster"
            raise AnonymizerError(f"cannot connect to the Dask scheduler at {where}: {error}") from None
        if self.scheduler is not None:
            self.workers = max(
                1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
            )
        return client

    def run(self, jobs: Iterator[PartJob], progress: Callable[[PartJob], Progress]) -> Iterator[Outcome]:
        from distributed import as_completed

        with contextlib.ExitStack() as stack:
            client = self._connect(stack)
            settings = client.scatter(self.settings, broadcast=True)
            window = 2 * self.workers
            token = uuid.uuid4().hex[:8]
            running: dict[Any, PartJob] = {}
            completed = as_completed()

            def submit() -> bool:
                job = next(jobs, None)
                if job is None:
                    return False
                key = f"anonymize-{token}-{job.marker.parent.name}-{job.part.index}"
                future = client.submit(run_on_worker, settings, job, key=key, pure=False)
                running[future] = job
                completed.add(future)
                return True

            more = True
            while more and len(running) < window:
                more = submit()
            try:
                for future in completed:
                    job = running.pop(future)
                    try:
                        outcome: Outcome = future.result()
                    except Exception as error:  # the task itself failed: its worker died
                        outcome = Outcome(job, failure=_lost(error))
                    if outcome.result is not None:
                        self._check_model(outcome.result.model_sha256)
                    yield outcome
                    while more and len(running) < window:
                        more = submit()
            finally:
                for future in running:
                    future.cancel()

    def _check_model(self, sha256: str | None) -> None:
        if self.model_sha256 is None:
            self.model_sha256 = sha256
        elif sha256 != self.model_sha256:
            raise AnonymizerError("the Dask workers loaded different models; install the same package on all")


def _lost(error: Exception) -> Failure:
    name = type(error).__name__
    if name == "KilledWorker":
        return Failure("worker-lost", "the Dask workers running the part died (out of memory?)")
    return Failure("internal", f"the Dask task failed: {name}")
