"""NFC copies of text with a map back to the original's offsets.

Text written decomposed (NFD, as macOS writes it: "o" + U+0308 for "ö") splits words
at the combining marks for the tokenizer, the tagger and the word lists, so detection
runs on the composed (NFC) copy and its spans are mapped back. The copy that
:func:`nfc_copy` makes for detection also evens out what people paste into numbers,
names and addresses: invisible characters (zero-width space and joiners, soft hyphen,
word joiner, byte-order mark, direction marks) join the character before them and
vanish from the copy, other hyphens and the minus sign become "-", and fullwidth digits,
letters and signs their ASCII forms. Imports nothing from the package.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Below U+0300 every character is a starter that composes with nothing before it.
_FIRST_MARK = "\u0300"
# Characters that show nothing but split a number, a name or an address for a pattern.
INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_DASHES = "\u2010\u2011\u2012\u2212\ufe63\uff0d"
_SEPARATORS: dict[int, str | None] = {
    **{ord(char): None for char in INVISIBLE},
    **{ord(char): "-" for char in _DASHES},
    **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if code != 0xFF0D},  # fullwidth
    0x3000: " ",  # ideographic space
}
_SPECIAL = frozenset(map(chr, _SEPARATORS))


def _has_special(text: str) -> bool:
    return not _SPECIAL.isdisjoint(text)


def nfc_with_offsets(text: str, *, separators: bool = False) -> tuple[str, list[int], list[int]]:
    """``text`` in NFC, with where each of its characters came from in ``text``.

    ``text`` is composed piece by piece: a piece is a starter with the combining marks
    after it (and the starters it composes with, as Hangul jamo do). ``starts[i]`` and
    ``ends[i]`` are the offsets in ``text`` of the piece that gave character ``i``, so a
    span of the NFC text maps back to whole characters, a base letter with its marks.
    NFC text maps to itself. Linear in the length of ``text``.

    ``separators``: also map the separators and drop the invisible characters (see the
    module's docstring); an invisible character belongs to the piece before it.
    """
    size = len(text)
    separators = separators and _has_special(text)
    if unicodedata.is_normalized("NFC", text) and not separators:
        offsets = list(range(size))
        return text, offsets, [offset + 1 for offset in offsets]
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    start = 0
    for index in range(1, size + 1):
        if index < size and not _starts_piece(text, start, index, separators):
            continue
        piece = text[start:index]
        if len(piece) > 1 or piece >= _FIRST_MARK:
            piece = unicodedata.normalize("NFC", piece)
        if separators:
            piece = piece.translate(_SEPARATORS) or piece  # an invisible first character stays
        pieces.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([index] * len(piece))
        start = index
    return "".join(pieces), starts, ends


def to_original(starts: list[int], ends: list[int], start: int, end: int) -> tuple[int, int]:
    """The offsets in the original text of the NFC span ``start:end`` (``end > start``)."""
    return starts[start], ends[end - 1]


@dataclass(frozen=True, slots=True)
class NfcCopy:
    """The NFC copy of a text that is not NFC, and the offsets between the two.

    ``starts``/``ends`` are those of :func:`nfc_with_offsets`; ``floor[i]`` is where the
    piece holding original offset ``i`` begins in the copy and ``ceil[i]`` where the
    piece ending at or after ``i`` ends, so a span maps to the copy without losing a mark.
    """

    text: str
    starts: list[int]
    ends: list[int]
    floor: list[int]
    ceil: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return to_original(self.starts, self.ends, start, end)

    def to_copy(self, start: int, end: int) -> tuple[int, int]:
        """The copy's offsets of the original span ``start:end``, widened to whole pieces."""
        return self.floor[start], self.ceil[end]


def nfc_copy(text: str, *, separators: bool = True) -> NfcCopy | None:
    """``text``'s NFC copy with offsets both ways, its separators evened out (see the module's
    docstring; ``separators=False``: NFC only); None when there is nothing to map."""
    if unicodedata.is_normalized("NFC", text) and not (separators and _has_special(text)):
        return None
    nfc, starts, ends = nfc_with_offsets(text, separators=separators)
    floor = [0] * (len(text) + 1)
    ceil = [0] * (len(text) + 1)
    floor[len(text)] = len(nfc)
    first = 0
    for index in range(1, len(nfc) + 1):
        if index < len(nfc) and starts[index] == starts[first]:
            continue  # still the piece that began at `first`
        piece_start, piece_end = starts[first], ends[first]
        floor[piece_start:piece_end] = [first] * (piece_end - piece_start)
        ceil[piece_start + 1 : piece_end + 1] = [index] * (piece_end - piece_start)
        first = index
    return NfcCopy(nfc, starts, ends, floor, ceil)


def _starts_piece(text: str, start: int, index: int, separators: bool = False) -> bool:
    """Whether ``text[index]`` begins a piece after ``text[start:index]``.

    A character joins the piece when it is a combining mark (or decomposes into one
    first), or when it composes with the starter before it; a starter after a mark is
    blocked from composing, so only a starter after a starter needs the full test.
    """
    char = text[index]
    if separators and char in INVISIBLE:
        return False
    if char < _FIRST_MARK:
        return True
    if unicodedata.combining(char) or unicodedata.combining(unicodedata.normalize("NFD", char)[0]):
        return False
    if unicodedata.combining(text[index - 1]):
        return True
    piece = text[start:index]
    nfc = unicodedata.normalize
    return nfc("NFC", piece + char) == nfc("NFC", piece) + nfc("NFC", char)
