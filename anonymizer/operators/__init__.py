"""Replacement operators, one module each. An operator maps a span to its replacement.

Every operator gets a :class:`Target`: the surface text, its label, its number in
the document and its canonical form. Keyed operators (pseudonym, surrogate, hash)
also get the secret key at construction; the same key gives the same output for the
same canonical form across rows, files and runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Target:
    """What an operator replaces.

    ``number`` is the 1-based index of the entity among the distinct entities of its
    label seen so far in the document. ``canonical`` is the normalised surface of the
    entity it refers to: for "Anna" after "Anna Lind" it is ``"anna lind"``, so keyed
    operators give both mentions one identity.
    """

    surface: str
    label: str
    number: int
    canonical: str


class Operator(Protocol):
    def replace(self, target: Target) -> str: ...


__all__ = ["Operator", "Target"]
