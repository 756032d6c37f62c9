"""``anonymize`` over many files: folders, globs, workers, resume, Dask (see :mod:`anonymizer.jobs`).

The command takes this path when it is given several inputs, a folder or a glob, an
output folder, or one of the job options; one file to one file or stdout, with none
of them, streams as before.
"""

from __future__ import annotations

import contextlib
import math
import secrets
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from anonymizer.cli.common import EXIT_FAILURE, EXIT_SIGNAL_BASE, FLAGS, stderr
from anonymizer.errors import AnonymizerError, Interrupted, UsageError

#: Some files failed, the others were written (see the run report).
EXIT_FILES_FAILED = 3
#: Options that only the job path has; giving one chooses it.
JOB_OPTIONS = (
    "workers",
    "engine",
    "scheduler",
    "resume",
    "fail_fast",
    "include",
    "exclude",
    "report_path",
    "part_size",
)
FAILED_SHOWN = 10
#: The largest --part-size: 1 TiB (a file is one part well before that).
MAX_PART_BYTES = 1 << 40


def is_job(inputs: Sequence[str], output: str | None, job: dict[str, Any]) -> bool:
    from anonymizer.jobs.plan import is_pattern

    if len(inputs) > 1 or any(value not in (None, False, (), "local") for value in job.values()):
        return True
    if inputs and (Path(inputs[0]).is_dir() or (is_pattern(inputs[0]) and not Path(inputs[0]).exists())):
        return True
    return output is not None and output != "-" and _names_folder(output)


def _names_folder(output: str) -> bool:
    return output.endswith(("/", "\\")) or Path(output).is_dir()


