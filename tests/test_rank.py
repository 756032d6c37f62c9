"""Every detector declares its rank, and the spans it returns carry it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import anonymizer.detectors
from anonymizer.config import load_config
from anonymizer.detectors.gazetteer import GazetteerDetector
from anonymizer.detectors.lists import DenyListDetector
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.detectors.time import TimeDetector
from anonymizer.propagate import RANK, Mentions, find_mentions
from anonymizer.span import Rank


def detector_classes() -> list[type]:
    """Every class of ``anonymizer.detectors`` with a ``detect`` method."""
    found = []
    for module in pkgutil.iter_modules(anonymizer.detectors.__path__):
        loaded = importlib.import_module(f"anonymizer.detectors.{module.name}")
        found += [
            cls
            for _, cls in inspect.getmembers(loaded, inspect.isclass)
            if cls.__module__ == loaded.__name__ and callable(getattr(cls, "detect", None))
        ]
    return found


def test_every_detector_declares_a_rank() -> None:
    classes = detector_classes()
    assert {"DenyListDetector", "PatternDetector", "TimeDetector", "GazetteerDetector", "NerDetector"} <= {
        cls.__name__ for cls in classes
    }
    assert all(isinstance(cls.__dict__.get("rank"), Rank) for cls in classes), classes


def test_the_ranks_keep_the_merge_order() -> None:
    """Deny list 0, rules 1, tagger 2, name lists and propagation 3, as before ranks were declared."""
    from anonymizer.detectors.ner import NerDetector

    assert DenyListDetector.rank == 0
    assert PatternDetector.rank == TimeDetector.rank == 1
    assert NerDetector.rank == 2
    assert GazetteerDetector.rank == RANK == 3


@pytest.mark.parametrize(
    ("detector", "text"),
    [
        (DenyListDetector({"PER": ["Kalle Anka"]}), "Det var Kalle Anka."),
        (PatternDetector(load_config().recognizers), "Mejla anna.lind@example.se i dag."),
        (TimeDetector(), "Vi ses den 3 maj 2021."),
        (GazetteerDetector(), "Jag träffade dr Anna Lindqvist i går."),
    ],
)
def test_spans_carry_their_detectors_rank(detector: object, text: str) -> None:
    [spans] = detector.detect([text])  # type: ignore[attr-defined]
    assert spans
    assert {span.rank for span in spans} == {detector.rank}  # type: ignore[attr-defined]


def test_propagated_mentions_rank_with_the_name_lists() -> None:
    mentions = Mentions()
    mentions.add("Anna Lind", "PER", 0.9)
    [span] = find_mentions("Sedan kom Anna Lind.", [], mentions)
    assert span.rank is Rank.LIST
