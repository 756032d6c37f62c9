from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from anonymizer.normalise import normalise
from anonymizer.operators import Operator, Target, length_param, template_param
from anonymizer.operators.keyed import check_key, keyed_digest

DOMAIN = "anonymizer/pseudonym/v1"
DEFAULT_TEMPLATE = "[{label}_{id}]"
DEFAULT_LENGTH = 8  # hex digits of the id


def pseudonym_id(key: bytes, label: str, canonical: str, *, length: int) -> str:
    """The first ``length`` hex digits of the keyed digest of ``label`` and the canonical form."""
    return keyed_digest(key, DOMAIN, label, normalise(canonical)).hex()[:length]


@dataclass(frozen=True, slots=True)
class Pseudonym(Operator):
    """Fills ``template`` (``{label}``, ``{n}``, ``{id}``); ``{id}`` is keyed, so stable across runs.

    The id depends on the canonical form, so an alias ("Anna" after "Anna Lind")
    gets the id of the full name.
    """

    name = "pseudonym"
    needs_key = True
    params = ("template", "length")

    key: bytes = field(repr=False)
    template: str = DEFAULT_TEMPLATE
    length: int = DEFAULT_LENGTH

    def __post_init__(self) -> None:
        check_key(self.key)

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        template, _ = template_param(params, DEFAULT_TEMPLATE)
        return {"template": template, "length": length_param(params, DEFAULT_LENGTH)}

    def replace(self, target: Target) -> str:
        canonical = target.canonical or target.surface
        identity = pseudonym_id(self.key, target.label, canonical, length=self.length)
        return self.template.format(label=target.label, n=target.number, id=identity)