def parse_size(text: str) -> int:
    """``4M``, ``512K``, ``1G`` or bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    shown = repr(text if len(text) <= 20 else text[:20] + "...")
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = float(number) * factor
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not number.strip().replace(".", "", 1).isascii():
        raise UsageError(f"{shown} is no size; write e.g. 4M, 512K or 1G")
    if value < 1 or value > MAX_PART_BYTES:
        raise UsageError(f"the part size must be from 1 byte to {MAX_PART_BYTES >> 30}G, not {shown}")
    return int(value)


def _report_path(report: Path | None, audit: Path | None) -> Path | None:
    from anonymizer.io.atomic import writes_in_place

    if report is not None:
        return report
    if audit is None or writes_in_place(audit):
        return None
    stem = audit.name.removesuffix(audit.suffix) if audit.suffix else audit.name
    return audit.with_name(f"{stem}.report.json")


def run_batch(
    *,
    inputs: Sequence[str],
    output: str | None,
    fmt: str | None,
    columns: tuple[str, ...],
    whole_columns: tuple[str, ...],
    entities: list[str] | None,
    config_path: Path | None,
    preset: str | None,
    batch_size: int | None,
    chunk_rows: int,
    encoding: str,
    audit_path: Path | None,
    audit_key: str | None,
    key_file: Path | None,
    audit_include_text: bool,
    model_path: Path | None,
    quiet: bool,
    csv_formula_guard: bool,
    cache_size: int,
    on_error: str,
    record_timeout: float,
    trust_models: tuple[str, ...],
    workers: int | None,
    engine: str,
    scheduler: str | None,
    resume: bool,
    fail_fast: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    report_path: Path | None,
    part_size: str | None,
) -> None:
    from anonymizer.cli.anonymize import KEY_ENV, _operator_key, _uses_keyed_operators
    from anonymizer.columns import check_whole_columns, parse_pairs
    from anonymizer.config import load_config
    from anonymizer.jobs import local
    from anonymizer.jobs.plan import plan_files
    from anonymizer.jobs.runner import MIN_PART_BYTES, PART_BYTES, JobRunner
    from anonymizer.jobs.worker import Settings
    from anonymizer.jobs.workspace import check_targets, folders
    from anonymizer.operators.encrypt import check_kept_key
    from anonymizer.operators.registry import check_operators

    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if audit_include_text and audit_path is None:
        raise UsageError("--audit-include-text needs --audit PATH")
    output_dir = output_file = None
    if output is not None and output != "-":
        if len(inputs) > 1 or _names_folder(output) or not Path(inputs[0]).is_file():
            output_dir = Path(output)
            if output_dir.exists() and not output_dir.is_dir():
                raise UsageError(f"{output}: not a folder; several inputs need -o DIR")
        else:
            output_file = Path(output)
    if resume and output_dir is None:
        raise UsageError("--resume needs an output folder (-o DIR): the manifest is kept there")
    plan = plan_files(
        inputs, output_dir=output_dir, output_file=output_file, include=include, exclude=exclude, fmt=fmt
    )
    whole = check_whole_columns(parse_pairs(whole_columns), columns=columns)
    tables = [task for task in plan.tasks if task.fmt != "text"]
    if tables and not columns and not whole:
        raise UsageError(
            f"{tables[0].source}: say which column to redact with --column (for {tables[0].fmt} input)"
        )
    report_target = _report_path(report_path, audit_path)
    check_targets(plan, output_dir=output_dir, audit=audit_path, report=report_target)

    config = load_config(config_path, preset=preset)
    check_operators(config)
    if entities is not None:
        config = config.with_entities(frozenset(entities))
    if model_path is not None and config.entities & config.model_labels:  # refused here, not per part
        from anonymizer.model.integrity import check_model_file

        check_model_file(model_path, trusted=trust_models)
    key = _operator_key(key_file)
    detected = config.entities if columns or len(tables) < len(plan.tasks) else frozenset()
    check_kept_key(config, [*detected, *whole.values()], key_was_random=key is None)
    keyed = _uses_keyed_operators(config)
    if resume and key is None and keyed:
        raise UsageError(
            f"--resume with pseudonyms, surrogates or hashes needs a key: --key-file or {KEY_ENV}"
        )
    if resume and audit_path is not None and not audit_key:
        raise UsageError(
            "--resume with --audit needs --audit-key (or ANONYMIZE_AUDIT_KEY): digests must match"
        )

    cores = local.usable_cores()
    count = workers or cores
    sizes = {task: _size(task.path) for task in plan.tasks}
    if part_size is not None:
        part_bytes = parse_size(part_size)
    else:  # about 16 parts per worker, so that one big file keeps every worker busy to the end
        part_bytes = min(max(sum(sizes.values()) // (16 * count), MIN_PART_BYTES), PART_BYTES)
    if scheduler is None:  # no more workers than parts
        count = min(
            count, sum(1 if t.fmt == "text" else max(1, math.ceil(n / part_bytes)) for t, n in sizes.items())
        )
    settings = Settings(
        config=config,
        key=key or secrets.token_bytes(32),
        columns=columns,
        whole_columns=tuple(whole.items()),
        encoding=encoding,
        chunk_rows=chunk_rows,
        model_path=model_path,
        batch_size=batch_size,
        audit_key=(audit_key.encode("utf-8") if audit_key else secrets.token_bytes(32))
        if audit_path
        else None,
        audit_include_text=audit_include_text,
        cache_size=cache_size,
        torch_threads=None if scheduler is not None else max(1, cores // count),
        on_error=on_error,
        record_timeout=record_timeout or None,
        trust_models=trust_models,
        formula_guard=csv_formula_guard,
    )
    job_engine: Any
    if engine == "dask":
        from anonymizer.jobs.dask_engine import DaskEngine

        job_engine = DaskEngine(settings, workers=count, scheduler=scheduler)
    elif count == 1:
        job_engine = local.InProcessEngine(settings)
    else:
        job_engine = local.ProcessEngine(settings, workers=count)

    show_progress = not quiet and sys.stderr.isatty()
    unwritten: str | None = None
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(
            folders(output_dir=output_dir, output_file=output_file, audit_target=audit_path, resume=resume)
        )
        listener = None
        if show_progress:
            from anonymizer.cli.progress import JobProgress

            listener = stack.enter_context(JobProgress())
        runner = JobRunner(
            plan,
            settings,
            job_engine,
            work=work,
            audit_target=audit_path,
            audit_key_was_random=audit_path is not None and not audit_key,
            resume=resume,
            fail_fast=fail_fast,
            part_bytes=part_bytes,
            stdout=sys.stdout.buffer if output is None or output == "-" else None,
            listener=listener,
        )
        try:
            report = runner.run()
        except (Interrupted, KeyboardInterrupt) as stop:
            stack.close()
            _stopped(runner, report_target, stop)
        finally:
            if report_target is not None and runner.report.status != "interrupted":
                unwritten = _write_report(runner, report_target)
    if not quiet:
        _summary(report, None if unwritten else report_target)
        if key is None and keyed:
            stderr.print(
                "anonymize: pseudonyms, surrogates and hashes use a random key for this run only; "
                f"set {KEY_ENV} or --key-file to keep them stable across runs"
            )
        if audit_path is not None and not audit_key:
            stderr.print(
                "anonymize: audit digests use a random key for this run only; set --audit-key or "
                "ANONYMIZE_AUDIT_KEY to compare digests across runs"
            )
    if unwritten:  # said even with --quiet: a scheduler reads the report
        stderr.print(f"[bold red]failed:[/] the run report could not be written: {unwritten}")
        sys.exit(EXIT_FILES_FAILED if report.failed else EXIT_FAILURE)
    if report.failed:
        sys.exit(EXIT_FILES_FAILED)


def _size(path: Path) -> int:
    """The file's size; 0 if it cannot be read (it fails alone when its turn comes)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _write_report(runner: Any, target: Path) -> str | None:
    """Write the run report; what went wrong, or ``None``."""
    from rich.markup import escape

    from anonymizer.jobs.report import write_report

    try:
        write_report(runner.report, target, flags=FLAGS)
    except (OSError, AnonymizerError) as error:
        text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return escape(f"{target}: {text}")
    return None


