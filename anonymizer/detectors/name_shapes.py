"""Names found by where they stand, not by what they are.

* a chat speaker: a line that opens with a short name, a time stamp and a colon
  ("Jossan 19:22: ...", "[08:33] kalle: ..."), or, in a chat of three such lines or
  more, a name and a colon ("mirre: ...");
* initials or a name after a signature mark ("Sign. TL", "Kontroll: NP / attest");
* the value of a name field ("Kassör: Stig Ek", "Säljare: Bo");
* two listed first names joined by "och" ("Lisa och Bo");
* a nickname in quotes inside a name ("Johanna \"Jossan\" Björk");
* a name written in lower case that is no ordinary word: a listed first name ("med
  amira"), a listed place after a preposition of place ("till visby").

By default a speaker or field value must look like a name (a listed first name or
surname, or a word the common-word table does not know as an ordinary word);
``strict`` (the strict preset's ``rules.name_fields``) also takes an ordinary word that
is often capitalised ("Stig", "Sten"), never a role or heading word. The field, mark and role words are data
(``rules/name_shapes.toml``). Pure after loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from anonymizer.common_words import WordCase, load_word_cases
from anonymizer.config import shipped_file
from anonymizer.detectors.alternation import first_letters
from anonymizer.errors import ConfigError
from anonymizer.gazetteers import load_name_lists
from anonymizer.span import Rank, Span
from anonymizer.toml_files import read_toml

__all__ = ["NameShapeDetector", "NameShapeWords", "load_name_shape_words"]

SCORE = 0.8
# Strict: a field value or speaker that the raw text writes in lower case less often than
# this is a name ("Stig", "Bo", "Sten"); above it, an ordinary word ("Ingen", "Mamma").
_STRICT_SHARE = 0.9
_STAMP = r"\[?\d{1,2}[:.]\d{2}(?::\d{2})?\]?"
_NAME = r"[^\W\d_][\w.\-']{0,30}"
_CAPITALISED = r"[A-ZÅÄÖÉÜ][\w'\-]*"
_SPEAKER = re.compile(
    rf"(?m)^[^\S\n]*(?:(?P<before>{_STAMP})[^\S\n]+)?(?P<value>{_NAME}(?:[^\S\n]{_CAPITALISED})?)"
    rf"(?:[^\S\n]+(?P<after>{_STAMP}))?[^\S\n]*:[^\S\n]"
)
_PAIR = re.compile(
    rf"(?<![\w-])(?P<first>{_CAPITALISED})[^\S\n]+och[^\S\n]+(?P<second>{_CAPITALISED})(?![\w-])"
)
_NICKNAME = re.compile(
    rf"(?<![\w-]){_CAPITALISED}[^\S\n]+[\"\u201c\u201d\u00bb'](?P<nick>[A-ZÅÄÖ][\w\-]*)[\"\u201c\u201d\u00ab']"
    rf"[^\S\n]+{_CAPITALISED}(?:[^\S\n]+{_CAPITALISED})?"
)
# A lower-case word, after a preposition of place or not.
_LOWER_WORD = re.compile(
    r"(?<![\w.@/-])(?:(?P<place>(?:i|till|från|vid|mot|utanför|nära)[^\S\n]+))?"
    r"(?P<word>[a-zåäöéü]{3,})(?![\w@/-]|\.\w)"
)
# A lower-case word is a name only when the raw text writes it in lower case less often.
_LOWER_NAME_SHARE = 0.3
# ... and, for a first name, when it is no ordinary word and this many people carry it.
_LOWER_NAME_BEARERS = 100
_NOT_IN_NAME = frozenset({"och", "i", "på", "för", "av", "med", "till", "från"})


@dataclass(frozen=True)
class NameShapeWords:
    fields: frozenset[str]
    signature_marks: frozenset[str]
    not_speakers: frozenset[str]


def load_name_shape_words(path: Path | None = None) -> NameShapeWords:
    """The words of ``path`` (default: the shipped ``rules/name_shapes.toml``)."""
    return _load(path or shipped_file("rules", "name_shapes.toml"))


@lru_cache(maxsize=4)
def _load(path: Path) -> NameShapeWords:
    raw = read_toml(path, "name-shape word file")
    lists = {}
    for key in ("fields", "signature_marks", "not_speakers"):
        words = raw.get(key)
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
            raise ConfigError(f"{path}: {key}: expected a list of non-empty lower-case words")
        lists[key] = frozenset(word.casefold() for word in words)
    return NameShapeWords(lists["fields"], lists["signature_marks"], lists["not_speakers"])


class NameShapeDetector:
    """PER spans of chat speakers, signatures, name fields, name pairs and nicknames."""

    name = "name-shapes"
    rank = Rank.RULE
    labels = frozenset({"PER", "LOC"})

    def __init__(
        self,
        *,
        words: NameShapeWords,
        first_names: frozenset[str],
        surnames: frozenset[str],
        common: Mapping[str, WordCase],
        places: frozenset[str] = frozenset(),
        lower_case_names: frozenset[str] = frozenset(),
        strict: bool = False,
    ) -> None:
        self.words = words
        self.first_names = first_names
        self.surnames = surnames
        self.places = places
        self.lower_case_names = lower_case_names
        self.common = common
        self.strict = strict
        fields = "|".join(
            r"[^\S\n]+".join(map(re.escape, f.split())) for f in sorted(words.fields, key=len)[::-1]
        )
        self._field = re.compile(
            rf"(?={first_letters(words.fields)})(?<![\w-])(?i:{fields})[^\S\n]*:[^\S\n]*(?P<value>{_CAPITALISED}(?:[^\S\n]+{_CAPITALISED}){{0,3}})"
        )
        marks = "|".join(
            r"[^\S\n]+".join(map(re.escape, m.split())) for m in sorted(words.signature_marks, key=len)[::-1]
        )
        self._signature = re.compile(
            rf"(?={first_letters(words.signature_marks)})(?<![\w-])(?i:{marks})\.?[^\S\n]*:?[^\S\n]*"
            rf"(?P<value>[A-ZÅÄÖ]{{2,3}}(?![\w-])|{_CAPITALISED}(?:[^\S\n]+[A-ZÅÄÖ](?:[a-zåäö]+|\.)?(?![\w-]))?)"
        )

    @classmethod
    def load(cls, *, strict: bool = False) -> NameShapeDetector:
        """With the shipped word file, name lists and common-word table."""
        lists = load_name_lists()
        return cls(
            words=load_name_shape_words(),
            first_names=lists.folded_first_names,
            surnames=lists.folded_surnames,
            places=frozenset(place.casefold() for place in lists.places),  # no ordinary words
            lower_case_names=frozenset(
                name.casefold()
                for name in lists.first_names
                if name not in lists.common_first_names and lists.bearers.get(name, 0) >= _LOWER_NAME_BEARERS
            ),
            common=load_word_cases(),
            strict=strict,
        )

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        found = [*self._speakers(text), *self._signatures(text), *self._fields(text), *self._pairs(text)]
        found.extend((m.start("nick"), m.end("nick")) for m in _NICKNAME.finditer(text))
        spans = {Span(start, end, "PER", SCORE, "rule:name_shape", rank=Rank.RULE) for start, end in found}
        spans.update(
            Span(start, end, label, SCORE, "rule:name_shape", rank=Rank.RULE)
            for start, end, label in self._lower_case(text)
        )
        return sorted(spans)

    def _namelike(self, word: str) -> bool:
        """A listed first name or surname, or a word not known as an ordinary word."""
        folded = word.casefold().rstrip(".")
        if folded in self.first_names or folded in self.surnames:
            return True
        counts = self.common.get(folded)
        return counts is None or (word[:1].isupper() and counts.lower_share < 0.3)

    def _value(self, value: str) -> bool:
        words = value.split()
        if any(char.isdigit() for char in value):
            return False
        if not words or words[0].casefold() in self.words.not_speakers or words[0].casefold() in _NOT_IN_NAME:
            return False
        if self._namelike(words[0]):
            return True
        counts = self.common.get(words[0].casefold())  # strict: an ordinary word used as a name
        return self.strict and counts is not None and counts.lower_share < _STRICT_SHARE

    def _speakers(self, text: str) -> Iterator[tuple[int, int]]:
        if ":" not in text:
            return
        matches = [m for m in _SPEAKER.finditer(text) if self._value(m.group("value"))]
        chat = len(matches) >= 3
        for match in matches:
            if (
                match.group("before")
                or match.group("after")
                or (chat and self._chat_name(match.group("value")))
            ):
                yield match.start("value"), match.end("value")

    def _chat_name(self, value: str) -> bool:
        """A speaker without a time stamp: a listed first name, or a lower-case word that is
        no ordinary word ("mirre:"); a capitalised unknown word is a form's label ("Besöksdatum:")."""
        first = value.split()[0]
        folded = first.casefold()
        return folded in self.first_names or (first[:1].islower() and folded not in self.common)

    def _signatures(self, text: str) -> Iterator[tuple[int, int]]:
        for match in self._signature.finditer(text):
            value = match.group("value")
            if value.isupper() or self._value(value):
                yield match.start("value"), match.end("value")

    def _fields(self, text: str) -> Iterator[tuple[int, int]]:
        for match in self._field.finditer(text):
            value = match.group("value")
            words = value.split()
            while words and words[-1].casefold() in _NOT_IN_NAME:
                words.pop()
            if words and self._value(" ".join(words)):
                end = match.start("value") + len(" ".join(words)) if len(words) == 1 else match.end("value")
                yield match.start("value"), end

    def _lower_case(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Names written in lower case, as chats do, that the raw text almost never writes
        in lower case: a listed first name that is no ordinary word and that a hundred
        people carry ("med amira"; not "rosa", "björn"), a listed place that is no ordinary
        word after a preposition of place ("till visby")."""
        for match in _LOWER_WORD.finditer(text):
            word = match.group("word")
            if word in self.lower_case_names and word not in self.words.not_speakers:
                label = "PER"
            elif match.group("place") and word in self.places:
                label = "LOC"
            else:
                continue
            counts = self.common.get(word)
            if counts is None or counts.lower_share < _LOWER_NAME_SHARE:
                yield match.start("word"), match.end("word"), label

    def _pairs(self, text: str) -> Iterator[tuple[int, int]]:
        for match in _PAIR.finditer(text):
            first, second = match.group("first").casefold(), match.group("second").casefold()
            if first in self.first_names and second in self.first_names:
                yield match.start("first"), match.end("first")
                yield match.start("second"), match.end("second")
