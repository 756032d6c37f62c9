"""Apply operators to disjoint spans of one record, numbering surface strings per document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from anonymizer.config import Config
from anonymizer.normalise import normalise
from anonymizer.operators import Operator, Target
from anonymizer.operators.registry import make_operator
from anonymizer.span import Redaction, Replacement, Span


@dataclass
class Numbering:
    """Distinct surface strings per label within one document, in order of first sight.

    Surfaces are compared normalised (``anonymizer.normalise``): mentions that differ
    only in case, spacing or Unicode form (NFD, NFC) share one ``{n}``. An alias makes
    a surface share another's number ("Per" -> "Per Andersson").
    """

    seen: dict[str, dict[str, int]] = field(default_factory=dict)
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)

    def alias(self, label: str, surface: str, target: str) -> None:
        key, target_key = normalise(surface), normalise(target)
        if key != target_key:
            self.aliases.setdefault((label, key), target_key)

    def resolve(self, label: str, surface: str) -> tuple[int, str]:
        """The entity's number and canonical form (the alias target, normalised)."""
        table = self.seen.setdefault(label, {})
        key = normalise(surface)
        key = self.aliases.get((label, key), key)
        return table.setdefault(key, len(table) + 1), key


class Replacer:
    """``key`` is the secret of keyed operators: the same key, the same pseudonyms.

    Builds the operator of every ``[operators.LABEL]`` table at once, so a bad table
    is a ConfigError before any text is replaced.
    """

    def __init__(self, config: Config, *, key: bytes) -> None:
        self._operators = {label: make_operator(spec, key=key) for label, spec in config.operators.items()}

    def _operator(self, label: str) -> Operator:
        return self._operators[label] if label in self._operators else self._operators["DEFAULT"]

    def apply(self, text: str, spans: Sequence[Span], numbering: Numbering) -> Redaction:
        """``spans`` must be sorted and disjoint (the output of a merge strategy)."""
        pieces: list[str] = []
        replacements: list[Replacement] = []
        cursor = 0
        for span in spans:
            if span.start < cursor or span.end > len(text):
                raise ValueError(f"spans overlap or exceed the text: {span.start}-{span.end}")
            surface = text[span.start : span.end]
            number, canonical = numbering.resolve(span.label, surface)
            target = Target(surface=surface, label=span.label, number=number, canonical=canonical)
            operator = self._operator(span.label)
            replacement = operator.replace(target)
            pieces.append(text[cursor : span.start])
            pieces.append(replacement)
            replacements.append(Replacement(span, replacement, reversible=operator.reversible))
            cursor = span.end
        pieces.append(text[cursor:])
        return Redaction(original_length=len(text), text="".join(pieces), replacements=tuple(replacements))
