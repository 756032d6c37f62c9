from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Placeholder:
    """``[{label}_{n}]`` style templates."""

    template: str

    def replace(self, surface: str, *, label: str, number: int) -> str:
        return self.template.format(label=label, n=number)
