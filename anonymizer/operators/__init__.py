"""Replacement operators, one module each. An operator maps a span to its replacement.

``number`` is the 1-based index of the span's surface string among the distinct
surface strings of its label seen so far in the document.
"""

from __future__ import annotations

from typing import Protocol

from anonymizer.config import OperatorSpec
from anonymizer.operators.mask import Mask
from anonymizer.operators.placeholder import Placeholder
from anonymizer.operators.remove import Remove


class Operator(Protocol):
    def replace(self, surface: str, *, label: str, number: int) -> str: ...


def make_operator(spec: OperatorSpec) -> Operator:
    if spec.operator == "placeholder":
        return Placeholder(spec.template)
    if spec.operator == "mask":
        return Mask(spec.char)
    if spec.operator == "remove":
        return Remove()
    raise ValueError(f"unknown operator {spec.operator!r}")  # config validation prevents this


__all__ = ["Mask", "Operator", "Placeholder", "Remove", "make_operator"]
