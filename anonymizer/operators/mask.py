from __future__ import annotations

from dataclasses import dataclass

from anonymizer.operators import Target


@dataclass(frozen=True, slots=True)
class Mask:
    """One ``char`` per character, so the layout of the text keeps its length."""

    char: str = "*"

    def replace(self, target: Target) -> str:
        return self.char * len(target.surface)
