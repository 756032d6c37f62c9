from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Operator, Target


@dataclass(frozen=True, slots=True)
class Remove(Operator):
    name = "remove"

    def replace(self, target: Target) -> str:
        return ""
