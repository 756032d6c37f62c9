"""Reading the shipped TOML data files (rules, word lists, templates) with one set of errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from anonymizer.errors import ConfigError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The tables of ``path``; a missing or broken file is a :class:`ConfigError` that names it
    (``what`` says what the file holds: "word list file", "template file", ...)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} missing; reinstall the package") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
