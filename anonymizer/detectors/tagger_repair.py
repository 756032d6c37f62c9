"""Repairs of the tagger's entity runs with what the name lists and the word lists know.

The tagger learned from news. In documents it makes mistakes of a few kinds that the
lists can tell apart, and each repair below is one of them:

* **slashes**: runs of names joined by a slash without spaces are one run
  (``Sahlgrenska Universitetssjukhuset/Östra``);
* **column gaps**: a run that crosses a tab, or two spaces or more, is cut there
  (``Thi Lan Nguyen      Minh Tran``), and symbols at a run's ends are left out
  (``Pekka 🙂``);
* **leading words**: a person run that starts with ordinary words, greetings or titles
  before a name loses them (``Hej Kerstin``, ``Pappa Mohammed``, ``Mentor Sonny Berg``);
* **labels**: a run with an organisation word or a care unit is an organisation
  (``BVC Jakobsberg`` tagged PER); a listed place tagged as a person is a place; a run
  of listed first names and surnames, no acronym among them, is a person (``Amanda``
  tagged ORG);
* **terms**: a run that is a listed abbreviation or service naming no one is dropped
  (``SoL``, ``UTC``, ``BankID``: ``not_entities`` in ``rules/lexicon/sv.toml``), and so
  are a vehicle make with a model (``Toyota Yaris``; ``vehicle_makes``) and a drug before
  its dose (``Eliquis 5 mg``);
* **ordinary words** (``drop_ordinary``): a run of one ordinary word that starts a line
  (after numbers and marks only: ``§ 1 Mötets``), a sentence or a column, or is written
  in lower case, is dropped (``Brottsplats``,
  ``Mamma``, ``ring polisen``), and so is a heading in capitals of ordinary words only
  (``KVITTENS``, ``DITT KLAGOMÅL``).

A word is *ordinary* when the raw text writes it in lower case at least
``ordinary_share`` of the time (``rules/lexicon/word-case.tsv.gz``). No repair drops or
cuts off a word that a name list knows (but for first names that few carry and that
are ordinary words, such as "Till"), so the repairs remove false alarms and fix labels
without uncovering names. They read only the record's own text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from anonymizer.common_words import WordCase, load_word_cases
from anonymizer.gazetteers import NameLists, load_name_lists
from anonymizer.lexicon import Lexicon, load_lexicon
from anonymizer.model import Run
from anonymizer.text import Token, column_gap, starts_sentence

_NAME_LABELS = frozenset({"PER", "LOC", "ORG"})
# A lone first name tagged as a place or an organisation is made a person only if this
# many people carry it ("Amra", 463, is; "Chelsea", 217, and "Denver", 61, stay).
LONE_NAME_BEARERS = 300


class TaggerRepair:
    """Applies the repairs to one sentence's runs; see the module docstring."""

    def __init__(
        self,
        *,
        words: Mapping[str, WordCase],
        lists: NameLists,
        lexicon: Lexicon,
        drop_ordinary: bool = True,
        ordinary_share: float = 0.5,
        min_count: int = 3,
    ) -> None:
        self.words = words
        self.lists = lists
        self.lexicon = lexicon
        self.drop_ordinary = drop_ordinary
        self.ordinary_share = ordinary_share
        self.min_count = min_count
        self._first_names = lists.folded_first_names
        self._surnames = lists.folded_surnames
        self._places = frozenset(name.casefold() for name in lists.all_places)
        self._agencies = frozenset(name.casefold() for name in lists.agencies) | lists.any_case_agencies
        self._lead_words = lexicon.greetings | lexicon.kinship | lexicon.titles
        self._org_words = lexicon.organisation_words | lexicon.unit_words
        self._bearers = {name.casefold(): count for name, count in lists.bearers.items()}

    @classmethod
    def load(cls, *, drop_ordinary: bool = True) -> TaggerRepair:
        """With the shipped tables and lists."""
        return cls(
            words=load_word_cases(),
            lists=load_name_lists(),
            lexicon=load_lexicon(),
            drop_ordinary=drop_ordinary,
        )

    def repair(self, text: str, tokens: Sequence[Token], runs: Sequence[Run]) -> list[Run]:
        """The repaired runs of one sentence (``tokens``, offsets into ``text``), in order."""
        repaired: list[Run] = []
        for run in _join_at_slashes(tokens, runs):
            if run[2] not in _NAME_LABELS:
                repaired.append(run)
                continue
            for part in self._cut_at_gaps(text, tokens, run):
                part = self._relabel(tokens, self._trim_leading(tokens, part))
                if not self._no_entity(text, tokens, part):
                    repaired.append(part)
        return repaired

    def _cut_at_gaps(self, text: str, tokens: Sequence[Token], run: Run) -> list[Run]:
        first, last, label, score = run
        parts: list[Run] = []
        start = first
        for index in range(first, last):
            if column_gap(text, tokens[index].end, tokens[index + 1].start):
                parts.append((start, index, label, score))
                start = index + 1
        parts.append((start, last, label, score))
        return [trimmed for part in parts if (trimmed := _without_symbols(tokens, part)) is not None]

    # ------------------------------------------------------------------ what a word is

    def _name_form(self, word: str) -> str | None:
        """``word`` case-folded as a listed first name or surname, also hyphenated ("Julia-Gun")
        or in the genitive ("Christians"); None if it is no listed name."""
        folded = word.casefold()
        for form in (folded, folded[:-1] if folded.endswith("s") and len(folded) > 3 else ""):
            parts = form.split("-") if form else []
            if parts and all(part in self._first_names or part in self._surnames for part in parts):
                return form
        return None

    def _known(self, word: str) -> bool:
        """Whether a list knows ``word`` (or its genitive) as a name, place or agency; a
        first name that few carry and that is an ordinary word ("Till") does not count."""
        if self.lists.rare_word_name(word) and word.casefold() not in self._surnames:
            return False
        folded = word.casefold()
        return self._name_form(word) is not None or self._place(folded) or folded in self._agencies

    def _place(self, folded: str) -> bool:
        """Whether a case-folded word, or its genitive base, is a listed place."""
        return folded in self._places or (folded.endswith("s") and folded[:-1] in self._places)

    def _ordinary(self, word: str) -> bool:
        counts = self.words.get(word.casefold())
        return (
            counts is not None
            and counts.total >= self.min_count
            and counts.lower_share >= self.ordinary_share
        )

    def _body(self, words: Sequence[str]) -> bool:
        """Whether ``words`` name a body or a known name: "ALLMÄNNA REKLAMATIONSNÄMNDEN"."""
        folded = [word.casefold() for word in words]
        endings = self.lexicon.organisation_endings
        return (
            " ".join(folded) in self._agencies
            or any(self._known(word) for word in words)
            or any(w in self._org_words or w.endswith(endings) for w in folded)
        )

    def _lead_word(self, word: str) -> bool:
        """A word that may stand before a name without being part of it ("Hej", "Grannen")."""
        if not _is_word(word):
            return True
        word = word.rstrip(".")  # "Hr." "Dr."
        if len(word) == 1 and word.isupper():
            return False  # an initial: "A. I. Rabin"
        return not self._known(word) and (word.casefold() in self._lead_words or self._ordinary(word))

    # ------------------------------------------------------------------ the repairs

    def _trim_leading(self, tokens: Sequence[Token], run: Run) -> Run:
        first, last, label, score = run
        if label != "PER":
            return run
        for index in range(first, last + 1):
            if not self._lead_word(tokens[index].text):
                word = tokens[index].text
                if index == first or not (word[:1].isupper() and self._name_form(word) is not None):
                    return run
                return (index, last, label, score)
        return run

    def _relabel(self, tokens: Sequence[Token], run: Run) -> Run:
        first, last, label, score = run
        words = _words(tokens, run)
        folded = [word.casefold() for word in words]
        surface = " ".join(folded)
        endings = self.lexicon.organisation_endings
        if surface in self._agencies or any(w in self._org_words or w.endswith(endings) for w in folded):
            new_label = "ORG"
        elif label == "PER" and surface in self._places and not any(self._name_form(w) for w in words):
            new_label = "LOC"  # a place tagged ORG may be a body acting ("Västerås vann"): kept
        elif any(_acronym(word) for word in words):
            return run
        elif (
            len(words) <= 3
            and (lead := self._name_form(words[0])) is not None
            and all(word[:1].isupper() and self._name_form(word) for word in words)
            and not self._place(folded[0])
            and (len(words) > 1 or self._bearers.get(lead.split("-")[0], 0) >= LONE_NAME_BEARERS)
        ):
            new_label = "PER"  # a lone name must be one many carry: "Chelsea", "Denver" stay
        else:
            return run
        return (first, last, new_label, score)

    def _no_entity(self, text: str, tokens: Sequence[Token], run: Run) -> bool:
        """A listed term or a vehicle, or (``drop_ordinary``) one ordinary word that no list
        knows, written in lower case or at a line, sentence or column start."""
        first, last, label, _ = run
        words = _words(tokens, run)
        if " ".join(words) in self.lexicon.not_entities:
            return True
        if len(words) >= 2 and words[0].casefold() in self.lexicon.vehicle_makes:
            return self._name_form(words[1]) is None  # "Toyota Yaris", not "Mercedes Lindberg"
        if _dose_after(tokens, last) and not any(self._known(word) for word in words):
            return True  # a drug: "Eliquis 5 mg", "Enalapril 10 mg"
        if not self.drop_ordinary:
            return False
        if all(word.isupper() and len(word) > 1 and self._ordinary(word) for word in words):
            return not self._body(words)  # a heading: "KVITTENS", "DITT KLAGOMÅL"
        if first != last:
            return False
        word = tokens[first].text
        if not _is_word(word) or self._known(word) or not self._ordinary(word):
            return False
        if word.islower():
            return True  # "ring polisen": written as the ordinary word it is
        if label == "ORG" and word.casefold() in self.lexicon.unnamed_units:
            return True  # "Polisen", "Socialtjänsten": a unit that names no one
        if label == "ORG" and word.casefold() in self.lexicon.titles:
            return False  # "Prästen" at a sentence start: a body the corpora tag ORG
        start = tokens[first].start
        line = text[text.rfind("\n", 0, start) + 1 : start]
        return (
            starts_sentence(text, start)
            or not any(character.isalpha() for character in line)  # "§ 1 Mötets", "13:02 Mejl"
            or (first > 0 and column_gap(text, tokens[first - 1].end, start))
        )


