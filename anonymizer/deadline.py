"""A time limit on detecting one record (or one batch of records).

In the main thread of a process (the CLI, each worker process of a job) the limit is
an interval timer: ``SIGALRM`` interrupts the detectors wherever they are, also inside
a regular expression (CPython's ``re`` checks for signals while it matches). Elsewhere
(a thread of a Dask worker) it is a deadline that :func:`check` tests between
detectors. Either way the block ends with :class:`Expired`, a ``BaseException`` so
that no ``except Exception`` inside a detector can swallow it; the caller turns it
into a record failure (:mod:`anonymizer.pipeline`).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

#: Characters per unit of the limit: a record of up to this many characters gets the
#: whole limit, a longer one proportionally more (detection is linear in the length).
CHARS_PER_UNIT = 1_000_000

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("anonymizer_deadline", default=None)
_limit: contextvars.ContextVar[float] = contextvars.ContextVar("anonymizer_limit", default=0.0)


class Expired(BaseException):
    """The time limit ran out; ``seconds`` is the limit that applied."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def seconds_for(limit: float, chars: int) -> float:
    """The limit for ``chars`` characters: ``limit`` per million characters, at least ``limit``."""
    return limit * max(1.0, chars / CHARS_PER_UNIT)


def check() -> None:
    """Raise :class:`Expired` if the current block's deadline has passed (cheap; call it
    between steps of long loops)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise Expired(_limit.get())


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`Expired` in the block once ``seconds`` have passed; ``None``: no limit.

    Nested blocks keep the outer timer and only tighten the deadline that :func:`check` sees.
    """
    if seconds is None or seconds <= 0 or math.isinf(seconds):
        yield
        return
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    deadline_token = _deadline.set(deadline if outer is None else min(outer, deadline))
    limit_token = _limit.set(seconds)
    use_timer = (
        outer is None
        and threading.current_thread() is threading.main_thread()
        and hasattr(signal, "setitimer")
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # nobody else's alarm is pending
    )
    previous = None
    try:
        if use_timer:

            def expire(signum: int, frame: FrameType | None) -> None:
                raise Expired(seconds)

            previous = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        # Nested, so that an alarm arriving just as the block ends (it is one-shot) still
        # leaves the handler and the deadline as they were.
        try:
            if use_timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            try:
                if use_timer:
                    signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            finally:
                _limit.reset(limit_token)
                _deadline.reset(deadline_token)
