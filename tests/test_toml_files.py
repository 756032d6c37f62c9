"""The shipped data files' one reader: errors name the file and what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.errors import ConfigError
from anonymizer.toml_files import read_toml


def test_reads_tables(tmp_path: Path) -> None:
    path = tmp_path / "words.toml"
    path.write_text('[digits]\n"noll" = "0"\n', encoding="utf-8")
    assert read_toml(path, "word file") == {"digits": {"noll": "0"}}


def test_a_missing_or_broken_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gone\.toml: word file missing; reinstall the package"):
        read_toml(tmp_path / "gone.toml", "word file")
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"[digits\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        read_toml(broken, "word file")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('x = "\xe5"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.toml: not valid TOML"):
        read_toml(latin1, "word file")
