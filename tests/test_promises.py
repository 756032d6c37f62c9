"""docs/promises.md points every promise at a test: each test it names must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from test_bad_inputs import CASES

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "promises.md").read_text(encoding="utf-8")


def test_every_named_test_exists() -> None:
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", PAGE)
    assert len(named) > 40
    missing = []
    for file, name in named:
        tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
        if name not in {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}:
            missing.append(f"{file}::{name}")
    assert missing == []


def test_every_matrix_case_named_exists() -> None:
    cases = set(re.findall(r"`\[([a-z0-9][a-z0-9-]*)\]`", PAGE))
    assert len(cases) > 40
    assert cases - {case.id for case in CASES} == set()


def test_every_row_names_a_test_or_says_why_not() -> None:
    rows = [
        line for line in PAGE.splitlines() if line.startswith("| ") and not line.startswith("| bad input")
    ]
    assert len(rows) > 30
    for row in rows:
        held_by = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert (
            "tests/" in held_by or "`[" in held_by or "no automated test" in held_by or "no test" in held_by
        ), row
