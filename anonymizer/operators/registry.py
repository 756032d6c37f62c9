"""Build an operator from its TOML spec (``[operators.LABEL]``)."""

from __future__ import annotations

from anonymizer.config import OperatorSpec
from anonymizer.operators import Operator
from anonymizer.operators.hash import Hash
from anonymizer.operators.keep import Keep
from anonymizer.operators.mask import Mask
from anonymizer.operators.placeholder import Placeholder
from anonymizer.operators.pseudonym import Pseudonym
from anonymizer.operators.remove import Remove
from anonymizer.operators.surrogate import Surrogate


def make_operator(spec: OperatorSpec, *, key: bytes) -> Operator:
    """``key`` is the secret of the keyed operators (pseudonym, surrogate, hash)."""
    if spec.operator == "placeholder" and not spec.keyed:
        return Placeholder(spec.template)
    if spec.operator in ("placeholder", "pseudonym"):
        return Pseudonym(key, template=spec.template, length=spec.length)
    if spec.operator == "mask":
        return Mask(spec.char)
    if spec.operator == "remove":
        return Remove()
    if spec.operator == "keep":
        return Keep()
    if spec.operator == "hash":
        return Hash(key, length=spec.length)
    if spec.operator == "surrogate":
        return Surrogate(key)
    raise ValueError(f"unknown operator {spec.operator!r}")  # config validation prevents this
