from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anonymizer.model import loading
from anonymizer.model.shipped import default_model_path
from anonymizer.pipeline import Anonymizer
from support import FakeDetector, make_config


@pytest.fixture(autouse=True)
def shipped_model_only_when_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that loads the shipped model must be marked ``shipped_model``, so that
    ``pytest -m "not shipped_model"`` is the fast run. Loads in this process are
    caught here (cached ones too); a test that starts a subprocess is marked by hand."""
    if request.node.get_closest_marker("shipped_model") is not None:
        return
    shipped, load = default_model_path().resolve(), loading._load_model

    def refuse_shipped(path: Path, mtime_ns: int) -> Any:
        if path == shipped:
            raise AssertionError(
                f"{request.node.nodeid} loads {shipped.name}: mark it @pytest.mark.shipped_model"
            )
        return load(path, mtime_ns)

    monkeypatch.setattr(loading, "_load_model", refuse_shipped)


@pytest.fixture
def fake_anonymizer() -> Anonymizer:
    detector = FakeDetector({"Anna": "PER", "Erik": "PER", "Umeå": "LOC", "Volvo": "ORG", "Ica": "MISC"})
    config = make_config()
    return Anonymizer(config=config.with_entities(frozenset({"PER", "LOC", "ORG"})), detectors=[detector])
