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

from dataclasses import dataclass, field

from anonymizer.operators import Target
from anonymizer.operators.keyed import check_key, keyed_digest, normalise

DOMAIN = "anonymizer/hash/v1"


@dataclass(frozen=True, slots=True)
class Hash:
    key: bytes = field(repr=False)
    length: int = 16

    def __post_init__(self) -> None:
        check_key(self.key)

    def replace(self, target: Target) -> str:
        digest = keyed_digest(self.key, DOMAIN, normalise(target.canonical or target.surface))
        return digest.hex()[: self.length]
