"""What both commands share: error reporting and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from anonymizer.errors import AnonymizerError, UsageError

EXIT_FAILURE = 1
EXIT_USAGE = 2

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def split_labels(value: str | None) -> list[str] | None:
    """``"per, loc"`` -> ``["PER", "LOC"]``; ``None`` stays ``None``."""
    if value is None:
        return None
    return [label.strip().upper() for label in value.split(",") if label.strip()]


@contextmanager
def exit_codes() -> Iterator[None]:
    """Usage and input errors exit 2, failures while running 1; messages go to stderr."""
    try:
        yield
    except UsageError as error:
        stderr.print(f"[bold red]error:[/] {escape(str(error))}")
        sys.exit(EXIT_USAGE)
    except AnonymizerError as error:
        stderr.print(f"[bold red]failed:[/] {escape(str(error))}")
        sys.exit(EXIT_FAILURE)
    except OSError as error:  # disk full, permissions: name the file, never the data
        where = f" ({error.filename})" if error.filename else ""
        stderr.print(f"[bold red]failed:[/] {escape(error.strerror or type(error).__name__)}{escape(where)}")
        sys.exit(EXIT_FAILURE)
    except KeyboardInterrupt:
        stderr.print("[bold red]interrupted[/]: no output file or audit log was left at the target paths")
        sys.exit(130)
