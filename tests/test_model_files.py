"""A model file that is no model (random bytes, a truncated download) is refused as such,
with exit 2, before anything needs torch (issue 22, item 16)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from anonymizer.errors import UsageError
from anonymizer.model.integrity import file_sha256

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["random.pt", "random.rt.npz", "random.bin"])
def test_random_bytes_are_not_a_model(tmp_path: Path, name: str) -> None:
    from anonymizer import Anonymizer

    model = tmp_path / name
    model.write_bytes(np.random.default_rng(3).bytes(10_000))
    with pytest.raises(UsageError, match="not a model file"):
        Anonymizer.load(model_path=model, trust_models=[file_sha256(model)])


def test_the_command_says_the_file_is_corrupt_not_that_torch_is_missing(tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(np.random.default_rng(4).bytes(10_000))
    (tmp_path / "in.txt").write_text("Hej.\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "anonymizer.cli.anonymize",
            str(tmp_path / "in.txt"),
            "-o",
            str(tmp_path / "out.txt"),
            "--model",
            str(model),
            "--trust-model",
            file_sha256(model),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "not a model file" in done.stderr and "torch" not in done.stderr
    assert not (tmp_path / "out.txt").exists()
