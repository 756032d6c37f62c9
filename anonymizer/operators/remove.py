from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Remove:
    def replace(self, surface: str, *, label: str, number: int) -> str:
        return ""
