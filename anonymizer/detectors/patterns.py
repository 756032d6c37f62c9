"""Identifier rules: the ``[recognizers.NAME]`` tables of ``rules/recognizers.toml``.

Each rule is a set of regular expressions, an optional validator from
``anonymizer.validators`` and optional context words. For every match:

* the span is the named group ``value`` when the pattern has one (so a pattern may
  consume a lead-in such as "regnr" without redacting it), else the whole match;
* the validator, if any, judges the span's text: a rejected match is kept with the
  rule's ``invalid_score`` and ``valid=False``, or dropped when there is none;
* context words count only BEFORE the span, within ``context_window`` characters of its
  start, case-insensitive and as whole words; a context word after the span does not
  count ("070-123 45 67 (mobil)" gets no bonus), since in a list it belongs to the next
  item. With ``context_required`` a match without one is dropped; otherwise one raises
  the score by 0.05 (at most 1).

Overlapping matches of one label (of one rule, or of several rules with that label such
as the five BANK rules) keep the longest, then the higher score, then the earliest; the
spans reported are disjoint per label. Spans of different labels may overlap: the
patterns are written so that a string gets one label, and the merge step resolves the
rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from anonymizer.config import RecognizerSpec
from anonymizer.errors import ConfigError
from anonymizer.span import Occupied, Rank, Span
from anonymizer.validators import VALIDATORS

__all__ = ["CONTEXT_BONUS", "PatternDetector"]

CONTEXT_BONUS = 0.05
_VALUE_GROUP = "value"


@dataclass(frozen=True, slots=True)
class _Rule:
    spec: RecognizerSpec
    patterns: tuple[re.Pattern[str], ...]
    validator: Callable[[str], bool] | None
    context: re.Pattern[str] | None
    detector: str


def _compile(spec: RecognizerSpec) -> _Rule:
    validator = None
    if spec.validator is not None:
        validator = VALIDATORS.get(spec.validator)
        if validator is None:
            known = ", ".join(sorted(VALIDATORS))
            raise ConfigError(
                f"{spec.source}: key 'recognizers.{spec.name}.validator': "
                f"unknown validator {spec.validator!r} (known: {known})"
            )
    flags = re.IGNORECASE if spec.ignore_case else 0
    context = None
    if spec.context:
        words = sorted({word.casefold() for word in spec.context}, key=len, reverse=True)
        alternatives = "|".join(r"[^\S\n]+".join(map(re.escape, word.split())) for word in words)
        context = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return _Rule(
        spec=spec,
        patterns=tuple(re.compile(pattern, flags) for pattern in spec.patterns),
        validator=validator,
        context=context,
        detector=f"rule:{spec.name}",
    )


class PatternDetector:
    """Runs the identifier rules; pure, no I/O. An unknown validator name is a ConfigError."""

    name = "patterns"
    rank = Rank.RULE

    def __init__(self, specs: Sequence[RecognizerSpec]) -> None:
        self._rules = tuple(_compile(spec) for spec in specs)
        self.labels = frozenset(spec.label for spec in specs)

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        candidates = [span for rule in self._rules for span in _matches(rule, text)]
        kept: list[Span] = []
        label, taken = None, Occupied()
        for span in sorted(candidates, key=lambda s: (s.label, -len(s), -s.score, s.start)):
            if span.label != label:  # one label at a time: one map of taken positions in memory
                label, taken = span.label, Occupied()
            if taken.claim(span.start, span.end):
                kept.append(span)
        return sorted(kept)


def _matches(rule: _Rule, text: str) -> Iterator[Span]:
    for pattern in rule.patterns:
        grouped = _VALUE_GROUP in pattern.groupindex
        for match in pattern.finditer(text):
            start, end = match.span(_VALUE_GROUP) if grouped else match.span()
            if end > start and (span := _judge(rule, text, start, end)) is not None:
                yield span


def _judge(rule: _Rule, text: str, start: int, end: int) -> Span | None:
    spec = rule.spec
    near = False
    if rule.context is not None:
        near = rule.context.search(text, max(0, start - spec.context_window), start) is not None
        if spec.context_required and not near:
            return None
    valid = None if rule.validator is None else rule.validator(text[start:end])
    score = spec.score
    if valid is False:
        if spec.invalid_score is None:
            return None
        score = spec.invalid_score
    if near:
        score = min(1.0, round(score + CONTEXT_BONUS, 4))
    return Span(start, end, spec.label, score, rule.detector, valid, rank=PatternDetector.rank)
