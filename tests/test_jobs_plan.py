"""Job planning: which files, in which order, where their outputs go."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.errors import UsageError
from anonymizer.jobs.plan import matches, plan_files


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    touch(
        root,
        "b.csv",
        "a.jsonl",
        "sub/c.parquet",
        "sub/deeper/d.txt",
        "sub/readme.xlsx",
        ".hidden/e.csv",
        "sub/.f.csv",
    )
    return root


def relatives(plan: object) -> list[str]:
    return [task.relative for task in plan.tasks]  # type: ignore[attr-defined]


def test_a_folder_is_walked_sorted_and_mirrored(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = plan_files([str(tree)], output_dir=out)
    assert relatives(plan) == ["a.jsonl", "b.csv", "sub/c.parquet", "sub/deeper/d.txt"]
    assert [t.fmt for t in plan.tasks] == ["jsonl", "csv", "parquet", "text"]
    assert [t.output for t in plan.tasks] == [out.resolve() / r for r in relatives(plan)]
    assert plan.tasks[0].source == str(tree / "a.jsonl")
    assert plan.ignored == [str(tree / "sub/readme.xlsx")]  # unknown format, hidden files left out


def test_inputs_keep_their_order_and_a_file_twice_is_read_once(tree: Path, tmp_path: Path) -> None:
    plan = plan_files(
        [str(tree / "b.csv"), str(tree / "sub"), str(tree / "b.csv")], output_dir=tmp_path / "o"
    )
    assert relatives(plan) == ["b.csv", "c.parquet", "deeper/d.txt"]


def test_a_glob_is_relative_to_its_fixed_folders(tree: Path, tmp_path: Path) -> None:
    plan = plan_files([f"{tree}/**/*.csv", f"{tree}/sub/**/*.txt"], output_dir=tmp_path / "o")
    assert relatives(plan) == ["b.csv", "deeper/d.txt"]


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (["*.csv", "*.jsonl"], [], ["a.jsonl", "b.csv"]),
        ([], ["sub/*"], ["a.jsonl", "b.csv"]),
        (["sub/**/*"], ["*.txt"], ["sub/c.parquet"]),
        ([], ["**/d.txt", "a.*"], ["b.csv", "sub/c.parquet"]),
    ],
)
def test_include_and_exclude(
    tree: Path, tmp_path: Path, include: list[str], exclude: list[str], expected: list[str]
) -> None:
    plan = plan_files([str(tree)], output_dir=tmp_path / "o", include=include, exclude=exclude)
    assert relatives(plan) == expected


@pytest.mark.parametrize(
    ("relative", "pattern", "expected"),
    [
        ("a/b/c.csv", "*.csv", True),
        ("a/b/c.csv", "a/*", True),
        ("c.csv", "**/c.csv", True),
        ("a/c.csv", "b/*", False),
        ("a/c.CSV", "*.csv", False),
    ],
)
def test_matches(relative: str, pattern: str, expected: bool) -> None:
    assert matches(relative, pattern) is expected


def test_two_inputs_that_would_share_an_output_are_refused(tmp_path: Path) -> None:
    touch(tmp_path, "x/notes.csv", "y/notes.csv")
    with pytest.raises(UsageError, match=r"would both be written to notes\.csv"):
        plan_files([str(tmp_path / "x/notes.csv"), str(tmp_path / "y/notes.csv")], output_dir=tmp_path / "o")


def test_the_output_folder_is_never_an_input(tree: Path) -> None:
    touch(tree, "out/old.csv")
    plan = plan_files([str(tree)], output_dir=tree / "out")
    assert "out/old.csv" not in relatives(plan)
    with pytest.raises(UsageError, match="is \\(inside\\) the output folder"):
        plan_files([str(tree / "sub")], output_dir=tree)
    with pytest.raises(UsageError, match="overwrite the input"):
        plan_files([str(tree / "b.csv")], output_dir=tree)


def test_several_files_need_an_output_folder_and_one_may_go_to_stdout(tree: Path) -> None:
    with pytest.raises(UsageError, match="need an output folder"):
        plan_files([str(tree)])
    [task] = plan_files([str(tree / "b.csv")]).tasks
    assert task.output is None


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["missing.csv"], "no such file or folder"),
        (["*.nothing"], "matches no file"),
        (["x.xlsx"], "cannot tell the format"),
    ],
)
def test_bad_inputs_are_usage_errors(tmp_path: Path, inputs: list[str], message: str) -> None:
    touch(tmp_path, "x.xlsx")
    with pytest.raises(UsageError, match=message):
        plan_files([str(tmp_path / name) for name in inputs], output_dir=tmp_path / "o")
