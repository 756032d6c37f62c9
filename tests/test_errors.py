"""Library errors name settings by their API keyword; the CLI names them by flag."""

from __future__ import annotations

import pickle
import signal

import pytest

from anonymizer.cli.common import FLAGS, message
from anonymizer.errors import (
    OPTION,
    AnonymizerError,
    InputError,
    Interrupted,
    OutputClosedError,
    OutputError,
    UsageError,
)


def test_the_library_spells_the_keyword_and_the_cli_the_flag() -> None:
    error = InputError(f"in.csv: line 3: pass it with {OPTION} (e.g. latin-1)", option="encoding")
    assert str(error) == "in.csv: line 3: pass it with `encoding` (e.g. latin-1)"
    assert message(error) == "in.csv: line 3: pass it with --encoding (e.g. latin-1)"
    assert message(UsageError("no setting involved")) == "no setting involved"


def test_an_option_the_cli_does_not_know_keeps_the_keyword() -> None:
    error = AnonymizerError(f"set {OPTION}", option="threads_per_worker")
    assert message(error) == "set `threads_per_worker`"


def test_every_flag_is_an_option_of_a_command() -> None:
    from anonymizer.cli.anonymize import anonymize
    from anonymizer.cli.tools import tools

    options = {
        opt
        for command in [anonymize, *tools.commands.values()]
        for param in command.params
        for opt in param.opts
    }
    assert set(FLAGS.values()) <= options


@pytest.mark.parametrize(
    "error",
    [
        UsageError(f"pass {OPTION}", option="fmt"),
        OutputError("out.csv: cannot write the output", target="out.csv", errno=28),
        OutputClosedError("<stdout>: closed", target="-", errno=32),
        Interrupted(signal.SIGTERM),
    ],
)
def test_errors_survive_pickling(error: BaseException) -> None:
    """A worker process must be able to send its error to the parent."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and vars(copy) == vars(error)


def test_interrupted_is_no_exception() -> None:
    """``except Exception`` (fail-closed wrappers) must let a stop request through."""
    assert not issubclass(Interrupted, Exception)
