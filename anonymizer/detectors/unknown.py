"""The strict preset's recall aid: redact capitalised words not known to be ordinary words.

Philter's idea made Swedish: what the common-word table (:mod:`anonymizer.common_words`,
cased counts from the raw text) does not know as an ordinary word is redacted when
it is written like a name:

* a capitalised word inside a sentence that the raw text writes in lower case less
  than ``common_share`` of the time, or never saw (``Hornstull``, ``Kastanjen``);
* at a sentence or line start only a word the raw text almost never writes in
  lower case (``Kalle ringde``), since any word may start a sentence;
* an all-caps word that is a listed name or place (``ANNA``, ``YSTAD``), or one the
  table does not know that is no compound of ordinary words (``KTH``, ``NORRAN``; not
  ``BESLUT`` nor the heading ``KÖPEKONTRAKT``);
* a name written in lower case, as chats do, that is no ordinary word: a listed first
  name (``amira``), or a listed place after a preposition of place (``till visby``);
* a listed first name in a name position, even when it is an ordinary word
  (``pappa Bo``, ``Dag Berg``): after a title, kinship word or greeting, or before
  a listed surname.

Adjacent flagged words become one span. Its label is a guess from the name lists
(place: LOC; organisation shape: ORG; otherwise PER): the text is hidden whatever
the label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from anonymizer.common_words import WordCase, load_word_cases
from anonymizer.gazetteers import NameLists, load_name_lists
from anonymizer.lexicon import Lexicon, load_lexicon
from anonymizer.span import Rank, Span
from anonymizer.text import starts_sentence

_WORD = re.compile(r"[^\W\d_]+(?:[-:'\u2019][^\W\d_]+)*")
_FUNCTION_WORD_COUNT = 5000
_AMOUNT_BEFORE = re.compile(r"\d[^\S\n]?$")
_PLACE_PREPOSITIONS = frozenset({"i", "till", "från", "vid", "på", "mot", "ur", "utanför", "nära", "genom"})
_SECTION = re.compile(r"§[^\S\n]*\d+[a-z]?[^\S\n]+$")
# At a sentence start only words the raw text writes in lower case less often than this.
_NAME_ONLY_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str


class UnknownWordDetector:
    """Finds PER, LOC and ORG candidates by what the common-word table does not know."""

    name = "rule:unknown"
    rank = Rank.LIST
    labels = frozenset({"PER", "LOC", "ORG"})

    def __init__(
        self,
        *,
        words: Mapping[str, WordCase],
        lists: NameLists,
        lexicon: Lexicon,
        score: float = 0.5,
        common_share: float = 0.3,
        min_count: int = 5,
    ) -> None:
        self.words = words
        self.lists = lists
        self.score = score
        self.common_share = common_share
        self.min_count = min_count
        self._name_position = frozenset(lexicon.titles | lexicon.kinship | lexicon.greetings)
        self._org_endings = lexicon.organisation_endings
        self._org_words = lexicon.organisation_words | lexicon.unit_words
        self._unit_words = lexicon.unit_words
        self._place_endings = lexicon.place_endings
        self._places = frozenset(lists.places)
        self._agencies = frozenset(lists.agencies)
        self._first_names = lists.folded_first_names
        self._surnames = lists.folded_surnames
        self._not_entities = lexicon.not_entities
        self._folded_places = frozenset(place.casefold() for place in lists.places)
        self._makes = lexicon.vehicle_makes

    @classmethod
    def load(cls, *, score: float = 0.5) -> UnknownWordDetector:
        """With the shipped tables and lists."""
        return cls(words=load_word_cases(), lists=load_name_lists(), lexicon=load_lexicon(), score=score)

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        words = [_Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        flagged = [index for index, word in enumerate(words) if self._flag(text, words, index)]
        return [self._span(text, words, run) for run in _runs(text, words, flagged)]

    def _counts(self, word: str) -> WordCase | None:
        folded = word.casefold()
        counts = self.words.get(folded)
        if counts is None and len(folded) > 3:
            # genitive: "Hornstulls", "EU:s"
            base = folded[:-2] if folded.endswith(":s") else folded[:-1] if folded.endswith("s") else None
            counts = self.words.get(base) if base else None
        return counts if counts is not None and counts.total >= self.min_count else None

    def _flag(self, text: str, words: Sequence[_Word], index: int) -> bool:
        word = words[index].text
        if not word[0].isupper():
            return word[0].islower() and self._lower_case_name(words, index)
        if self._not_a_name(text, words, index):
            return False
        counts = self._counts(word)
        if len(word) > 1 and word.isupper():
            if self._listed(word):  # a listed name, unless a function word ("OM", "TILL", "MAN")
                return counts is None or counts.total < _FUNCTION_WORD_COUNT or counts.lower_share < 0.85
            unknown = counts is None or counts.lower_share < self.common_share
            after_amount = _AMOUNT_BEFORE.search(text, max(0, words[index].start - 12), words[index].start)
            short = len(word) < 3 and starts_sentence(text, words[index].start)  # "BT 124/76" in a note
            return unknown and not short and not after_amount and not self._compound(word.casefold())
        if self._in_name_position(words, index):
            return True
        if starts_sentence(text, words[index].start):
            return counts is not None and counts.lower_share < _NAME_ONLY_SHARE
        return counts is None or counts.lower_share < self.common_share

    def _lower_case_name(self, words: Sequence[_Word], index: int) -> bool:
        """A name written in lower case, as chats do: a listed first name, or a listed place
        after a preposition of place ("till visby"), that is no ordinary word."""
        word = words[index].text
        counts = self._counts(word)
        if counts is not None and counts.lower_share >= self.common_share:
            return False
        folded = word.casefold()
        if folded in self._name_position or folded in self._makes:
            return False
        if folded in self._first_names:
            return True
        before = words[index - 1].text.casefold() if index > 0 else ""
        return before in _PLACE_PREPOSITIONS and (
            folded in self._folded_places or word.title() in self._places
        )

    def _compound(self, folded: str) -> bool:
        """Two ordinary words written together ("köpekontrakt", "anslagsbevis"): a heading."""
        for cut in range(3, len(folded) - 2):
            tail = self.words.get(folded[cut:])
            if tail is None or tail.total < self.min_count or tail.lower_share < 0.5:
                continue
            head = folded[:cut]
            linked = head[:-1] if head[-1] in "saeou" else head  # "anslags", "köpe"
            if self._ordinary(head) or self._ordinary(linked):
                return True
        return False

    def _ordinary(self, word: str) -> bool:
        counts = self.words.get(word)
        return counts is not None and counts.total >= self.min_count and counts.lower_share >= 0.5

    def _listed(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self._first_names or folded in self._surnames or folded in self._places

    def _not_a_name(self, text: str, words: Sequence[_Word], index: int) -> bool:
        """Acronyms and services no one is named (lexicon not_entities), the head of an
        acronym compound ("VPN-inloggning"), a key of "KEY=value", the heading after
        a section sign ("§ 4 Vattenskada") and a car model after its make."""
        word = words[index]
        if (
            word.text in self._not_entities
            or text.startswith("=", word.end)
            or word.text.casefold() in self._makes
        ):
            return True
        head, dash, _ = word.text.partition("-")
        if dash and head.isupper() and len(head) > 1:
            return True
        before = text[max(0, word.start - 8) : word.start]
        if _SECTION.search(before):
            return True
        if text.startswith(":", word.end) and (
            word.start == 0 or text[: word.start].rstrip(" \t")[-1:] in ("", "\n")
        ):
            return True  # a form's label at a line start ("Inkom: 2024-04-17")
        return index > 0 and words[index - 1].text.casefold() in self._makes

    def _in_name_position(self, words: Sequence[_Word], index: int) -> bool:
        """A listed first name after a title, kinship word or greeting, or before a
        capitalised listed surname; or such a surname after a capitalised first name."""
        folded = words[index].text.casefold()
        before = words[index - 1].text if index > 0 else ""
        after = words[index + 1].text if index + 1 < len(words) else ""
        if folded in self._surnames and before[:1].isupper() and before.casefold() in self._first_names:
            return True
        if folded not in self._first_names:
            return False
        return before.casefold() in self._name_position or (
            after[:1].isupper() and after.casefold() in self._surnames
        )

    def _span(self, text: str, words: Sequence[_Word], run: Sequence[int]) -> Span:
        first = run[0]
        unit = first > 0 and words[first - 1].text.casefold() in self._unit_words
        if unit and not text[words[first - 1].end : words[first].start].strip(" \t"):
            first -= 1
        start, end = words[first].start, words[run[-1]].end
        surface = text[start:end]
        folded = [words[index].text.casefold() for index in range(first, run[-1] + 1)]
        if (
            unit
            or surface in self._agencies
            or any(p.endswith(self._org_endings) or p in self._org_words for p in folded)
        ):
            label = "ORG"
        elif self._place_like(surface, folded, [words[index].text for index in run]):
            label = "LOC"
        else:
            label = "PER"
        return Span(start, end, label, self.score, self.name, rank=self.rank)

    def _place_like(self, surface: str, folded: Sequence[str], parts: Sequence[str]) -> bool:
        if surface in self._places or any(part in self._places for part in parts):
            return True
        if surface.islower() and surface.casefold() in self._folded_places:
            return True
        return (
            len(parts) == 1
            and folded[-1] not in self._first_names
            and folded[-1].endswith(self._place_endings)
        )


def _runs(text: str, words: Sequence[_Word], flagged: Sequence[int]) -> Iterator[list[int]]:
    """Flagged word indices grouped into runs of neighbours with only spaces between."""
    run: list[int] = []
    for index in flagged:
        if run and index == run[-1] + 1 and not text[words[run[-1]].end : words[index].start].strip(" \t"):
            run.append(index)
            continue
        if run:
            yield run
        run = [index]
    if run:
        yield run
