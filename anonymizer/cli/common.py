"""What both commands share: error reporting, exit codes and signals."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from anonymizer.errors import (
    AnonymizerError,
    Interrupted,
    OutputClosedError,
    UsageError,
    missing_training_package,
)
from anonymizer.io.atomic import remove_temporary_files

EXIT_FAILURE = 1
EXIT_USAGE = 2
#: A run stopped by a signal exits 128 + its number: 129 SIGHUP, 130 SIGINT, 141 SIGPIPE
#: (the reader of the output closed it), 143 SIGTERM.
EXIT_SIGNAL_BASE = 128

#: The flag that names each library setting in error messages (``AnonymizerError.option``).
FLAGS = {
    "encoding": "--encoding",
    "fields": "--column",
    "fmt": "--format",
    "model_path": "--model",
    "gazetteers": "--gazetteers",
    "key": "--key-file",
    "on_error": "--on-error",
    "trust_model": "--trust-model",
    "audit_path": "--audit",
    "report_path": "--report",
    "whole_columns": "--whole-column",
}

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class FiniteFloat(click.FloatRange):
    """A ``click.FloatRange`` that refuses NaN and infinities (a range check lets NaN through)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def split_labels(value: str | None) -> list[str] | None:
    """``"per, loc"`` -> ``["PER", "LOC"]``; ``None`` stays ``None``."""
    if value is None:
        return None
    return [label.strip().upper() for label in value.split(",") if label.strip()]


def message(error: AnonymizerError) -> str:
    """The error's message, naming its setting by the CLI flag."""
    flag = FLAGS.get(error.option or "")
    return error.render(flag) if flag is not None else str(error)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):  # stderr may be gone (SIGHUP: the terminal closed)
        stderr.print(text)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush of stdout cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextmanager
def exit_codes() -> Iterator[None]:
    """Usage and input errors exit 2, failures while running 1; messages go to stderr.

    A signal (Ctrl-C, or SIGTERM/SIGHUP under :func:`~anonymizer.io.atomic.raise_on_signals`)
    exits 128 + its number once the temporary files are gone; a closed output pipe
    exits 141 without a message, as a Unix filter does.
    """
    try:
        yield
    except (OutputClosedError, BrokenPipeError):  # BrokenPipeError: e.g. stderr's pipe
        remove_temporary_files()
        _silence_stdout()
        sys.exit(EXIT_SIGNAL_BASE + signal.SIGPIPE)
    except UsageError as error:
        _say(f"[bold red]error:[/] {escape(message(error))}")
        sys.exit(EXIT_USAGE)
    except ModuleNotFoundError as error:
        missing = missing_training_package(error)
        if missing is None:
            raise
        _say(f"[bold red]error:[/] {escape(message(missing))}")
        sys.exit(EXIT_USAGE)
    except AnonymizerError as error:
        _say(f"[bold red]failed:[/] {escape(message(error))}")
        sys.exit(EXIT_FAILURE)
    except OSError as error:  # disk full, permissions: name the file, never the data
        where = f" ({error.filename})" if error.filename else ""
        _say(f"[bold red]failed:[/] {escape(error.strerror or type(error).__name__)}{escape(where)}")
        sys.exit(EXIT_FAILURE)
    except KeyboardInterrupt:
        remove_temporary_files()
        _say("[bold red]interrupted[/]: no output file or audit log was left at the target paths")
        sys.exit(EXIT_SIGNAL_BASE + signal.SIGINT)
    except Interrupted as stop:
        remove_temporary_files()
        name = signal.Signals(stop.signum).name
        _say(f"[bold red]stopped by {name}[/]: no output file or audit log was left at the target paths")
        sys.exit(EXIT_SIGNAL_BASE + stop.signum)
