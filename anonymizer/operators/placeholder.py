from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anonymizer.operators import Operator, Target, length_param, template_param
from anonymizer.operators.pseudonym import DEFAULT_LENGTH, Pseudonym

DEFAULT_TEMPLATE = "[{label}_{n}]"


@dataclass(frozen=True, slots=True)
class Placeholder(Operator):
    """``[{label}_{n}]`` style templates.

    A template with ``{id}`` makes it a :class:`Pseudonym` (keyed; ``length`` hex digits).
    """

    name = "placeholder"
    params = ("template", "length")

    template: str = DEFAULT_TEMPLATE

    @classmethod
    def configure(cls, params: Mapping[str, Any]) -> tuple[type[Operator], dict[str, Any]]:
        template, fields = template_param(params, DEFAULT_TEMPLATE)
        length = length_param(params, DEFAULT_LENGTH)
        if "id" in fields:
            return Pseudonym, {"template": template, "length": length}
        return cls, {"template": template}

    def replace(self, target: Target) -> str:
        return self.template.format(label=target.label, n=target.number)
