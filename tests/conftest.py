from __future__ import annotations

import pytest

from anonymizer.pipeline import Anonymizer
from support import FakeDetector, make_config


@pytest.fixture
def fake_anonymizer() -> Anonymizer:
    detector = FakeDetector({"Anna": "PER", "Erik": "PER", "Umeå": "LOC", "Volvo": "ORG", "Ica": "MISC"})
    config = make_config()
    return Anonymizer(config=config.with_entities(frozenset({"PER", "LOC", "ORG"})), detectors=[detector])
