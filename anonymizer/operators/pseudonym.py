from __future__ import annotations

from dataclasses import dataclass, field

from anonymizer.operators import Target
from anonymizer.operators.keyed import check_key, keyed_digest, normalise

DOMAIN = "anonymizer/pseudonym/v1"


def pseudonym_id(key: bytes, label: str, canonical: str, *, length: int) -> str:
    """The first ``length`` hex digits of the keyed digest of ``label`` and the canonical form."""
    return keyed_digest(key, DOMAIN, label, normalise(canonical)).hex()[:length]


@dataclass(frozen=True, slots=True)
class Pseudonym:
    """Fills ``template`` (``{label}``, ``{n}``, ``{id}``); ``{id}`` is keyed, so stable across runs.

    The id depends on the canonical form, so an alias ("Anna" after "Anna Lind")
    gets the id of the full name.
    """

    key: bytes = field(repr=False)
    template: str = "[{label}_{id}]"
    length: int = 8

    def __post_init__(self) -> None:
        check_key(self.key)

    def replace(self, target: Target) -> str:
        canonical = target.canonical or target.surface
        identity = pseudonym_id(self.key, target.label, canonical, length=self.length)
        return self.template.format(label=target.label, n=target.number, id=identity)
