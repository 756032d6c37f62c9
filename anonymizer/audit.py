"""The entity audit log: JSON Lines, one record per replaced span, then a summary.

A reviewer can see where and what kind of thing was removed without seeing it:
the removed text appears only as a keyed HMAC digest, unless the caller asks for
the text explicitly. The file gets mode 0600 and is written like any output
(:func:`anonymizer.io.atomic.atomic_output`): beside its target, then renamed, so a
failed run leaves no partial log at the target path; a device or FIFO is written
directly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from anonymizer.io.atomic import GuardedOutput, atomic_text_output
from anonymizer.span import ERROR_LABEL, Replacement

#: The environment variable the CLI reads the audit key from.
AUDIT_KEY_ENV = "ANONYMIZE_AUDIT_KEY"
#: Permission bits of the log: it tells where personal data was.
AUDIT_FILE_MODE = 0o600


def span_digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def summary_record(counts: Mapping[str, int], *, key_was_random: bool, **fields: Any) -> dict[str, Any]:
    """The ``{"type": "summary"}`` line that closes the records of one input."""
    return {
        "type": "summary",
        "counts": dict(sorted(counts.items())),
        "spans": sum(counts.values()),
        "audit_key": "random (this run only)" if key_was_random else "given",
        **fields,
    }


class AuditLog:
    """Use as a context manager: the log exists at ``target`` only after a clean exit."""

    def __init__(self, target: Path, *, key: bytes | None, include_text: bool = False) -> None:
        self.target = target
        self.key_was_random = key is None
        self.key = key if key is not None else secrets.token_bytes(32)
        self.include_text = include_text
        self.counts: Counter[str] = Counter()
        self._stack: ExitStack | None = None
        self._handle: TextIO | None = None

    def __enter__(self) -> AuditLog:
        if self._stack is not None:
            raise RuntimeError("this AuditLog is open already")
        with ExitStack() as stack:
            self._handle = stack.enter_context(atomic_text_output(self.target, mode=AUDIT_FILE_MODE))
            self._stack = stack.pop_all()
        return self

    def write(self, *, source: str, record: int, field: str | None, original: str, item: Replacement) -> None:
        span = item.span
        entry: dict[str, Any] = {
            "source": source,
            "record": record,
            "field": field,
            "start": span.start,
            "end": span.end,
            "label": span.label,
            "detector": span.detector,
            "score": round(span.score, 4),
            **({"valid": span.valid} if span.valid is not None else {}),
            "replacement": item.replacement,
            **({"reversible": True} if item.reversible else {}),
            "digest": span_digest(self.key, original[span.start : span.end]),
        }
        if self.include_text:
            entry["text"] = original[span.start : span.end]
        self.counts[span.label] += 1
        self._emit(entry)

    def error(
        self, *, source: str, record: int, field: str | None, original: str, reason: str, replacement: str
    ) -> None:
        """A value masked whole because its detection failed: label ``ERROR``, ``reason``
        (which names no content) and never the text, even with ``include_text``."""
        entry: dict[str, Any] = {
            "source": source,
            "record": record,
            "field": field,
            "start": 0,
            "end": len(original),
            "label": ERROR_LABEL,
            "detector": "error",
            "score": 0.0,
            "reason": reason,
            "replacement": replacement,
            "digest": span_digest(self.key, original),
        }
        self.counts[ERROR_LABEL] += 1
        self._emit(entry)

    def summary(self, **fields: Any) -> None:
        self._emit(summary_record(self.counts, key_was_random=self.key_was_random, **fields))

    def flush(self) -> None:
        """Write out (and fsync) what is buffered: call it before committing other outputs,
        so that a full disk fails the run while nothing is committed yet."""
        if self._handle is None:
            raise RuntimeError("AuditLog flushed outside its with-block")
        self._handle.flush()
        buffer = self._handle.buffer
        if isinstance(buffer, GuardedOutput):
            buffer.sync()

    def _emit(self, entry: dict[str, Any]) -> None:
        if self._handle is None:
            raise RuntimeError("AuditLog written outside its with-block")
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack, self._handle = self._stack, None, None
        if stack is not None:
            stack.__exit__(exc_type, exc, tb)
