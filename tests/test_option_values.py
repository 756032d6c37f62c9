"""Every numeric option refuses hostile values (NaN, infinities, overflowing, negative,
not a number) with exit 2 and a message, before anything runs; the values it takes run.

A range check alone lets NaN through (every comparison with it is false), and a float
too large for the system timer or for ``int`` overflowed in the middle of a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymizer.cli.anonymize import anonymize
from anonymizer.cli.tools import tools

PNR = "811218-9876"
NOT_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "+inf", "1e400", "-1e400"]
HOSTILE = [
    *NOT_FINITE,
    "",
    " ",
    "-1",
    "0",
    "-0",
    "1e-320",
    "1e300",
    "9" * 40,
    "0x10",
    "1_000",
    "١٢",
    "½",
    "4M",
    "x",
]
#: The numeric options of ``anonymize``: how many records it takes, and when a job runs.
NUMERIC = ["--batch-size", "--chunk-rows", "--cache-size", "--record-timeout", "--workers", "--part-size"]


def commands(group: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    yield path or group.name or "", group
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from commands(command, f"{path} {name}".strip())


FLOAT_OPTIONS = [
    (f"{name} {option.opts[0]}", option)
    for root in (anonymize, tools)
    for name, command in commands(root)
    for option in command.params
    if isinstance(option.type, click.types.FloatParamType)
]


def test_there_are_float_options() -> None:
    assert {"anonymize --record-timeout", "audit summarize --threshold", "audit summarize --below"} <= {
        name for name, _ in FLOAT_OPTIONS
    }


@pytest.mark.parametrize(("name", "option"), FLOAT_OPTIONS, ids=[name for name, _ in FLOAT_OPTIONS])
@pytest.mark.parametrize("value", NOT_FINITE)
def test_no_float_option_takes_nan_or_infinity(name: str, option: click.Option, value: str) -> None:
    with pytest.raises(click.BadParameter):
        option.type.convert(value, option, None)


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("options") / "letter.txt"
    path.write_text(f"Hej, mitt nummer är {PNR}.\n\nMvh\n", encoding="utf-8")
    return path


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    option=st.sampled_from(NUMERIC),
    value=st.one_of(
        st.sampled_from(HOSTILE),
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=6),
    ),
)
def test_hostile_numbers_are_refused_or_run(option: str, value: str, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / f"out-{abs(hash((option, value)))}.txt"
    args = [str(letter), "-o", str(out), "--entities", "PNR", "-q", f"{option}={value}"]
    result = CliRunner().invoke(anonymize, args, catch_exceptions=False)  # an exception fails the test
    assert "Traceback" not in result.output
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not math.isfinite(number):
        assert result.exit_code == 2, result.output
    if result.exit_code == 2:
        assert not out.exists() and result.output.strip(), result.output
    elif result.exit_code == 1:  # a limit of a few picoseconds: every value runs past it, named
        assert option == "--record-timeout" and "ran past its time limit" in result.output, result.output
        assert not out.exists()
    else:
        assert result.exit_code == 0, result.output
        assert "[PNR_1]" in out.read_text(encoding="utf-8") and PNR not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--part-size", "inf", "is no size"),
        ("--part-size", "1e400", "is no size"),
        ("--part-size", "nan", "is no size"),
        ("--part-size", "2048G", "the part size must be from 1 byte to 1024G"),
        ("--record-timeout", "nan", "is not a finite number"),
        ("--record-timeout", "1e300", "not in the range"),
        ("--record-timeout", "-1", "not in the range"),
    ],
)
def test_each_refusal_says_why(option: str, value: str, message: str, letter: Path, tmp_path: Path) -> None:
    args = [str(letter), "-o", str(tmp_path / "out.txt"), "--entities", "PNR", option, value]
    result = CliRunner().invoke(anonymize, args, catch_exceptions=False)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -1.0, 1e300])
def test_the_library_refuses_a_bad_time_limit(seconds: float) -> None:
    from anonymizer.errors import UsageError
    from anonymizer.pipeline import Anonymizer

    with pytest.raises(UsageError, match="record time limit"):
        Anonymizer.load(entities=["PNR"], record_timeout=seconds)
