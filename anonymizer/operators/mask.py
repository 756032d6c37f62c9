from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mask:
    """One ``char`` per character, so the layout of the text keeps its length."""

    char: str = "*"

    def replace(self, surface: str, *, label: str, number: int) -> str:
        return self.char * len(surface)
