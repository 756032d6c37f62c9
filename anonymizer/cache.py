"""A bounded least-recently-used map from a text to its detected spans.

Templated notes repeat ("Patienten kom i tid."), so within a run identical texts
are detected once. Detection is a function of the text alone (the tagger runs one
sentence at a time), so a cached result is the one a fresh pass would give.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

#: Texts longer than this are not kept: they rarely repeat, and they would fill memory.
MAX_TEXT_LENGTH = 2000
#: Distinct texts remembered by default. An entry of a short record (its text and spans)
#: takes about 1.1 KiB: 2,000 keep the cache near 2 MiB, a fixed part of peak memory.
DEFAULT_CACHE_SIZE = 2_000


class TextCache(Generic[T]):
    """At most ``size`` texts of up to :data:`MAX_TEXT_LENGTH` characters; ``size`` 0 keeps none."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"cache size must be 0 or more, got {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[str, tuple[T, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, text: str) -> tuple[T, ...] | None:
        found = self._items.get(text)
        if found is None:
            self.misses += 1
            return None
        self._items.move_to_end(text)
        self.hits += 1
        return found

    def put(self, text: str, value: Sequence[T]) -> None:
        if self.size == 0 or len(text) > MAX_TEXT_LENGTH:
            return
        self._items[text] = tuple(value)
        self._items.move_to_end(text)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
