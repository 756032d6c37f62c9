from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Target


@dataclass(frozen=True, slots=True)
class Keep:
    """Leaves the span as it is: it is still detected and audited, just not redacted."""

    def replace(self, target: Target) -> str:
        return target.surface
