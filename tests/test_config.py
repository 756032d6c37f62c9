from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.config import default_config_path, load_config
from anonymizer.errors import ConfigError


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "custom.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_defaults() -> None:
    config = load_config()
    assert config.entities == {"PER", "LOC", "ORG", "TME"}
    assert config.operator_for("PER").template == "[{label}_{n}]"
    assert config.operator_for("TME").template == "[{label}]"
    assert default_config_path().name == "default.toml"


def test_override_is_laid_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[operators.PER]\noperator = "mask"\n[redact]\nentities = ["PER"]\n')
    config = load_config(path)
    assert config.operator_for("PER").operator == "mask"
    assert config.operator_for("LOC").operator == "placeholder"  # DEFAULT kept from the shipped file
    assert config.entities == {"PER"}
    assert config.digest != load_config().digest


@pytest.mark.parametrize(
    ("body", "key", "hint"),
    [
        ('[operators.PER]\noperator = "shred"\n', "operators.PER.operator", "placeholder, pseudonym, surrogate, mask, hash, remove, keep"),
        (
            '[operators.PER]\noperator = "placeholder"\ntemplate = "[{name}]"\n',
            "operators.PER.template",
            "{name}",
        ),
        (
            '[operators.PER]\noperator = "placeholder"\ntemplate = "[{label"\n',
            "operators.PER.template",
            "invalid",
        ),
        ('[operators.PER]\noperator = "mask"\nchar = "ab"\n', "operators.PER.char", "single character"),
        ('[operators.PER]\noperator = "mask"\ncolour = "red"\n', "operators.PER.colour", "unknown key"),
        ("[model]\nbatch_size = 0\n", "model.batch_size", "at least 1"),
        ('[model]\nbatch_size = "8"\n', "model.batch_size", "must be int"),
        ("[redact]\nentities = [1]\n", "redact.entities", "not a label"),
        ("[redactt]\n", "redactt", "unknown key"),
        ("[rules.time]\nenabled = 1\n", "rules.time.enabled", "must be bool"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, body: str, key: str, hint: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message
    assert f"'{key}'" in message
    assert hint in message


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[operators\n")
    with pytest.raises(ConfigError, match="invalid TOML") as error:
        load_config(path)
    assert str(path) in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
