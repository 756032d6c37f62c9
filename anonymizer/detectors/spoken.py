"""Numbers read aloud, as transcribed calls write them.

"noll sju noll, fem fem två, trettioåtta elva" is a phone number, "åtta fyra noll fem,
sju" after "clearingnumret" a clearing number, "lisa punkt berg nittio snabel-a gmail
punkt com" an e-mail address and "Adam Caesar Erik ett två tre" a plate. The words and
their digits are data (``rules/spoken.toml``). A run of number words (and digits) with
only spaces, commas and dashes between is read into a digit string; each digit keeps
the offsets of the word it came from, so a span found on the digits maps back to whole
words of the original. A run is a number when it reads as seven digits or more, or four
or more after a context word; the context word (or a personnummer's check) gives its
label. Pure; no I/O after loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from anonymizer.config import shipped_file
from anonymizer.detectors.alternation import first_letters
from anonymizer.errors import ConfigError
from anonymizer.span import Rank, Span
from anonymizer.toml_files import read_toml
from anonymizer.validators import personnummer

__all__ = ["SpokenNumberDetector", "SpokenWords", "load_spoken_words"]

SCORE = 0.85
CONTEXT_WINDOW = 60
MIN_DIGITS = 7
MIN_DIGITS_IN_CONTEXT = 4
# Between two words of a number: spaces, a comma or dash, a pause ("...") or a filler.
# "streck" is a dash read aloud ("åtta tre två sju streck nio").
_GAP = re.compile(
    r"(?:[^\S\n]*(?:[,\-\u2013.\u2026]+|(?i:eh|öh|ehm|hm|mm|streck|bindestreck)(?!\w)))*[^\S\n]*"
)
_HUNDRED = "hundra"
_PLUS_BEFORE = re.compile(r"(?i)(?<!\w)plus[^\S\n]+\Z")
_SPELLED_AT = re.compile(r"(?i)snabel")
_TLDS = "se|com|nu|org|net|eu|io|fi|no|dk|de|info"


@dataclass(frozen=True)
class SpokenWords:
    """Number words and their digits, tens that take a unit, spelling words, context words."""

    digits: Mapping[str, str]
    tens: Mapping[str, str]
    phonetic: Mapping[str, str]  # word -> letter
    context: Mapping[str, str]  # word -> label

    def value(self, word: str) -> str | None:
        """The digits a word (or a string of digits) stands for; None when it is none."""
        if word.isdigit():
            return word
        folded = word.casefold()
        if folded in self.digits:
            return self.digits[folded]
        if folded in self.tens:
            return self.tens[folded] + "0"
        head, hundred, tail = folded.partition(_HUNDRED)
        if hundred:  # "hundratio" 110, "niohundrafyrtiotre" 943, "tvåhundra" 200
            first = "1" if head in ("", "en") else self.digits.get(head, "")
            rest = self.value(tail) if tail else "00"
            if len(first) != 1 or first == "0" or rest is None or len(rest) > 2:
                return None
            return first + rest.rjust(2, "0")
        for ten, digit in self.tens.items():
            unit = self.digits.get(folded[len(ten) :]) if folded.startswith(ten) else None
            if unit is not None and len(unit) == 1 and unit != "0":
                return digit + unit
        return None


def load_spoken_words(path: Path | None = None) -> SpokenWords:
    """The words of ``path`` (default: the shipped ``rules/spoken.toml``)."""
    return _load(path or shipped_file("rules", "spoken.toml"))


@lru_cache(maxsize=4)
def _load(path: Path) -> SpokenWords:
    raw = read_toml(path, "spoken-number word file")
    tables = {}
    for table in ("digits", "tens", "phonetic", "context"):
        section = raw.get(table)
        if not isinstance(section, dict) or not section:
            raise ConfigError(f"{path}: table [{table}] missing or empty")
        tables[table] = section
    for table in ("digits", "tens"):
        for word, digits in tables[table].items():
            if not (isinstance(digits, str) and digits.isdigit()):
                raise ConfigError(f'{path}: [{table}] {word}: expected a string of digits, e.g. "7"')
    inverted: dict[str, dict[str, str]] = {"phonetic": {}, "context": {}}
    for table, into in inverted.items():
        for key, words in tables[table].items():
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise ConfigError(f"{path}: [{table}] {key}: expected a list of non-empty words")
            into.update((word.casefold(), key) for word in words)
    return SpokenWords(
        {w.casefold(): d for w, d in tables["digits"].items()},
        {w.casefold(): d for w, d in tables["tens"].items()},
        inverted["phonetic"],
        inverted["context"],
    )


def _teens(words: SpokenWords) -> list[str]:
    """The words for 10 to 19 ("tio", "elva", "tolv", ...)."""
    return sorted((w for w, d in words.digits.items() if len(d) == 2), key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    digits: str


class SpokenNumberDetector:
    """Phone, personal and account numbers, e-mail addresses and plates read aloud."""

    name = "spoken-numbers"
    rank = Rank.RULE
    labels = frozenset({"PHONE", "PNR", "BANK", "EMAIL", "REG"})

    def __init__(self, words: SpokenWords | None = None) -> None:
        self.words = words or load_spoken_words()
        numbers = sorted({*self.words.digits, *self.words.tens}, key=len, reverse=True)
        below_hundred = rf"(?:(?:{'|'.join(self.words.tens)})(?:{'|'.join(numbers)})?|{'|'.join(numbers)})"
        ones = {word for word, digit in self.words.digits.items() if len(digit) == 1}
        units = sorted(ones | {"en"}, key=len, reverse=True)
        hundreds = rf"(?:(?:{'|'.join(units)})?{_HUNDRED}{below_hundred}?)"
        number = rf"(?:{hundreds}|{below_hundred}|\d+)"
        # A set of first letters ahead lets the regex engine skip the other positions fast.
        first = first_letters([*numbers, "en", _HUNDRED])
        self._number = re.compile(rf"(?={first}|\d)(?<!\w)(?i:{number})(?!\w)")
        part = rf"[\w.]+(?:[^\S\n]+(?:punkt|understreck|bindestreck|streck)[^\S\n]+[\w.]+|[^\S\n]+{number})*"
        self._email = re.compile(
            rf"(?i)(?<![\w.])(?P<value>{part}[^\S\n]+(?:snabel-?a|snabel[^\S\n]a)[^\S\n]+[\w-]+"
            rf"(?:[^\S\n]+punkt[^\S\n]+[\w-]+)*?[^\S\n]+punkt[^\S\n]+(?:{_TLDS}))(?!\w)"
        )
        letters = "|".join(sorted(self.words.phonetic, key=len, reverse=True))
        one = "|".join(sorted(ones, key=len, reverse=True))
        digit = rf"(?:{one}|\d)"
        # a pair of digits said as one number: "tjugotre", "tolv"
        pair = rf"(?:(?:{'|'.join(self.words.tens)})(?:{one})?|{'|'.join(_teens(self.words))})"
        gap = r"(?:[^\S\n]*[,\-\u2013.][^\S\n]*|[^\S\n]+)"
        last = rf"(?:{digit}|{letters})"
        tail = rf"(?:{digit}{gap}{digit}{gap}{last}|{digit}{gap}{pair}|{pair}{gap}{last})"
        self._plate = re.compile(
            rf"(?={first_letters(self.words.phonetic)})(?<!\w)"
            rf"(?i:(?:{letters}){gap}(?:{letters}){gap}(?:{letters}){gap}{tail})(?!\w)"
        )
        context = "|".join(map(re.escape, sorted(self.words.context, key=len, reverse=True)))
        self._context = re.compile(rf"(?i)(?<!\w)(?:{context})(?!\w)")

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        spans: list[Span] = []
        if _SPELLED_AT.search(text):
            spans.extend(
                self._span(m.start("value"), m.end("value"), "EMAIL") for m in self._email.finditer(text)
            )
        spans.extend(self._span(m.start(), m.end(), "REG") for m in self._plate.finditer(text))
        for run in self._runs(text):
            digits = "".join(word.digits for word in run)
            start, end = run[0].start, run[-1].end
            label = self._label(text, start, digits)
            if label == "PHONE" and (plus := _PLUS_BEFORE.search(text, max(0, start - 8), start)):
                start = plus.start()  # "plus fyrtiosex sju noll ...": +46 read aloud
            if label is not None and not any(s.start <= start and end <= s.end for s in spans):
                spans.append(self._span(start, end, label))
        return sorted(spans)

    def _span(self, start: int, end: int, label: str) -> Span:
        return Span(start, end, label, SCORE, f"rule:spoken_{label.lower()}", rank=Rank.RULE)

    def _label(self, text: str, start: int, digits: str) -> str | None:
        if len(digits) < MIN_DIGITS_IN_CONTEXT or len(digits) > 15:
            return None
        context = None
        for match in self._context.finditer(text, max(0, start - CONTEXT_WINDOW), start):
            context = self.words.context[match.group().casefold()]
        if len(digits) in (10, 12) and personnummer(digits):
            return "PNR"
        if context is not None:
            return context
        return "PHONE" if len(digits) >= MIN_DIGITS else None

    def _tens_then_unit(self, text: str, previous: _Word, value: str) -> bool:
        """Whether ``previous`` is a ten word alone ("trettio") and ``value`` a unit 1-9."""
        alone = len(previous.digits) == 2 and previous.digits.endswith("0")
        is_ten = text[previous.start : previous.end].casefold() in self.words.tens
        return alone and is_ten and len(value) == 1 and value != "0"

    def _runs(self, text: str) -> Iterator[list[_Word]]:
        """Runs of two or more number words (or digits) with only spaces, commas or dashes between,
        holding at least one word (a run of digits alone is the identifier rules')."""
        run: list[_Word] = []
        spoken = False
        for match in self._number.finditer(text):  # number words and digits only: fast on long text
            value = self.words.value(match.group())
            joined = bool(run) and _GAP.fullmatch(text, run[-1].end, match.start()) is not None
            if value is not None and joined:
                previous = run[-1]
                if self._tens_then_unit(text, previous, value):
                    run[-1] = _Word(previous.start, match.end(), previous.digits[0] + value)  # "trettio åtta"
                    continue
                run.append(_Word(match.start(), match.end(), value))
                spoken = spoken or not match.group().isdigit()
                continue
            if len(run) >= 2 and spoken:
                yield run
            run = [_Word(match.start(), match.end(), value)] if value is not None else []
            spoken = value is not None and not match.group().isdigit()
        if len(run) >= 2 and spoken:
            yield run
