"""The one way text is compared: allow and deny lists, ``{n}`` numbering, keyed ids.

NFKC, so text written decomposed (NFD, as macOS writes it) or in compatibility forms
(full-width letters, ligatures) equals its composed form; case-folded; spacing
collapsed. Imports nothing from the package.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFKC and case-folded, spacing kept (NFKC again after folding: folding may decompose)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalise(text: str) -> str:
    """``fold`` with whitespace collapsed: "ANNA  Lind", "anna lind" and NFD "Anna Lind" are one form."""
    return " ".join(fold(text).split())


def fold_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` folded piece by piece, with where each folded character came from.

    A piece is a character and the combining marks after it, so "a" + U+030A folds to
    "å". ``starts[i]`` and ``ends[i]`` are the offsets in ``text`` of the piece that
    gave folded character ``i``, so a match in the folded text maps back to whole
    characters of the original.
    """
    if text.isascii():
        offsets = list(range(len(text)))
        return text.lower(), offsets, [offset + 1 for offset in offsets]
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            piece = fold(text[start:index])
            pieces.append(piece)
            starts.extend([start] * len(piece))
            ends.extend([index] * len(piece))
            start = index
    return "".join(pieces), starts, ends