def _stopped(runner: Any, report_target: Path | None, stop: BaseException) -> NoReturn:
    """A signal: the finished files stay; temporary files go; the report says where it stopped."""
    from anonymizer.io.atomic import remove_temporary_files

    remove_temporary_files()
    signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
    runner.report.status = "interrupted"
    if report_target is not None:
        _write_report(runner, report_target)
    done = runner.report.count("done")
    with contextlib.suppress(OSError):
        stderr.print(
            f"[bold red]stopped by {signal.Signals(signum).name}[/]: {done} finished files kept; "
            "no partial output or audit log was left at the target paths"
            + ("; run again with --resume to go on" if done else "")
        )
    sys.exit(EXIT_SIGNAL_BASE + signum)


def _summary(report: Any, report_target: Path | None) -> None:
    from rich.markup import escape

    counts = ", ".join(f"{label} {count:,}" for label, count in report.counts.items()) or "nothing found"
    speed = f" ({report.rows / report.seconds:,.0f} rows/s)" if report.seconds and report.rows else ""
    parts = [f"{report.count('done')} done"]
    for status, word in (
        ("skipped", "skipped (done before)"),
        ("failed", "failed"),
        ("not-started", "not started"),
    ):
        if report.count(status):
            parts.append(f"{report.count(status)} {word}")
    stderr.print(
        f"anonymize: {len(report.files)} files: {', '.join(parts)}; {report.rows:,} records in "
        f"{report.seconds:.1f} s{speed} on {report.workers} worker{'s' * (report.workers != 1)} "
        f"({report.engine}); replaced {sum(report.counts.values()):,} spans ({counts})"
    )
    if report.ignored:
        stderr.print(
            f"anonymize: {len(report.ignored)} files of unknown format left out (see the run report)"
        )
    for item in report.failed[:FAILED_SHOWN]:
        assert item.failure is not None
        reason = escape(item.failure.render(FLAGS))
        stderr.print(f"[bold red]failed:[/] {escape(item.source)} ({item.failure.code}): {reason}")
    if len(report.failed) > FAILED_SHOWN:
        stderr.print(f"anonymize: ... and {len(report.failed) - FAILED_SHOWN} more failed files")
    if report_target is not None:
        stderr.print(f"anonymize: run report: {escape(str(report_target))}")
