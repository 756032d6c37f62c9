"""Keyed hash: the first ``length`` hex digits of HMAC-SHA256 of the normalised canonical form.

The hash is keyed on purpose: an unkeyed hash of a name, a personnummer or an
e-mail address is reversible by a dictionary attack (hash every name in a name
list, or all 10^10 personnummer, and look the output up). Under a secret key the
same value still hashes alike in every row, file and run, so hashed columns can be
joined, but nobody without the key can recompute it. The label is not hashed, so a
value gets one hash whichever label it was found under; the domain differs from
the pseudonym's, so a hash never equals a pseudonym id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from anonymizer.normalise import normalise
from anonymizer.operators import Operator, Target, length_param
from anonymizer.operators.keyed import check_key, keyed_digest

DOMAIN = "anonymizer/hash/v1"
DEFAULT_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Hash(Operator):
    name = "hash"
    needs_key = True
    params = ("length",)

    key: bytes = field(repr=False)
    length: int = DEFAULT_LENGTH

    def __post_init__(self) -> None:
        check_key(self.key)

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"length": length_param(params, DEFAULT_LENGTH)}

    def replace(self, target: Target) -> str:
        digest = keyed_digest(self.key, DOMAIN, normalise(target.canonical or target.surface))
        return digest.hex()[: self.length]
