"""Sentence splitting and tokenization with character offsets into the original text.

Pure functions, no model: the tagger sees tokens, every later stage sees offsets.
The token shapes follow the training corpora (``t.ex.``, ``EU:s``, ``1800-talet``,
``dn.se``), so the model gets input that looks like what it learned from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from anonymizer.lexicon import load_lexicon

# Abbreviations that end in a full stop but rarely end a sentence (rules/lexicon/sv.toml).
_LEXICON = load_lexicon()
ABBREVIATIONS = _LEXICON.abbreviations.union(_LEXICON.month_abbreviations, _LEXICON.weekday_abbreviations)

_TOKEN = re.compile(
    r"""
      https?://[^\s<>"]+[^\s<>".,;:!?)\]]          # URL
    | [\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+              # e-mail (a local part has at most 64)
    | (?:[^\W\d_]{1,4}\.){2,}                       # t.ex. bl.a. t.o.m.
    | \d+(?:[.,:/]\d+)+(?:-\w+)?                    # 14.30 2:57 12/3 5.000 1964:58
    | \d+(?:-\d+)*(?:-[^\W\d_]+)?(?::[^\W\d_]+)?   # 2021-03-12 1800-talet 13:e
    | [^\W\d_][\w\u00AD]*(?:[-:'\u2019][\w\u00AD]+)*-?  # words, EU:s, S-ledaren, yrkes-
    | \w+                                           # anything else word-like (_ 2x)
    | \.{2,}|…                                      # ellipsis
    | \S                                            # any other single character
    """,
    re.VERBOSE,
)
_SPACE = re.compile(r"\s+")
_DOMAIN_TAIL = re.compile(r"\.(?:se|com|nu|org|net|eu)\b", re.IGNORECASE)
_DOMAIN_THEN_STOP = re.compile(r"[^\W\d_]+\.(?:se|com|nu|org|net|eu)\.", re.IGNORECASE)
_SENTENCE_END = frozenset({".", "!", "?", "…", "..."})
# What may stand before a sentence's first word (after optional spaces): an end mark,
# a line break, an opening quote, a dash or a list bullet.
_SENTENCE_OPENERS = frozenset(".!?:;\n\r\"'»”«\u2013\u2014-*•([")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into ``text``."""
    stop = len(text) if end is None else end
    tokens: list[Token] = []
    position = start
    while True:
        gap = _SPACE.match(text, position, stop)
        position = gap.end() if gap else position
        match = _TOKEN.match(text, position, stop)
        if match is None:
            return tokens
        a, b = match.span()
        piece = match.group()
        if _DOMAIN_THEN_STOP.fullmatch(piece):
            b -= 1  # "gp.se." is a domain and a full stop, not an abbreviation
        elif (tail := _DOMAIN_TAIL.match(text, b, stop)) and piece[-1].isalnum():
            b = tail.end()  # DN.se, gp.se stay one token as in the corpora
        elif not piece.endswith(".") and text.startswith(".", b) and b < stop and _is_abbreviation(piece):
            b += 1  # "kl." "nr." keep their full stop
        tokens.append(Token(a, b, text[a:b]))
        position = b


def starts_sentence(text: str, start: int) -> bool:
    """Whether only spaces and a sentence or line start precede ``start`` (no prefix copy:
    this runs for every capitalised word of a possibly long record)."""
    index = start - 1
    while index >= 0 and text[index] in " \t":
        index -= 1
    return index < 0 or text[index] in _SENTENCE_OPENERS


def column_gap(text: str, end: int, start: int) -> bool:
    """Whether ``text[end:start]``, the space between two words, holds a tab or two spaces
    or more: where tables and forms put their columns ("Anna Berg      Bo Lind")."""
    between = text[end:start]
    return "\t" in between or "  " in between


def _is_abbreviation(word: str) -> bool:
    return word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str, *, max_tokens: int = 120) -> Iterator[list[Token]]:
    """Yield the tokens of each sentence. Lines are never joined; long runs are cut."""
    for line in re.finditer(r"[^\n]+", text):
        current: list[Token] = []
        tokens = tokenize(text, line.start(), line.end())
        for index, token in enumerate(tokens):
            current.append(token)
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if len(current) >= max_tokens or _ends_sentence(token, following):
                yield current
                current = []
        if current:
            yield current


def _ends_sentence(token: Token, following: Token | None) -> bool:
    if following is None:
        return False
    # "kl." and "t.ex." are single tokens, so only a bare "." "!" "?" ends a sentence.
    if token.text in _SENTENCE_END:
        first = following.text[0]
        return first.isupper() or first.isdigit() or first in "\"\u201d\u00bb'\u2013-"
    return False
