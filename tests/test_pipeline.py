from __future__ import annotations

from collections.abc import Sequence

import pytest

from anonymizer.errors import DetectionError, UsageError
from anonymizer.pipeline import Anonymizer
from anonymizer.span import Rank, Span
from support import FakeDetector, make_config


def test_redact_replaces_and_reports_original_offsets(fake_anonymizer: Anonymizer) -> None:
    texts = ["Anna bor i Umeå och jobbar på Volvo.", "Ingen här.", "Erik och Anna, Anna!"]
    results = fake_anonymizer.redact(texts)
    assert [r.text for r in results] == [
        "[PER_1] bor i [LOC_1] och jobbar på [ORG_1].",
        "Ingen här.",
        "[PER_1] och [PER_2], [PER_2]!",  # each text is its own document
    ]
    for text, result in zip(texts, results, strict=True):
        for item in result.replacements:
            assert text[item.span.start : item.span.end] in {"Anna", "Erik", "Umeå", "Volvo"}


def test_labels_outside_entities_are_kept(fake_anonymizer: Anonymizer) -> None:
    [result] = fake_anonymizer.redact(["Anna handlar på Ica."])
    assert result.text == "[PER_1] handlar på Ica."


def test_detectors_get_the_whole_batch_once() -> None:
    detector = FakeDetector({"Anna": "PER"})
    anonymizer = Anonymizer(config=make_config().with_entities(frozenset({"PER"})), detectors=[detector])
    anonymizer.redact([f"Anna {i}" for i in range(7)])
    assert detector.calls == [7]


def test_unknown_entity_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown entity type\\(s\\): XYZ; known: PER"):
        Anonymizer(
            config=make_config().with_entities(frozenset({"PER", "XYZ"})),
            detectors=[FakeDetector({"Anna": "PER"})],
        )


class BrokenDetector:
    name = "broken"
    labels = frozenset({"PER"})

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        raise RuntimeError("Anna Lind is secret")


class OutOfBoundsDetector:
    name = "oob"
    labels = frozenset({"PER"})

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [[Span(0, len(text) + 5, "PER", rank=Rank.MODEL)] for text in texts]


@pytest.mark.parametrize("detector", [BrokenDetector(), OutOfBoundsDetector()])
def test_detector_failure_fails_closed_without_leaking(detector: object) -> None:
    anonymizer = Anonymizer(config=make_config().with_entities(frozenset({"PER"})), detectors=[detector])  # type: ignore[list-item]
    with pytest.raises(DetectionError) as error:
        anonymizer.redact(["Anna Lind"])
    assert "Anna" not in str(error.value)
