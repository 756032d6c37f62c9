from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Target


@dataclass(frozen=True, slots=True)
class Remove:
    def replace(self, target: Target) -> str:
        return ""
