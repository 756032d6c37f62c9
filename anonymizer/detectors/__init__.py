"""Detectors turn a batch of texts into spans: ``detect(texts) -> list[list[Span]]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from anonymizer.span import Span


class Detector(Protocol):
    """Finds entities in a batch of independent texts (no context crosses texts)."""

    name: str
    labels: frozenset[str]

    def detect(self, texts: Sequence[str]) -> list[list[Span]]: ...
