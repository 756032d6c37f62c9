"""``anonymizer decrypt FILE``: restore what the ``encrypt`` operator replaced."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from anonymizer.cli.anonymize import STDIN, _operator_key, _same_file
from anonymizer.cli.common import exit_codes, split_labels, stderr
from anonymizer.errors import UsageError
from anonymizer.io import FORMATS, atomic_output, detect_format, open_reader, open_writer
from anonymizer.io.atomic import raise_on_signals

RESTORED_FILE_MODE = 0o600


def _key(path: Path) -> bytes:
    key = _operator_key(path)
    if key is None:  # pragma: no cover - _operator_key returns the file's key when given one
        raise UsageError(f"{path}: no key")
    return key


@click.command("decrypt", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="[INPUT]", default=STDIN, type=click.Path(allow_dash=True))
@click.option(
    "-c", "--column", "columns", multiple=True, help="Column (csv, parquet) or key (jsonl); repeat for more."
)
@click.option("-o", "--output", type=click.Path(allow_dash=True), help="Output file (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format; default from the extension.")
@click.option(
    "--key-file",
    "key_files",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The key the file was encrypted with (anonymize --key-file). Repeat to give old keys too: "
    "each token is tried under each key in turn.",
)
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Key rotation: encrypt the tokens again under this key instead of restoring the text.",
)
@click.option("--entities", help="Labels to restore, e.g. PER (default: every encrypted label).")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of text, csv and jsonl input.")
@click.option(
    "--chunk-rows", type=click.IntRange(min=1), default=256, show_default=True, help="Records read together."
)
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def decrypt_command(
    input_path: str,
    columns: tuple[str, ...],
    output: str | None,
    fmt: str | None,
    key_files: tuple[Path, ...],
    new_key_file: Path | None,
    entities: str | None,
    encoding: str,
    chunk_rows: int,
    quiet: bool,
) -> None:
    """Restore the values that `anonymize` encrypted (operator "encrypt"), for the key holder.

    Takes the same formats and columns as `anonymize`; every other byte of the file
    is kept, so a file anonymized with encrypt alone comes back byte for byte (mode
    0600: it holds the personal data again). A key
    that does not open the tokens is refused, and a changed token stops the run; in
    either case nothing is written.

    \b
    Examples:
      anonymizer decrypt out.csv --column text --key-file key -o restored.csv
      anonymizer decrypt out.csv --column text --key-file old --new-key-file new -o rotated.csv
    """
    from anonymizer.restore import restore_job

    with exit_codes(), raise_on_signals():
        fmt = fmt or ("text" if input_path == STDIN else detect_format(input_path))
        if fmt != "text" and not columns:
            raise UsageError(f"{input_path}: say which column to restore with --column (for {fmt} input)")
        target = None if output in (None, STDIN) else Path(output)
        if target is not None and input_path != STDIN and _same_file(Path(input_path), target):
            raise UsageError(f"{target}: the output path is the input file; choose another -o path")
        if input_path != STDIN and not Path(input_path).is_file():
            raise UsageError(f"{input_path}: no such file")
        keys = [_key(path) for path in key_files]
        new_key = None if new_key_file is None else _key(new_key_file)
        with ExitStack() as stack:
            reader = stack.enter_context(
                open_reader(input_path, fmt=fmt, fields=columns, encoding=encoding, chunk_rows=chunk_rows)
            )
            # The restored file holds the personal data again: readable by its owner only.
            mode = None if new_key is not None else RESTORED_FILE_MODE
            out = stack.enter_context(atomic_output(target, stdout=sys.stdout.buffer, mode=mode))
            writer = open_writer(out, reader=reader)
            stats = restore_job(reader, writer, keys=keys, labels=split_labels(entities), new_key=new_key)
            writer.close()
        if not quiet:
            counts = ", ".join(f"{label} {count}" for label, count in stats.counts.items()) or "no tokens"
            done = "re-encrypted" if new_key is not None else "restored"
            stderr.print(f"anonymizer decrypt: {stats.rows} records; {done} {stats.tokens} tokens ({counts})")
