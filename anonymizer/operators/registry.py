"""Build an operator from its TOML spec (``[operators.LABEL]``)."""

from __future__ import annotations

from anonymizer.config import OperatorSpec
from anonymizer.operators import Operator
from anonymizer.operators.mask import Mask
from anonymizer.operators.placeholder import Placeholder
from anonymizer.operators.remove import Remove


def make_operator(spec: OperatorSpec, *, key: bytes) -> Operator:
    """``key`` is the secret of the keyed operators (pseudonym, surrogate, hash)."""
    if spec.operator == "placeholder":
        return Placeholder(spec.template)
    if spec.operator == "mask":
        return Mask(spec.char)
    if spec.operator == "remove":
        return Remove()
    raise ValueError(f"unknown operator {spec.operator!r}")  # config validation prevents this
