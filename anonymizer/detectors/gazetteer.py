"""Name lists as a recall aid: names the tagger missed, taken only with context.

The lists (``rules/gazetteers/*.tsv``, built by ``anonymizer build-gazetteers``)
mark names that are also ordinary words as ``common`` (Björn, Bo, Per, Rosa, Sten).
A capitalised word is never taken on list membership alone:

* ``first-name``: a listed first name followed by capitalised words ("Anna Lind",
  "Anna-Karin Ek"), but no car's make or model ("Kia Niro", "Skoda Octavia"); a
  common first name only before a listed or surname-shaped surname ("Per Andersson",
  not "Till Stockholm"); a first name that is not a common word also alone ("Tove",
  not "Björn", nor "Paris" or "Israel", which are places too), and in a register's
  "Surname, First name" order (not after a kinship word: "Mannen, Kevin Ek");
* ``lower-case-name``: a frequent first name written in lower case, as in chats
  ("ring jonas"), if the raw text never uses it as an ordinary word;
* ``title``: capitalised words after a title or role ("dr Berg", "advokat Sten
  Ek", "handläggare Nilsson"); after a kinship word only a listed first name
  ("sonen Erik", not "sonen Svensk");
* ``signature``: the name line under a closing phrase ("Med vänliga hälsningar"
  / "Anna Lind", "Mvh Anna"), a first name or initials after a slash at the end
  of a line ("ok / anna", "/JS");
* ``chat``: a first name, in any case, speaking at the start of a chat line
  ("[18:02] lena: hej", "hans: ok", "10:03 Henna | Vattenfall: Hej");
* ``place``: a listed place that is not a common word, capitalised ("i Vara" is
  left to the tagger, "Göteborg" is taken);
* ``agency``: the full name of a government agency ("Försäkringskassan").

Spans leave a genitive -s outside when the stem is a listed surname
("Anna Linds" -> "Anna Lind"), as propagation and the gold data do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from anonymizer.gazetteers import NameLists, load_name_lists
from anonymizer.lexicon import load_lexicon
from anonymizer.span import Rank, Span
from anonymizer.text import starts_sentence

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LEXICON = load_lexicon()  # rules/lexicon/sv.toml, [names]
_SURNAME_ENDINGS = _LEXICON.surname_endings
TITLES = _LEXICON.titles
_ABBREVIATED_TITLES = _LEXICON.abbreviated_titles
KINSHIP = _LEXICON.kinship
_NOT_NAMES = _LEXICON.not_names  # case-sensitive
_CLOSING = re.compile(
    r"^\W*(?:(?:med\s+)?(?:vänliga|vänlig|bästa|varma|många|hjärtliga|kärleksfulla)\s+hälsning(?:ar)?"
    r"|hälsningar|hälsning|mvh|vh|m\.v\.h\.?|kram(?:ar)?|hälsar)\b[\s,.!:/-]*",
    re.IGNORECASE,
)
# A speaker at a line's start, perhaps after a time and before "| Company" ("10:03 Henna |
# Vattenfall: Hej!").
_CHAT_SPEAKER = re.compile(
    r"^[ \t]*(?:\[?\d{1,2}[:.]\d{2}(?::\d{2})?\]?[ \t]+)?([^\W\d_]+(?:-[^\W\d_]+)*)"
    r"(?P<company>[ \t]*\|[ \t]*[^\W\d_][^\n:|]{0,40}?)?[ \t]*:(?![/\d])",
    re.MULTILINE,
)
_SLASH_SIGNATURE = re.compile(
    r"(?:^|(?<=\s))//?[ \t]*([^\W\d_]+(?:-[^\W\d_]+)*|[A-ZÅÄÖ]{2,3})[ \t]*$", re.MULTILINE
)
_HEADER_WORDS = _LEXICON.header_words
_VEHICLE_MAKES = _LEXICON.vehicle_makes
_NAME_LINE = re.compile(
    r"^[/\s-]*((?:[A-ZÅÄÖÉ][^\W\d_]*(?:-[A-ZÅÄÖÉ][^\W\d_]*)?\.?)(?:[ \t]+[A-ZÅÄÖÉ][^\W\d_]*"
    r"(?:-[A-ZÅÄÖÉ][^\W\d_]*)?\.?){0,3})[\s,]*$"
)


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str


def _capitalised(word: str) -> bool:
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    """One space between two words: no punctuation, no line break, and no column gap (a tab,
    or two spaces or more: :func:`anonymizer.text.column_gap`)."""
    return text[left.end : right.start] == " "


# What a place's name may end in: its central station ("Kalmar C") or its mill
# ("Gimo bruk", a locality named after its ironworks).
_PLACE_TAIL = re.compile(r"[^\S\n](?:C(?![\w-])|bruk(?![\w-]))")


class GazetteerDetector:
    """Finds PER, LOC and ORG with the shipped name lists and context rules (no model)."""

    name = "gazetteer"
    rank = Rank.LIST
    labels = frozenset({"PER", "LOC", "ORG"})

    def __init__(self, *, score: float = 0.7, lists: NameLists | None = None) -> None:
        self.score = score
        self.lists = lists or load_name_lists()
        self._place_names = frozenset(self.lists.places)
        self._all_names = self.lists.all_surnames | self.lists.first_names
        # Places and agencies by their words, looked up per run of words (not one
        # regular expression with thousands of alternatives).
        self._known: dict[str, tuple[str, str]] = {name: ("LOC", "place") for name in self.lists.places}
        self._known.update((name, ("ORG", "agency")) for name in self.lists.agencies)
        self._longest = max((len(_WORD.findall(name)) for name in self._known), default=0)

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        words = [_Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        spans = [
            *self._names(text, words),
            *self._signatures(text),
            *self._chat_and_slash(text),
            *self._places_and_agencies(text, words),
        ]
        return sorted(set(spans))

    def _places_and_agencies(self, text: str, words: Sequence[_Word]) -> Iterator[Span]:
        """The longest listed name at each word ("Upplands Väsby" before "Upplands")."""
        index = 0
        while index < len(words):
            for count in range(min(self._longest, len(words) - index), 0, -1):
                start, end = words[index].start, words[index + count - 1].end
                surface = text[start:end]
                if "\n" in surface:
                    continue
                found = self._known.get(" ".join(surface.split()))
                if found is not None:
                    label, kind = found
                    if label == "LOC" and (tail := _PLACE_TAIL.match(text, end)):
                        end = tail.end()  # "Kalmar C", "Gimo bruk"
                    yield Span(start, end, label, self.score * 0.9, f"gazetteer:{kind}", rank=self.rank)
                    index += count
                    break
            else:
                # One-word agencies also in lower or upper case ("försäkringskassan", "SKATTEVERKET")
                # when the raw text seldom writes them in lower case (not "polisen", "kronofogden").
                if words[index].text.casefold() in self.lists.any_case_agencies:
                    start, end = words[index].start, words[index].end
                    yield Span(start, end, "ORG", self.score * 0.9, "gazetteer:agency", rank=self.rank)
                index += 1

    def _is_first_name(self, word: str) -> bool:
        return word in self.lists.first_names or (
            "-" in word and all(part in self.lists.first_names for part in word.split("-"))
        )

    def _surname_like(self, word: str) -> bool:
        if word in self.lists.surnames:
            return True
        shaped = len(word) > 4 and word.lower().endswith(_SURNAME_ENDINGS)
        return shaped and word not in self._place_names

    def _strip_genitive(self, word: _Word) -> _Word:
        stem = word.text[:-1]
        known = self._all_names
        if word.text.endswith("s") and word.text not in known and (stem in known or self._surname_like(stem)):
            return _Word(word.start, word.end - 1, stem)
        return word

    def _name_run(
        self, text: str, words: Sequence[_Word], first: int, *, limit: int = 3, after_title: bool = False
    ) -> list[_Word]:
        """Capitalised words right after ``words[first - 1]`` on the same line.

        ``after_title``: the first word may follow a period ("dr. Berg").
        """
        run: list[_Word] = []
        for word in words[first : first + limit]:
            previous = run[-1] if run else words[first - 1]
            gap = text[previous.end : word.start]
            loose = after_title and not run and gap.strip(" \t") == "."
            if not (loose or _adjacent(text, previous, word)):
                break
            if not _capitalised(word.text) or word.text in _NOT_NAMES:
                break
            run.append(word)
        return run

    def _names(self, text: str, words: Sequence[_Word]) -> Iterator[Span]:
        for index, word in enumerate(words):
            folded = word.text.casefold()
            is_title = folded in TITLES or folded in KINSHIP
            if is_title and index + 1 < len(words):
                gap = text[word.end : words[index + 1].start]
                abbreviated = folded in _ABBREVIATED_TITLES and gap.strip(" \t") == "."  # "dr. Berg"
                if abbreviated or not gap.strip(" \t"):
                    run = self._name_run(text, words, index + 1, after_title=abbreviated)
                    if folded not in TITLES:
                        run = run if run and self._is_first_name(run[0].text) else []
                    if run:
                        last = self._strip_genitive(run[-1])
                        yield Span(
                            run[0].start, last.end, "PER", self.score, "gazetteer:title", rank=self.rank
                        )
            if word.text.casefold() in self.lists.lower_case_names and word.text.islower():
                yield Span(
                    word.start, word.end, "PER", self.score * 0.7, "gazetteer:lower-case-name", rank=self.rank
                )
                continue
            if not _capitalised(word.text):
                continue
            if not self._is_first_name(word.text):
                stem = word.text[:-1]
                genitive = word.text.endswith("s") and self._is_first_name(stem)
                if genitive and stem not in self.lists.common_first_names and stem not in self._place_names:
                    yield Span(
                        word.start,
                        word.end - 1,
                        "PER",
                        self.score * 0.85,
                        "gazetteer:first-name",
                        rank=self.rank,
                    )
                continue
            if self._car(text, words, index):
                continue
            common = word.text in self.lists.common_first_names
            surname = self._register_surname(text, words, index)
            start = surname.start if surname else word.start
            run = self._name_run(text, words, index + 1)
            if not run:
                if surname or (not common and word.text not in self._place_names):
                    score = self.score if surname else self.score * 0.85
                    yield Span(start, word.end, "PER", score, "gazetteer:first-name", rank=self.rank)
                continue
            if not surname and self.lists.rare_word_name(word.text) and self._is_first_name(run[0].text):
                continue  # "Till Eva Nilsson": the name starts at "Eva"
            last = self._strip_genitive(run[-1])
            if common and not surname and starts_sentence(text, start) and not self._surname_like(last.text):
                continue  # "Till Stockholm", "Per Capita"
            if text[word.start : last.end] in self._place_names:
                continue  # "Sri Lanka", "San Marino"
            yield Span(start, last.end, "PER", self.score, "gazetteer:first-name", rank=self.rank)

    def _car(self, text: str, words: Sequence[_Word], index: int) -> bool:
        """Whether the first name ``words[index]`` is a car's make or model: a make before one
        capitalised word that is no listed name ("Kia Niro", not "Kia Lind" nor "Kia Center
        Lerum"), or a model after a make ("Skoda Octavia")."""
        word = words[index]
        if index > 0 and words[index - 1].text.casefold() in _VEHICLE_MAKES:
            return _adjacent(text, words[index - 1], word)
        if word.text.casefold() not in _VEHICLE_MAKES or index + 1 >= len(words):
            return False
        model = words[index + 1]
        if not _adjacent(text, word, model) or len(self._name_run(text, words, index + 1)) != 1:
            return False  # "Kia Center Lerum": a dealer, left to the name run
        return not (self._is_first_name(model.text) or model.text in self.lists.all_surnames)

    def _register_surname(self, text: str, words: Sequence[_Word], index: int) -> _Word | None:
        """The surname of a register's "Haddad, Yusuf" order, at the start of a line or field."""
        if index == 0:
            return None
        surname = words[index - 1]
        if (
            text[surname.end : words[index].start].strip(" \t") == ","
            and _capitalised(surname.text)
            and starts_sentence(text, surname.start)
            and surname.text not in self._place_names
            and surname.text not in _NOT_NAMES
            and surname.text not in self.lists.first_names
            and surname.text.casefold() not in KINSHIP | TITLES  # "Mannen, Kevin Ek"
        ):
            return surname
        return None

    def _chat_and_slash(self, text: str) -> Iterator[Span]:
        for pattern, kind in ((_CHAT_SPEAKER, "chat"), (_SLASH_SIGNATURE, "signature")):
            for match in pattern.finditer(text):
                name = match.group(1)
                initials = kind == "signature" and name.isupper() and len(name) <= 3
                if name.casefold() in _HEADER_WORDS or not (
                    initials or self._is_first_name(name.capitalize())
                ):
                    continue
                if (
                    kind == "chat"
                    and self.lists.rare_word_name(name)
                    and not match.groupdict().get("company")
                ):
                    continue  # "Mentor: Ebba Ros" is a field, not a speaker; "Henna | Telia:" is one
                start, end = match.span(1)
                yield Span(start, end, "PER", self.score * 0.85, f"gazetteer:{kind}", rank=self.rank)

    def _signatures(self, text: str) -> Iterator[Span]:
        offset = 0
        expect_name = False
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            closing = _CLOSING.match(body)
            if closing:
                rest = body[closing.end() :]
                name = _NAME_LINE.match(rest) if rest.strip() else None
                if name:
                    yield self._signature_span(offset + closing.end(), name)
                expect_name = not rest.strip()
            elif expect_name and body.strip():
                name = _NAME_LINE.match(body)
                if name and not _CLOSING.match(name.group(1)):
                    yield self._signature_span(offset, name)
                expect_name = False
            offset += len(line)

    def _signature_span(self, base: int, match: re.Match[str]) -> Span:
        start = match.start(1)
        value = match.group(1).rstrip(".")
        return Span(
            base + start, base + start + len(value), "PER", self.score, "gazetteer:signature", rank=self.rank
        )
