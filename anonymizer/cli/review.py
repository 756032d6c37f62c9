"""``anonymizer audit summarize|verify``, ``anonymizer review`` and ``anonymizer demo``."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import click

from anonymizer.audit import AUDIT_KEY_ENV
from anonymizer.cli.common import FiniteFloat, exit_codes, split_labels, stderr
from anonymizer.detectors import Detector
from anonymizer.errors import UsageError
from anonymizer.io import FORMATS, detect_format

EXIT_MISMATCH = 1
EXIT_DRIFT = 3
DEMO_PORT = 8501

audit_file = click.Path(exists=True, dir_okay=False, path_type=Path)
data_file = click.Path(exists=True, dir_okay=False)
column_option = click.option(
    "-c",
    "--column",
    "columns",
    multiple=True,
    help="Column (csv, parquet) or key (jsonl) the run redacted; default: those the audit names.",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Input format; default from the extension."
)
encoding_option = click.option(
    "--encoding", default="utf-8", show_default=True, help="Encoding of text, csv and jsonl files."
)
key_option = click.option(
    "--audit-key",
    envvar=AUDIT_KEY_ENV,
    show_envvar=True,
    help="The run's audit key (to recompute the digests from the input).",
)


def _key(value: str | None) -> bytes | None:
    return value.encode("utf-8") if value else None


@click.group("audit")
def audit_group() -> None:
    """Read audit logs: summaries, drift between runs, and proof that an output matches its log."""


@audit_group.command("summarize")
@click.argument("audit_paths", metavar="AUDIT.jsonl...", nargs=-1, required=True, type=audit_file)
@click.option("--against", "previous", multiple=True, type=audit_file, help="An earlier run's audit log.")
@click.option(
    "--threshold",
    type=FiniteFloat(min=0),
    default=0.25,
    show_default=True,
    help="Relative change of a label's spans per 1,000 rows that counts as drift.",
)
@click.option(
    "--min-spans",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Flag a label only if one of the runs has at least this many of its spans.",
)
@click.option(
    "--fail-on-drift", is_flag=True, help=f"Exit {EXIT_DRIFT} when a label drifted (needs --against)."
)
@click.option("--label", "labels", multiple=True, help="Only these labels, e.g. PER,LOC (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only entries of this input path (repeatable).")
@click.option("--below", type=FiniteFloat(), help="Only spans scored below this.")
@click.option(
    "--lowest", type=click.IntRange(min=0), default=10, show_default=True, help="Lowest-scored spans listed."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def summarize_command(
    audit_paths: tuple[Path, ...],
    previous: tuple[Path, ...],
    threshold: float,
    min_spans: int,
    fail_on_drift: bool,
    labels: tuple[str, ...],
    sources: tuple[str, ...],
    below: float | None,
    lowest: int,
    as_json: bool,
) -> None:
    """Counts by label, detector and source, rates per 1,000 rows, score histograms and
    the lowest-scored spans (offsets and labels, never text).

    With --against OLD.jsonl, compare each label's spans per 1,000 rows with an
    earlier run's and flag those that moved by more than --threshold: the drift
    alarm for nightly jobs (a tagger that stops finding persons rings it).
    """
    from anonymizer.review.summary import Filters, compare, summarize

    with exit_codes():
        if fail_on_drift and not previous:
            raise UsageError("--fail-on-drift needs --against OLD.jsonl")
        chosen = frozenset(label for value in labels for label in split_labels(value) or [])
        filters = Filters(labels=chosen, sources=frozenset(sources), below=below)
        current = summarize(list(audit_paths), filters=filters, lowest=lowest)
        drifts = None
        if previous:
            earlier = summarize(list(previous), filters=filters, lowest=0)
            drifts = compare(current, earlier, threshold=threshold, min_spans=min_spans, labels=chosen)
        flagged = [drift.label for drift in drifts or [] if drift.flagged]
        if as_json:
            result = current.to_dict()
            if drifts is not None:
                result["drift"] = {
                    "against": [str(path) for path in previous],
                    "threshold": threshold,
                    "labels": [drift.to_dict() for drift in drifts],
                    "flagged": flagged,
                }
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            from anonymizer.cli.review_tables import print_drift, print_summary

            print_summary(current)
            if drifts is not None:
                print_drift(drifts, threshold=threshold)
        if current.key_random:
            stderr.print("audit: a run used a random audit key: its digests cannot be compared or checked")
        if flagged:
            stderr.print(f"[bold red]drift:[/] {', '.join(flagged)} moved by more than {threshold:.0%}")
            if fail_on_drift:
                sys.exit(EXIT_DRIFT)


@audit_group.command("verify")
@click.argument("input_path", metavar="INPUT", type=data_file)
@click.argument("output_path", metavar="OUTPUT", type=data_file)
@click.option("--audit", "audit_path", required=True, type=audit_file, help="The run's audit log.")
@column_option
@format_option
@encoding_option
@key_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def verify_command(
    input_path: str,
    output_path: str,
    audit_path: Path,
    columns: tuple[str, ...],
    fmt: str | None,
    encoding: str,
    audit_key: str | None,
    as_json: bool,
) -> None:
    """Prove that OUTPUT is INPUT with exactly the audited spans replaced.

    Checks each span's digest against INPUT (with the run's audit key), that the
    text between spans is unchanged, that no replaced text survives in its value,
    and that rows and other columns are identical. Exits 1 at the first mismatch,
    naming its row and column, never its content.
    """
    from anonymizer.review.auditlog import load_audit
    from anonymizer.review.verify import verify_output

    with exit_codes():
        audit = load_audit(audit_path)
        if audit_key is None and not audit.key_random:
            raise UsageError(f"give the run's audit key with --audit-key or {AUDIT_KEY_ENV}")
        result = verify_output(
            input_path,
            output_path,
            audit=audit,
            key=_key(audit_key),
            fmt=fmt or detect_format(input_path),
            columns=columns,
            encoding=encoding,
        )
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        if result.mismatch is not None:
            stderr.print(f"[bold red]verify: mismatch[/] at {result.mismatch}")
            sys.exit(EXIT_MISMATCH)
        stderr.print(
            f"verify: OK: {result.rows:,} rows, {result.cells:,} values and {result.spans:,} audited spans "
            "match the input"
        )


@click.command("review")
@click.argument("input_path", metavar="INPUT", type=data_file)
@click.option("--audit", "audit_path", required=True, type=audit_file, help="The run's audit log.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file."
)
@column_option
@click.option(
    "--sample", type=click.IntRange(min=1), default=50, show_default=True, help="Records on the page."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
@click.option(
    "--misses/--no-misses",
    default=True,
    show_default=True,
    help="Mark capitalised words left untouched that the strict preset would take.",
)
@format_option
@encoding_option
@key_option
def review_command(
    input_path: str,
    audit_path: Path,
    output: Path,
    columns: tuple[str, ...],
    sample: int,
    seed: int,
    misses: bool,
    fmt: str | None,
    encoding: str,
    audit_key: str | None,
) -> None:
    """Write one self-contained HTML page (nothing fetched) to review a run: sampled
    records, original beside redacted, each replaced span highlighted per label.

    The page holds the original text: it is written with mode 0600; share it as
    you would the input.
    """
    from anonymizer.io import atomic_text_output
    from anonymizer.review.auditlog import load_audit
    from anonymizer.review.page import review_page

    with exit_codes():
        if output.exists() and output.resolve() == Path(input_path).resolve():
            raise UsageError(f"{output}: the output path is the input file; choose another -o path")
        audit = load_audit(audit_path)
        detector = _miss_detector() if misses else None
        page = review_page(
            input_path,
            audit=audit,
            key=_key(audit_key),
            fmt=fmt or detect_format(input_path),
            columns=columns,
            encoding=encoding,
            sample=sample,
            seed=seed,
            detector=detector,
        )
        with atomic_text_output(output, mode=0o600) as handle:
            handle.write(page)
        if audit.key_random:
            stderr.print("review: the run used a random audit key; digests cannot be checked (see the page)")
        elif audit_key is None:
            stderr.print(f"review: digests not checked; give --audit-key or {AUDIT_KEY_ENV}")
        stderr.print(f"review: wrote {output}")


def _miss_detector() -> Detector:
    """The strict preset's extra detector (anonymizer/detectors/unknown.py)."""
    from anonymizer.detectors.unknown import UnknownWordDetector

    return UnknownWordDetector.load()


@click.command("demo")
@click.option("--port", type=click.IntRange(1, 65535), default=DEMO_PORT, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (the demo shows what you paste: keep it local).",
)
def demo_command(port: int, host: str) -> None:
    """Start the interactive demo (Streamlit) in the browser: paste Swedish text or
    upload a small CSV and see the entities, the redacted text and the audit records.

    Needs the optional dependencies: pip install '.[demo]'.
    """
    with exit_codes():
        if importlib.util.find_spec("streamlit") is None:
            raise UsageError("the demo needs Streamlit: pip install '.[demo]'")
        argv = streamlit_argv(host=host, port=port)
        stderr.print(f"demo: http://{host}:{port} (Ctrl-C to stop)")
        sys.stderr.flush()
        os.execv(sys.executable, argv)


def streamlit_argv(*, host: str, port: int) -> list[str]:
    """``python -m streamlit run demo_app.py`` bound to ``host:port``, with nothing sent out."""
    app = Path(__file__).resolve().parent.parent / "review" / "demo_app.py"
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
