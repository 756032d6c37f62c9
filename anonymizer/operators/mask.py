from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anonymizer.operators import Operator, ParamError, Target


@dataclass(frozen=True, slots=True)
class Mask(Operator):
    """One ``char`` per character, so the layout of the text keeps its length."""

    name = "mask"
    params = ("char",)

    char: str = "*"

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        char = params.get("char", "*")
        if not isinstance(char, str) or len(char) != 1:
            raise ParamError("char", "must be a single character")
        return {"char": char}

    def replace(self, target: Target) -> str:
        return self.char * len(target.surface)
