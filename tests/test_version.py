"""One version: ``anonymizer.__version__``, which pyproject.toml reads and CHANGELOG.md names."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import anonymizer

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_takes_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "anonymizer.__version__"}


def test_changelog_top_section_is_the_package_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    top = re.search(r"^## (\S+)", changelog, flags=re.MULTILINE)
    assert top is not None, "CHANGELOG.md has no '## <version>' section"
    assert top.group(1) == anonymizer.__version__
