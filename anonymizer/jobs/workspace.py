"""Where a job writes besides its outputs, and the checks made before it writes anything.

:func:`folders` makes the job's work folders (parts, per-file audit logs) and holds a
lock on the output folder for the whole run, so that a second job into the same folder
is refused instead of removing the first one's temporary files and parts.
:func:`check_targets` refuses, before the run, paths that would overwrite each other
or an input.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from anonymizer.errors import OPTION, AnonymizerError, UsageError
from anonymizer.io.atomic import writes_in_place
from anonymizer.jobs.plan import Plan

WORK_FOLDER = ".anonymizer"
#: The lock file of an output folder, in its work folder (kept: removing it would race with
#: the next run).
LOCK_FILE = "lock"


@dataclass
class Folders:
    """Where a job keeps its parts (``work``) and its per-file audit logs (``audit``)."""

    work: Path
    audit: Path | None


@contextlib.contextmanager
def locked(folder: Path, name: str, *, what: str) -> Iterator[None]:
    """Hold an advisory lock (``fcntl.lockf``) on ``folder/name`` while the block runs.

    A POSIX lock belongs to this process: forked workers do not inherit it, and it goes
    when the process ends, even by SIGKILL, so a killed run never blocks the next one.
    """
    path = folder / name
    shown = folder.parent if folder.name == WORK_FOLDER else folder
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise UsageError(f"{path}: cannot make the lock file: {error.strerror}") from None
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(
                f"{shown}: another run is using this {what} now (it holds {path}); wait until "
                "it ends, or choose another one"
            ) from None
        yield
    finally:
        os.close(handle)  # releases the lock


@contextlib.contextmanager
def folders(
    *, output_dir: Path | None, output_file: Path | None, audit_target: Path | None, resume: bool
) -> Iterator[Folders]:
    """With ``resume``: ``.anonymizer/`` in the output folder, and ``.<audit name>.d/`` beside
    the audit log (audit data stays where the audit log is), both kept for the next run.
    Without: temporary folders in the same places, removed at the end. The output folder
    and the audit log's folder are locked (:func:`locked`) while the block runs."""
    if output_dir is not None:
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"{output_dir}: cannot make the output folder: {error.strerror}") from None
    audit_home = None
    if audit_target is not None and not writes_in_place(audit_target):
        audit_home = audit_target.absolute().parent
    with contextlib.ExitStack() as stack:
        if output_dir is not None:
            (output_dir / WORK_FOLDER).mkdir(exist_ok=True)
            stack.enter_context(locked(output_dir / WORK_FOLDER, LOCK_FILE, what="output folder"))
        if audit_home is not None and audit_target is not None:
            stack.enter_context(locked(audit_home, f".{audit_target.name}.lock", what="audit log's folder"))
        if resume:
            yield _kept(output_dir, audit_target, audit_home)
        else:
            yield stack.enter_context(_temporary(output_dir, output_file, audit_target, audit_home))


def _kept(output_dir: Path | None, audit_target: Path | None, audit_home: Path | None) -> Folders:
    if output_dir is None:
        raise AnonymizerError("resuming needs an output folder")
    work = output_dir / WORK_FOLDER
    work.mkdir(parents=True, exist_ok=True)
    audit = None
    if audit_target is not None:
        if audit_home is None:
            raise AnonymizerError(f"{audit_target}: resuming needs the audit log to be a regular file")
        audit = audit_home / f".{audit_target.name}.d"
        audit.mkdir(mode=0o700, exist_ok=True)
    return Folders(work, audit)


@contextlib.contextmanager
def _temporary(
    output_dir: Path | None, output_file: Path | None, audit_target: Path | None, audit_home: Path | None
) -> Iterator[Folders]:
    made: list[Path] = []
    try:
        home = (
            output_dir if output_dir is not None else (output_file.absolute().parent if output_file else None)
        )
        if home is not None and writes_in_place(output_file or home):
            home = None  # a device or FIFO: keep parts in the temporary folder
        made.append(Path(tempfile.mkdtemp(prefix=".anonymizer-", dir=home)))
        if audit_target is not None:
            made.append(Path(tempfile.mkdtemp(prefix=f".{audit_target.name}.", dir=audit_home)))
        yield Folders(made[0], made[1] if len(made) > 1 else None)
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def remove_stale(folder: Path) -> None:
    """Temporary files a killed run left (``.<name>.<random>.tmp``)."""
    for path in folder.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()


# --- paths that must not meet ----------------------------------------------------------------


def _identity(path: Path) -> object:
    """The file ``path`` names: its device and inode if it exists (symbolic and hard links
    meet there), else its resolved path."""
    try:
        stat = os.stat(path)
    except OSError:
        return path.resolve()
    return (stat.st_dev, stat.st_ino)


def check_targets(
    plan: Plan,
    *,
    output_dir: Path | None = None,
    audit: Path | None = None,
    report: Path | None = None,
) -> None:
    """Refuse, before anything is written, an audit log or run report that would overwrite an
    input, an output or each other, or lie in the output folder's work folder; an audit log
    inside the output folder (it can hold removed text; the folder is for redacted copies);
    and one whose folder does not exist (unless the output folder is made in it). Devices
    and FIFOs (``/dev/null``) are written in place, never replaced, and may be shared."""
    owners: dict[object, str] = {}
    for task in plan.tasks:
        owners[_identity(task.path)] = f"the input file {task.source}"
    for task in plan.tasks:
        if task.output is not None and not writes_in_place(task.output):
            owners.setdefault(_identity(task.output), f"the output of {task.source}")
    root = output_dir.resolve() if output_dir is not None else None
    for path, what, option in ((audit, "audit log", "audit_path"), (report, "run report", "report_path")):
        if path is None or writes_in_place(path):
            continue
        clash = owners.get(_identity(path))
        if clash is not None:
            raise UsageError(
                f"{path}: the {what} would overwrite {clash}; choose another {OPTION} path", option=option
            )
        if root is not None and path.resolve().is_relative_to(root):
            inside = path.resolve().relative_to(root).parts
            if what == "audit log" or inside[0].startswith(WORK_FOLDER):
                raise UsageError(
                    f"{path}: the {what} would be inside the output folder {output_dir}, which holds "
                    f"only redacted copies (and the job's work files); choose a {OPTION} path outside it",
                    option=option,
                )
        parent = path.absolute().parent
        made = output_dir is not None and output_dir.absolute().is_relative_to(parent)  # made with it
        if not parent.is_dir() and not made:
            raise UsageError(
                f"{path}: the folder for the {what} does not exist; make it, or choose another {OPTION} path",
                option=option,
            )
        owners[_identity(path)] = f"the {what}"
