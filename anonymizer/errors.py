"""Errors the library raises; the CLI maps them to exit codes (2 usage/input, 1 runtime).

Messages name files, rows and columns but never quote the cell content.
"""

from __future__ import annotations


class AnonymizerError(Exception):
    """Base class: a failure while running (exit code 1)."""


class UsageError(AnonymizerError):
    """The caller asked for something that cannot work (exit code 2)."""


class ConfigError(UsageError):
    """A rules/config TOML file is invalid; the message names the file and key."""


class InputError(UsageError):
    """Input cannot be read or decoded; the message names file, row and column."""


class DetectionError(AnonymizerError):
    """A detector failed; the record is not written (fail closed)."""
