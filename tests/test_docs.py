"""The documentation site builds with --strict, and says what the commands and the README say."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from anonymizer.cli.anonymize import anonymize
from anonymizer.cli.tools import tools

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict``: a broken link or anchor, a missing page or include fails it."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    nav = re.findall(r"^  - [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert {"index.md", "cli.md", "frames.md", "operators.md", "promises.md", "model-card.md"} <= set(nav)
    for page in nav:
        built = site / ("index.html" if page == "index.md" else f"{page.removesuffix('.md')}/index.html")
        assert built.is_file(), page
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(nav)  # no page left out of the nav


def test_the_cli_reference_is_generated_from_the_commands(site: Path) -> None:
    page = (site / "cli" / "index.html").read_text(encoding="utf-8")
    for option in anonymize.params:
        for flag in option.opts:
            if flag.startswith("--"):
                assert flag in page, flag
    assert isinstance(tools, click.Group)
    for name in tools.commands:
        assert f"anonymizer {name}" in page, name


def test_the_includes_are_the_files_themselves(site: Path) -> None:
    card = (site / "model-card" / "index.html").read_text(encoding="utf-8")
    source = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    sha = re.search(r"SHA-256 \(int8, shipped\) \| `([0-9a-f]{64})`", source)
    assert sha is not None and sha.group(1) in card
    assert "long_records.py" in (site / "benchmarks" / "index.html").read_text(encoding="utf-8")


def test_the_screenshots_are_those_the_browser_tests_make(site: Path) -> None:
    """docs/*.png are written by tests/test_browser.py (ANONYMIZER_SCREENSHOTS=docs), never by hand."""
    browser = (ROOT / "tests" / "test_browser.py").read_text(encoding="utf-8")
    made = set(re.findall(r'"(\w+\.png)"', browser))
    shown = {name for page in DOCS.glob("*.md") for name in re.findall(r"\]\((\w+\.png)\)", page.read_text())}
    assert shown and shown <= made
    assert {p.name for p in DOCS.glob("*.png")} == made
    for name in shown:
        assert (site / name).is_file()


def test_the_readme_is_short_and_links_only_to_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    targets = re.findall(r"\]\(([^):#]+)(?:#[^)]*)?\)", readme)
    assert sum(target.startswith("docs/") for target in targets) >= 10, "the README links into the site"
    for target in targets:
        assert (ROOT / target).is_file(), target


@pytest.mark.shipped_model
def test_the_dataframe_example_gives_what_the_page_shows() -> None:
    page = (DOCS / "frames.md").read_text(encoding="utf-8")
    (_, code), (_, shown), (_, notes), *_ = re.findall(r"```(\w*)\n(.*?)```", page, re.S)
    namespace: dict[str, object] = {}
    exec(compile(code, "frames.md", "exec"), namespace)
    out = namespace["out"]
    for column in ("namn", "anteckning"):
        values = out[column].dropna().tolist()  # type: ignore[attr-defined]
        assert values and all(value in shown for value in values)
    counts = re.search(r"counts\s+# (\{.*?\})", notes)
    assert counts is not None and ast.literal_eval(counts.group(1)) == namespace["counts"]
