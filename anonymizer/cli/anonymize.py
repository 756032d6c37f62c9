"""``anonymize [OPTIONS] [INPUT]``: the main job."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from anonymizer import __version__
from anonymizer.audit import AUDIT_KEY_ENV
from anonymizer.cache import DEFAULT_CACHE_SIZE
from anonymizer.cli.batch import JOB_OPTIONS, is_job, run_batch
from anonymizer.cli.common import FiniteFloat, exit_codes, split_labels, stderr
from anonymizer.columns import check_whole_columns, parse_pairs
from anonymizer.config import Config, preset_names
from anonymizer.errors import UsageError
from anonymizer.io import FORMATS, atomic_output, detect_format, open_reader, open_writer
from anonymizer.io.atomic import raise_on_signals
from anonymizer.limits import DEFAULT_RECORD_TIMEOUT, MAX_RECORD_TIMEOUT
from anonymizer.operators.encrypt import check_kept_key
from anonymizer.operators.registry import needs_key
from anonymizer.span import ERROR_LABEL

STDIN = "-"
KEY_ENV = "ANONYMIZE_KEY"


def _split_entities(_: click.Context, __: click.Parameter, value: str | None) -> list[str] | None:
    labels = split_labels(value)
    if labels == []:
        raise click.BadParameter("give at least one label, e.g. PER,LOC")
    return labels


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", metavar="[INPUT]...", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "-c",
    "--column",
    "columns",
    multiple=True,
    help="Column (csv, parquet) or key (jsonl) to redact; repeat for more.",
)
@click.option(
    "--whole-column",
    "whole_columns",
    multiple=True,
    metavar="COLUMN=LABEL",
    help="A column that is all names or identifiers: each value is one LABEL entity, replaced whole "
    "by that label's operator without detection (e.g. namn=PER, personnr=PNR); repeat for more.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True),
    help="Output file (default: stdout), same format as the input; a folder (DIR/) for several inputs.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Input format; default from the extension (needed for non-text stdin).",
)
@click.option(
    "--entities",
    callback=_split_entities,
    help="Labels to replace, e.g. PER,LOC,ORG,TME (default: from the config).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML laid over rules/default.toml (and over --preset).",
)
@click.option(
    "--preset",
    type=click.Choice(preset_names()),
    help="A shipped preset (rules/presets/NAME.toml) laid over the defaults; strict: recall first.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Kept for old scripts: the tagger runs one sentence at a time (results never depend on it).",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Records read and detected together.",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Encoding of text, csv and jsonl input (e.g. cp1252, latin-1).",
)
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the entity audit log (JSON Lines) here.",
)
@click.option(
    "--audit-key",
    envvar=AUDIT_KEY_ENV,
    show_envvar=True,
    help="Key for the audit digests (default: random per run).",
)
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Secret key of the pseudonym, surrogate, hash and encrypt operators (default: $ANONYMIZE_KEY, "
    "else random per run).",
)
@click.option(
    "--audit-include-text", is_flag=True, help="Also write the removed text into the audit log (sensitive!)."
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Model file instead of the shipped one.",
)
@click.option(
    "--trust-model",
    "trust_models",
    multiple=True,
    metavar="SHA256",
    help="Load a --model file with this SHA-256 (model files can run code; only the shipped ones "
    "are trusted without it). Repeatable.",
)
@click.option(
    "--cache-size",
    type=click.IntRange(min=0),
    default=DEFAULT_CACHE_SIZE,
    show_default=True,
    help="Distinct texts remembered, so repeated texts are detected once (0: off).",
)
@click.option(
    "--on-error",
    type=click.Choice(["stop", "mask"]),
    default="stop",
    show_default=True,
    help="When detection fails for a value: stop the run, or write the value masked whole "
    "([REDACTED]) and audit it as ERROR.",
)
@click.option(
    "--record-timeout",
    type=FiniteFloat(min=0, max=MAX_RECORD_TIMEOUT),
    default=DEFAULT_RECORD_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time limit on detecting one value, per million characters (0: none); past it, --on-error applies.",
)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: the usable cores).")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where parts run.",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)."
)
@click.option("--resume", is_flag=True, help="Skip files done by an earlier run into the same -o DIR.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option(
    "--include", multiple=True, metavar="PATTERN", help="Only files matching this pattern; repeatable."
)
@click.option(
    "--exclude", multiple=True, metavar="PATTERN", help="Leave out files matching this pattern; repeatable."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the run report (JSON) here (default: beside the audit log).",
)
@click.option("--part-size", metavar="SIZE", help="Split files into parts of about this size (default 4M).")
@click.option(
    "--csv-formula-guard",
    is_flag=True,
    help="CSV output for spreadsheets: put ' before each cell starting with = + - @ (+46 numbers too).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.version_option(__version__, "--version", prog_name="anonymize")
def anonymize(**options: Any) -> None:
    """Replace names, places, organisations and times in Swedish text.

    Reads INPUT (a .txt, .csv, .parquet or .jsonl file; none or - for stdin) and
    writes the redacted copy, in the same format, to -o or stdout. Several files,
    folders or globs, with -o DIR, make a batch job (workers, --resume, a run report;
    exit code 3 when some files failed).

    \b
    Examples:
      anonymize letter.txt -o letter.redacted.txt
      anonymize data.csv --column text --audit audit.jsonl -o out.csv
      cat letter.txt | anonymize > out.txt
      anonymize exports/ -o redacted/ --column text --audit audit.jsonl --audit-key K --resume
    """
    with exit_codes(), raise_on_signals():
        inputs = options.pop("inputs")
        job = {name: options.pop(name) for name in JOB_OPTIONS}
        if is_job(inputs, options["output"], job):
            run_batch(inputs=inputs, **options, **job)
        elif len(inputs) > 1:
            raise UsageError("several inputs need an output folder: pass -o DIR")
        else:
            _run(input_path=inputs[0] if inputs else STDIN, **options)


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file; two paths to a file not made yet compare by name."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _run(
    *,
    input_path: str,
    columns: tuple[str, ...],
    whole_columns: tuple[str, ...],
    output: str | None,
    fmt: str | None,
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
) -> None:
    from anonymizer.audit import AuditLog
    from anonymizer.pipeline import ERROR_MASK, Anonymizer, run_job

    fmt = fmt or ("text" if input_path == STDIN else detect_format(input_path))
    whole = check_whole_columns(parse_pairs(whole_columns), columns=columns)
    if fmt == "text" and whole:
        raise UsageError("--whole-column applies to csv, parquet and jsonl input, not to text")
    if fmt != "text" and not columns and not whole:
        raise UsageError(f"{input_path}: say which column to redact with --column (for {fmt} input)")
    target = None if output in (None, STDIN) else Path(output)
    if target is not None and input_path != STDIN and _same_file(Path(input_path), target):
        raise UsageError(f"{target}: the output path is the input file; choose another -o path")
    if target is not None and audit_path is not None and _same_file(target, audit_path):
        raise UsageError(f"{audit_path}: the audit log cannot be the output file")
    if audit_path is not None and input_path != STDIN and _same_file(Path(input_path), audit_path):
        raise UsageError(f"{audit_path}: the audit log path is the input file; choose another --audit path")
    if input_path != STDIN and not Path(input_path).is_file():
        if Path(input_path).exists():  # a FIFO or device: never opened here
            from anonymizer.jobs.plan import not_a_file

            raise UsageError(f"{input_path}: {not_a_file(os.stat(input_path).st_mode)}")
        raise UsageError(f"{input_path}: no such file")
    if audit_include_text and audit_path is None:
        raise UsageError("--audit-include-text needs --audit PATH")

    anonymizer = Anonymizer.load(
        config=config_path,
        preset=preset,
        entities=entities,
        model_path=model_path,
        batch_size=batch_size,
        key=_operator_key(key_file),
        cache_size=cache_size,
        on_error=on_error,
        record_timeout=record_timeout or None,
        trust_models=trust_models,
    )
    labels = [*(anonymizer.config.entities if columns or fmt == "text" else ()), *whole.values()]
    check_kept_key(anonymizer.config, labels, key_was_random=anonymizer.key_was_random)
    show_progress = not quiet and sys.stderr.isatty()
    with ExitStack() as stack:
        reader = stack.enter_context(
            open_reader(
                input_path,
                fmt=fmt,
                fields=(*whole, *columns),
                encoding=encoding,
                chunk_rows=chunk_rows,
                formula_guard=csv_formula_guard,
            )
        )
        audit = None
        if audit_path is not None:
            key = audit_key.encode("utf-8") if audit_key else None
            audit = stack.enter_context(AuditLog(audit_path, key=key, include_text=audit_include_text))
        out = stack.enter_context(atomic_output(target, stdout=sys.stdout.buffer))
        writer = open_writer(out, reader=reader)
        progress = None
        if show_progress:
            from anonymizer.cli.progress import FileProgress

            size = None if input_path == STDIN else os.path.getsize(input_path)
            progress = stack.enter_context(FileProgress(size))
        stats = run_job(
            anonymizer,
            reader,
            writer,
            audit=audit,
            one_document=fmt == "text",
            whole_columns=whole,
            on_progress=(
                (lambda s: progress.update(bytes_read=reader.bytes_read, rows=s.rows, spans=s.spans))
                if progress is not None
                else None
            ),
        )
        writer.close()
        if audit is not None:
            audit.summary(
                source=reader.source,
                rows=stats.rows,
                seconds=round(stats.seconds, 3),
                model_sha256=anonymizer.model_sha256,
                config_sha256=anonymizer.config.digest,
                entities=sorted(anonymizer.config.entities),
                version=__version__,
            )
            audit.flush()  # a full disk fails the run here, before the output is committed
    masked = stats.counts.get(ERROR_LABEL, 0)
    if masked:  # said even with --quiet: these values were not checked
        stderr.print(
            f"anonymize: {masked} value(s) could not be checked and were written masked whole "
            f"({ERROR_MASK}); the audit log lists them with label {ERROR_LABEL}"
        )
    if not quiet:
        counts = ", ".join(f"{label} {count}" for label, count in stats.counts.items()) or "nothing found"
        stderr.print(
            f"anonymize: {stats.rows} records, {stats.seconds:.1f} s; replaced {stats.spans} spans ({counts})"
        )
        if anonymizer.key_was_random and _uses_keyed_operators(anonymizer.config):
            stderr.print(
                "anonymize: pseudonyms, surrogates and hashes use a random key for this run only; "
                f"set {KEY_ENV} or --key-file to keep them stable across runs"
            )
        if audit is not None and audit.key_was_random:
            stderr.print(
                "anonymize: audit digests use a random key for this run only; set --audit-key or "
                f"{AUDIT_KEY_ENV} to compare digests across runs"
            )


def _operator_key(key_file: Path | None) -> bytes | None:
    if key_file is not None:
        key = key_file.read_bytes().strip()
        if len(key) < 16:
            raise UsageError(f"{key_file}: the key is {len(key)} bytes; use at least 16 random bytes")
        return key
    value = os.environ.get(KEY_ENV, "").strip()
    if value and len(value) < 16:
        raise UsageError(f"{KEY_ENV} is {len(value)} characters; use at least 16 random characters")
    return value.encode("utf-8") or None


def _uses_keyed_operators(config: Config) -> bool:
    return any(needs_key(config.operator_for(label)) for label in config.entities)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    anonymize()


if __name__ == "__main__":
    main()