_DOSE_UNITS = frozenset(
    {"mg", "g", "ml", "mikrog", "µg", "mcg", "ie", "e", "mmol", "mg/ml", "mg/dag", "st", "tabl"}
)


def _dose_after(tokens: Sequence[Token], last: int) -> bool:
    """Whether a dose follows token ``last``: a number and a unit ("5 mg", "2,5 mg")."""
    if last + 2 >= len(tokens):
        return False
    number, unit = tokens[last + 1].text, tokens[last + 2].text
    return number.replace(",", "").replace(".", "").isdigit() and unit.casefold() in _DOSE_UNITS


def _join_at_slashes(tokens: Sequence[Token], runs: Sequence[Run]) -> list[Run]:
    """Runs of names joined by a slash without spaces are one run, with the first one's label
    ("Sahlgrenska Universitetssjukhuset/Östra": one hospital, not an ORG, a "/" and a LOC)."""
    joined: list[Run] = []
    for run in runs:
        if joined and _slash_between(tokens, joined[-1], run):
            first, _, label, score = joined[-1]
            joined[-1] = (first, run[1], label, max(score, run[3]))
        else:
            joined.append(run)
    return joined


def _slash_between(tokens: Sequence[Token], left: Run, right: Run) -> bool:
    if left[2] not in _NAME_LABELS or right[2] not in _NAME_LABELS or right[0] != left[1] + 2:
        return False
    slash = tokens[left[1] + 1]
    return slash.text == "/" and slash.start == tokens[left[1]].end and slash.end == tokens[right[0]].start


def _is_word(token: str) -> bool:
    return any(character.isalpha() for character in token)


def _acronym(word: str) -> bool:
    """Capitals, perhaps with a genitive s ("SIF", "IVAs")."""
    core = word[:-1] if word.endswith("s") else word
    return 1 < len(core) <= 5 and core.isupper()


def _without_symbols(tokens: Sequence[Token], run: Run) -> Run | None:
    """``run`` without the tokens of no letter or digit at its ends ("Pekka 🙂"); None if
    nothing is left that has a letter."""
    first, last, label, score = run
    while first <= last and not any(c.isalnum() for c in tokens[first].text):
        first += 1
    while last >= first and not any(c.isalnum() for c in tokens[last].text):
        last -= 1
    if first > last or not _words(tokens, (first, last, label, score)):
        return None
    return (first, last, label, score)


def _words(tokens: Sequence[Token], run: Run) -> list[str]:
    return [tokens[index].text for index in range(run[0], run[1] + 1) if _is_word(tokens[index].text)]
