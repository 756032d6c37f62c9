"""Model files run code when loaded: only pinned or trusted files, writable by their owner only."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from anonymizer.cli.anonymize import anonymize
from anonymizer.errors import AnonymizerError, UsageError
from anonymizer.model import integrity
from anonymizer.model.integrity import SHIPPED_SHA256, UntrustedModelError, check_model_file
from anonymizer.pipeline import Anonymizer

ROOT = Path(__file__).resolve().parent.parent


class Planted:
    """Unpickling it writes ``path``: proof that a file was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.path}",))


def evil_model(folder: Path) -> tuple[Path, Path]:
    marker = folder / "code-ran"
    model = folder / "evil.pt"
    model.write_bytes(pickle.dumps(Planted(marker)))
    model.chmod(0o600)
    return model, marker


def test_every_shipped_model_file_is_pinned_with_its_hash() -> None:
    shipped = sorted(
        path.name for pattern in ("*.pt", "*.npz", "*.onnx") for path in (ROOT / "models").glob(pattern)
    )
    assert sorted(SHIPPED_SHA256) == shipped, (
        "pin every models/*.pt, *.npz and *.onnx in anonymizer/model/integrity.py"
    )
    for name, digest in SHIPPED_SHA256.items():
        assert integrity.file_sha256(ROOT / "models" / name) == digest, (
            f"models/{name} changed: put its `sha256sum` in SHIPPED_SHA256"
        )


def test_an_unknown_model_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    model, marker = evil_model(tmp_path)
    with pytest.raises(UntrustedModelError) as caught:
        Anonymizer.load(entities=["PER"], model_path=model)
    message = str(caught.value)
    assert integrity.file_sha256(model) in message and "`trust_model`" in message and "code" in message
    assert not marker.exists()


def test_the_cli_refuses_it_with_exit_2_and_says_how_to_trust_it(tmp_path: Path) -> None:
    model, marker = evil_model(tmp_path)
    text = tmp_path / "in.txt"
    text.write_text("Anna Lind\n", encoding="utf-8")
    result = CliRunner().invoke(anonymize, [str(text), "--entities", "PER", "--model", str(model), "-q"])
    assert result.exit_code == 2
    assert f"--trust-model {integrity.file_sha256(model)}" in result.stderr and "refused" in result.stderr
    assert not marker.exists() and result.stdout == ""


def test_a_trusted_hash_passes_the_check(tmp_path: Path) -> None:
    import torch

    model = tmp_path / "not-a-model.pt"
    torch.save({"format": "something else"}, model)  # weights only: no Flair import to reject it
    model.chmod(0o600)
    digest = integrity.file_sha256(model)
    assert check_model_file(model, trusted=[digest.upper()]) == digest
    with pytest.raises(AnonymizerError, match="not a tagger model"):  # checked, then opened
        Anonymizer.load(entities=["PER"], model_path=model, trust_models=[digest])


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_model_others_can_write_is_refused_even_when_trusted(tmp_path: Path, mode: int) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"weights")
    model.chmod(mode)
    with pytest.raises(UntrustedModelError, match="can be written by its group or by everyone"):
        check_model_file(model, trusted=[integrity.file_sha256(model)])


@pytest.mark.parametrize(
    ("mode", "refused"), [(0o777, True), (0o1777, False), (0o775, False), (0o755, False)]
)
def test_a_folder_everyone_can_write_is_refused_unless_sticky(
    tmp_path: Path, mode: int, refused: bool
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    model = folder / "model.pt"
    model.write_bytes(b"weights")
    model.chmod(0o644)
    folder.chmod(mode)
    trusted = [integrity.file_sha256(model)]
    if refused:
        with pytest.raises(UntrustedModelError, match="its folder"):
            check_model_file(model, trusted=trusted)
    else:
        check_model_file(model, trusted=trusted)


def test_a_symbolic_link_is_judged_by_its_target(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    target.write_bytes(b"weights")
    target.chmod(0o666)
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    with pytest.raises(UntrustedModelError, match="mode -rw-rw-rw-"):
        check_model_file(link, trusted=[integrity.file_sha256(target)])


@pytest.mark.parametrize("value", ["abc", "g" * 64, ""])
def test_a_trust_value_must_be_a_sha256(tmp_path: Path, value: str) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"weights")
    model.chmod(0o600)
    with pytest.raises(UsageError, match="not a SHA-256"):
        check_model_file(model, trusted=[value])
