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
    """Yield the tokens of each sentence; long runs are cut.

    A line is its own unit unless it was cut inside a sentence (:func:`wrapped`): a
    hard-wrapped line of prose, or a line that ends in a name whose surname is alone at
    the start of the next ("...skrev Anna\nLindqvist i går"). Offsets stay those of
    ``text``: a sentence may then hold a line break between two tokens.
    """
    for tokens in _paragraph_lines(text):
        current: list[Token] = []
        for index, token in enumerate(tokens):
            current.append(token)
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if len(current) >= max_tokens or _ends_sentence(token, following):
                yield current
                current = []
        if current:
            yield current


def _paragraph_lines(text: str) -> Iterator[list[Token]]:
    """The tokens of each line, a line cut inside a sentence joined with the next."""
    joined: list[Token] = []
    previous = ""
    lines = list(_LINE.finditer(text))
    width = max((len(line.group().rstrip()) for line in lines), default=0)
    for line in lines:
        tokens = tokenize(text, line.start(), line.end())
        if not tokens:
            continue
        adjacent = joined and text.count("\n", joined[-1].end, tokens[0].start) == 1
        if adjacent and wrapped(previous, line.group(), joined, tokens, width=width):
            joined.extend(tokens)
        else:
            if joined:
                yield joined
            joined = tokens
        previous = line.group()
    if joined:
        yield joined


def wrapped(line: str, following: str, tokens: list[Token], next_tokens: list[Token], *, width: int) -> bool:
    """Whether ``line`` (its ``tokens``) was cut inside a sentence that goes on in ``following``.

    Both must meet with words, the line must not be a table row, and the next not a
    field, a chat line, a list item or a heading. Then either the line was wrapped: it is
    40 characters or more and the next line's first word would not have fitted on it
    within ``width``, the widest line of the text (hard-wrapped mail); or it is cut inside
    a quoted cell, ending in a capitalised word, with the next line opening with a
    capitalised word standing alone ('"Anna\nLindqvist"').
    """
    last, first = tokens[-1].text, next_tokens[0].text
    if not (last[0].isalpha() and first[0].isalpha()) or (last.isupper() and len(last) > 1):
        return False
    if "\t" in line or line.count(";") >= 2 or line.count("|") >= 2 or _FIELD_LINE.match(following):
        return False
    length = len(line.rstrip())
    if length >= _WRAPPED_LINE and length + 1 + len(first) > width:
        return not following.lstrip().isupper()
    alone = len(next_tokens) == 1 or not next_tokens[1].text[0].isalnum()
    quoted = line.count('"') % 2 == 1
    return quoted and last[0].isupper() and first[0].isupper() and alone


_LINE = re.compile(r"[^\n]+")
_WRAPPED_LINE = 40
# A line that opens a field, a chat turn or a list item: "Namn: ...", "Anna 19:22: ...", "- ...".
_FIELD_LINE = re.compile(
    r"[^\S\n]*(?:[-*•\u2013>]|\d|[\w.\-]+(?:[^\S\n][\w.\-]+)?[^\S\n]*(?:\d{1,2}[:.]\d{2}[^\S\n]*)?:)"
)


def _ends_sentence(token: Token, following: Token | None) -> bool:
    if following is None:
        return False
    # "kl." and "t.ex." are single tokens, so only a bare "." "!" "?" ends a sentence.
    if token.text in _SENTENCE_END:
        first = following.text[0]
        return first.isupper() or first.isdigit() or first in "\"\u201d\u00bb'\u2013-"
    return False
