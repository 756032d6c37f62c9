from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Operator, Target


@dataclass(frozen=True, slots=True)
class Keep(Operator):
    """Leaves the span as it is: it is still detected and audited, just not redacted."""

    name = "keep"

    def replace(self, target: Target) -> str:
        return target.surface
