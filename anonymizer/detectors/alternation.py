"""Regular-expression alternations of literal words, as the time rules build them.

Pure string functions; imports nothing from the package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(words: str | Iterable[str], *, space: str) -> str:
    """Alternation of literal text that prefers the longest; a string holds ``|``-separated ones.

    A space inside an alternative matches ``space`` (a trailing one too: "mors " + "dag").
    Words of letters are folded into a prefix tree, since ``re`` tries a flat alternation
    one branch at a time; the rest ("t.o.m.") is escaped and ordered longest first.
    """
    items = set(words.split("|") if isinstance(words, str) else words)
    if all(re.fullmatch(r"[^\W\d_ ]*", item.replace(" ", "")) for item in items):
        return _prefix_tree(sorted(items), space)
    ordered = sorted(items, key=lambda item: (-len(item), item))  # the same pattern in every process
    return "(?:" + "|".join(re.escape(item).replace(r"\ ", space) for item in ordered) + ")"


def _prefix_tree(words: list[str], space: str) -> str:
    """``["dag", "dagar", "dygn"]`` -> ``d(?:ag(?:ar)?|ygn)``; longer branches come first."""
    branches: dict[str, list[str]] = {}
    for word in words:
        if word:
            branches.setdefault(word[0], []).append(word)
    parts = []
    for group in branches.values():
        prefix = _common_prefix(group)
        rest = _prefix_tree([word[len(prefix) :] for word in group], space)
        parts.append(prefix.replace(" ", space) + rest)
    if not parts:
        return ""
    body = "(?:" + "|".join(parts) + ")"
    return body + "?" if "" in words else body


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def first_letters(words: Iterable[str]) -> str:
    """A character set of the first letters of ``words`` in both cases, to put in a lookahead
    before an alternation of them: the regex engine then skips other positions fast."""
    firsts = {word[0] for word in words}
    return "[" + re.escape("".join(sorted(firsts | {f.upper() for f in firsts}))) + "]"
