"""Which files a job reads, in which order, and where each one's redacted copy goes.

INPUT may be files, folders (walked recursively, hidden entries left out) and glob
patterns (``**`` reaches into subfolders). Whatever is found is planned, also a FIFO or a
dangling symbolic link: the runner fails such a file alone, without opening it. The
output folder mirrors each input relative to its root: a folder's own contents, a glob's
fixed leading folders, a file's parent. Files are taken in the order the inputs are
given; inside a folder or a glob, sorted by path, so a job's order never depends on the
file system.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from anonymizer.errors import OPTION, UsageError
from anonymizer.io import detect_format

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class FileTask:
    """One input file of a job."""

    source: str
    """The path as the job names it (audit log, report, manifest): the input as given,
    joined with the file's path inside a folder."""
    path: Path
    """Absolute path of the input."""
    fmt: str
    relative: str
    """Where the output goes inside the output folder (POSIX separators)."""
    output: Path | None
    """The output file; ``None``: stdout."""


@dataclass
class Plan:
    tasks: list[FileTask] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Files in folders or globs whose extension names no format (and no format was given)."""


@dataclass(frozen=True)
class _Found:
    source: str
    relative: PurePosixPath
    explicit: bool


def is_pattern(text: str) -> bool:
    return any(char in _GLOB_CHARS for char in text)


def matches(relative: str, pattern: str) -> bool:
    """A pattern with a ``/`` is matched against the path inside the input, else against the
    file name; ``*`` also matches ``/``, and ``**/`` also matches no folder at all."""
    path = PurePosixPath(relative)
    target = path.as_posix() if "/" in pattern else path.name
    if fnmatch.fnmatchcase(target, pattern):
        return True
    return "**/" in pattern and matches(relative, pattern.replace("**/", "", 1))


def _walk(folder: Path) -> list[PurePosixPath]:
    found: list[PurePosixPath] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = PurePosixPath(Path(root).relative_to(folder).as_posix())
        found.extend(base / name for name in sorted(files) if not name.startswith("."))
    return sorted(found, key=lambda p: p.parts)


def _pattern_root(pattern: str) -> str:
    """The leading folders of ``pattern`` that hold no glob characters."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if is_pattern(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def _expand(text: str) -> list[_Found]:
    path = Path(text)
    if path.is_dir():
        return [_Found(str(path / rel), rel, explicit=False) for rel in _walk(path)]
    if path.is_file() or path.exists() or path.is_symlink():  # a dangling link fails alone
        return [_Found(text, PurePosixPath(path.name), explicit=True)]
    if not is_pattern(text):
        raise UsageError(f"{text}: no such file or folder")
    root = Path(_pattern_root(text))
    hits = sorted(glob.glob(text, recursive=True))
    found = [
        _Found(hit, PurePosixPath(Path(hit).relative_to(root).as_posix()), explicit=False)
        for hit in hits
        if not Path(hit).is_dir()  # FIFOs and dangling links too: they fail alone, with a message
    ]
    if not found:
        raise UsageError(f"{text}: the pattern matches no file")
    return found


def not_a_file(mode: int) -> str:
    """Why a job does not read a path of this ``st_mode``: it is no regular file."""
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
    kind = next((name for test, name in kinds if test(mode)), "a device")
    return f"not a regular file but {kind}; only regular files are read (pipe a stream to stdin instead)"


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and path.is_relative_to(folder)


def plan_files(
    inputs: Sequence[str],
    *,
    output_dir: Path | None = None,
    output_file: Path | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    fmt: str | None = None,
) -> Plan:
    """The files of ``inputs`` and their outputs: mirrored under ``output_dir``, or the one
    file ``output_file`` (``None`` for both: stdout, for a single input file).

    ``include``/``exclude`` are :func:`matches` patterns; a file is taken if it matches an
    include pattern (or none are given) and no exclude pattern. Files inside the output
    folder are never inputs.
    """
    if not inputs:
        raise UsageError("no input given")
    out_root = output_dir.resolve() if output_dir is not None else None
    plan = Plan()
    seen: dict[Path, str] = {}
    targets: dict[str, str] = {}
    for text in inputs:
        if out_root is not None and Path(text).is_dir() and _inside(Path(text).resolve(), out_root):
            raise UsageError(f"{text}: the input folder is (inside) the output folder; choose another output")
        for found in _expand(text):
            relative = found.relative.as_posix()
            if include and not any(matches(relative, p) for p in include):
                continue
            if any(matches(relative, p) for p in exclude):
                continue
            absolute = Path(found.source).resolve()
            if absolute in seen or (not found.explicit and _inside(absolute, out_root)):
                continue
            try:
                file_fmt = fmt or detect_format(found.source)
            except UsageError:
                if found.explicit:
                    raise
                plan.ignored.append(found.source)
                continue
            seen[absolute] = found.source
            if relative in targets:
                raise UsageError(
                    f"{found.source} and {targets[relative]} would both be written to "
                    f"{relative} in the output folder; give them in separate runs or use {OPTION}",
                    option="exclude",
                )
            targets[relative] = found.source
            output = out_root / relative if out_root is not None else output_file
            plan.tasks.append(FileTask(found.source, absolute, file_fmt, relative, output))
    if not plan.tasks:
        more = f" ({len(plan.ignored)} of unknown format)" if plan.ignored else ""
        raise UsageError(f"no input files to redact{more}; check the inputs and the include/exclude patterns")
    if out_root is None and len(plan.tasks) > 1:
        raise UsageError(
            f"{len(plan.tasks)} input files need an output folder: pass {OPTION} DIR", option="output"
        )
    for task in plan.tasks:
        if task.output is not None and _same_file(task.path, task.output):
            raise UsageError(f"{task.source}: its output would overwrite the input; choose another output")
    return plan


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and a.samefile(b)
    except OSError:
        return a == b.resolve()
