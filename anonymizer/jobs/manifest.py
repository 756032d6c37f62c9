"""The resume manifest: what each input was, and what became of it.

JSON Lines in the output folder (``.anonymizer/manifest.jsonl``), one entry per
finished file, appended and fsynced when the file's output is in place; the last
entry for a path wins. A run killed mid-write leaves at most a cut last line,
which is not JSON and is ignored. At the end of a run the file is rewritten with
one entry per path (atomically).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from anonymizer.io import atomic_text_output

FORMAT = "anonymizer-manifest/1"


@dataclass(frozen=True)
class Entry:
    path: str
    """Absolute input path (the key)."""
    source: str
    size: int
    mtime_ns: int
    sha256: str
    status: str
    """``done`` or ``failed``."""
    model_sha256: str | None
    config_sha256: str
    options_sha256: str
    output: str | None
    output_size: int | None = None
    output_mtime_ns: int | None = None
    rows: int = 0
    counts: dict[str, int] | None = None
    error: str | None = None
    """The failure code of a failed file."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        names = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in names})


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        self._torn = False  # the last line has no newline (a kill cut it)
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        self._torn = bool(text) and not text.endswith("\n")
        for line in text.splitlines():
            try:
                data = json.loads(line)
                if data.get("format") == FORMAT:
                    continue
                entry = Entry.from_json(data)
            except (ValueError, TypeError, AttributeError):
                continue  # a line cut by a kill, or not ours: the file is redone
            self.entries[entry.path] = entry

    def get(self, path: Path) -> Entry | None:
        return self.entries.get(str(path))

    def record(self, entry: Entry) -> None:
        """Append ``entry`` and fsync: once this returns, a restart sees it."""
        self.entries[entry.path] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self.path.open("a", encoding="utf-8") as handle:
            if new:
                handle.write(json.dumps({"format": FORMAT}) + "\n")
            if self._torn:
                handle.write("\n")
                self._torn = False
            handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def compact(self) -> None:
        """Rewrite with the last entry of each path."""
        with atomic_text_output(self.path) as handle:
            handle.write(json.dumps({"format": FORMAT}) + "\n")
            for entry in self.entries.values():
                handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")


def output_stat(path: Path | None) -> tuple[int | None, int | None]:
    if path is None:
        return None, None
    with contextlib.suppress(OSError):
        stat = path.stat()
        return stat.st_size, stat.st_mtime_ns
    return None, None
