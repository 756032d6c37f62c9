"""The span contract shared by every stage: detect -> merge -> replace -> audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Rank(IntEnum):
    """The kind of detector that found a span; lower is stronger (``merge.strength``).

    Each detector declares its own, so a new one chooses where it stands.
    """

    DENY = 0  # the user's deny list
    RULE = 1  # identifier and time rules
    MODEL = 2  # the tagger
    LIST = 3  # name lists and mention propagation


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A detected entity: ``text[start:end]`` of the ORIGINAL record.

    ``detector`` is ``"ner"`` for the tagger, ``"rule:<name>"`` for rules and
    ``"gazetteer:<name>"`` for name lists: a name for the audit log, never compared.
    ``rank`` (keyword-only, required) is the detector's :class:`Rank`. ``valid``
    is the verdict of the rule's validator (a checksum such as Luhn or mod 97, a
    calendar date, a digit count) and ``None`` where no validator applies.
    Ordering is by position first, so ``sorted(spans)`` reads left to right.
    """

    start: int
    end: int
    label: str
    score: float = 1.0
    detector: str = "ner"
    valid: bool | None = None
    rank: Rank = field(kw_only=True)

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span offsets: start={self.start}, end={self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Replacement:
    """A span and the string that took its place in the redacted text.

    ``reversible``: the holder of the key can restore the text (the ``encrypt`` operator).
    """

    span: Span
    replacement: str
    reversible: bool = False


#: The label of a record that could not be checked and was masked whole (``error`` below).
ERROR_LABEL = "ERROR"


@dataclass(frozen=True, slots=True)
class Redaction:
    """The result for one record: redacted text plus what was replaced, left to right.

    ``error``: why detection failed for the record, which was then masked whole (one
    replacement of label :data:`ERROR_LABEL`); ``None`` for a record redacted normally.
    """

    original_length: int
    text: str
    replacements: tuple[Replacement, ...]
    error: str | None = None

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(r.span for r in self.replacements)


class Occupied:
    """Character positions taken by kept spans, for greedy selection in priority order.

    A bytearray grown to the rightmost end seen: claiming or testing a span costs its
    length, so selecting among n spans of a long record is linear, not n squared.
    """

    __slots__ = ("_taken",)

    def __init__(self) -> None:
        self._taken = bytearray()

    def claim(self, start: int, end: int) -> bool:
        """Take ``[start, end)`` unless any of it is taken; True if it was free."""
        if end > len(self._taken):
            self._taken.extend(bytes(end - len(self._taken)))
        if self._taken.find(1, start, end) != -1:
            return False
        self._taken[start:end] = b"\x01" * (end - start)
        return True
