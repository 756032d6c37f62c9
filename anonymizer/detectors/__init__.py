"""Detectors turn a batch of texts into spans: ``detect(texts) -> list[list[Span]]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from anonymizer.span import Rank, Span


class Detector(Protocol):
    """Finds entities in a batch of independent texts (no context crosses texts).

    ``rank`` is the :class:`Rank` of every span it returns (where it stands in a merge).
    """

    name: str
    labels: frozenset[str]
    rank: Rank

    def detect(self, texts: Sequence[str]) -> list[list[Span]]: ...
