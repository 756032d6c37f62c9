"""The entity audit log: JSON Lines, one record per replaced span, then a summary.

A reviewer can see where and what kind of thing was removed without seeing it:
the removed text appears only as a keyed HMAC digest, unless the caller asks for
the text explicitly. The file is created with mode 0600 and written beside its
target, then renamed, so a failed run leaves no partial log at the target path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from anonymizer.span import Replacement

AUDIT_KEY_ENV = "ANONYMIZE_AUDIT_KEY"


def span_digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


class AuditLog:
    def __init__(self, target: Path, *, key: bytes | None, include_text: bool = False) -> None:
        self.target = target
        self.key_was_random = key is None
        self.key = key if key is not None else secrets.token_bytes(32)
        self.include_text = include_text
        self.counts: Counter[str] = Counter()
        self._temp_path: Path | None = None
        self._handle: TextIO | None = None

    def __enter__(self) -> AuditLog:
        directory = self.target.parent if str(self.target.parent) else Path(".")
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=directory)
        os.fchmod(fd, 0o600)
        self._temp_path = Path(name)
        self._handle = os.fdopen(fd, "w", encoding="utf-8")
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
            "digest": span_digest(self.key, original[span.start : span.end]),
        }
        if self.include_text:
            entry["text"] = original[span.start : span.end]
        self.counts[span.label] += 1
        self._emit(entry)

    def summary(self, **fields: Any) -> None:
        self._emit(
            {
                "type": "summary",
                "counts": dict(sorted(self.counts.items())),
                "spans": sum(self.counts.values()),
                "audit_key": "random (this run only)" if self.key_was_random else "given",
                **fields,
            }
        )

    def _emit(self, entry: dict[str, Any]) -> None:
        assert self._handle is not None, "AuditLog used outside its with-block"
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._handle is not None and self._temp_path is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if exc_type is None:
            os.replace(self._temp_path, self.target)
        else:
            self._temp_path.unlink(missing_ok=True)
