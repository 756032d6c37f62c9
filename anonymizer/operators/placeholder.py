from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Target


@dataclass(frozen=True, slots=True)
class Placeholder:
    """``[{label}_{n}]`` style templates (``{id}`` needs the pseudonym operator)."""

    template: str

    def replace(self, target: Target) -> str:
        return self.template.format(label=target.label, n=target.number)
