"""Rule-based Swedish time expressions (TME).

Covers numeric and written dates, times of day, weekdays, months, seasons, holidays,
relative days and periods, week numbers, and years whose context makes them years.

Span conventions:

* A governing preposition is context, not part of the span: "på fredag" -> "fredag",
  "sedan 1995" -> "1995", "i maj" -> "maj". It stays where it belongs to a fixed adverb:
  "i går", "i söndags", "i fjol", "i år", "i somras", "om tre veckor", "för två år sedan".
* A range written with a dash is one span ("1995-2000", "kl. 9-17"); a range written
  with "och"/"till" gives one span per end ("mellan 2010 och 2012" -> "2010", "2012").
* Pieces joined only by whitespace, a dash or "den" merge into one span, and so do a day
  and a date or a date and a time across a comma: "måndagen den 3 maj 2021 kl. 14.30",
  "fredagen, den 13 maj". Lists ("måndag, tisdag") stay apart.

Spans of time that name no date are *relative* and found only with ``relative=True``
(the strict preset): periods ("de senaste åren"), offsets ("tre dagar senare", "dagen
innan", "två veckor tillbaka") and parts of a day after a preposition ("på morgonen",
"under helgen"). They identify no one, and the annotation guidelines this project is
measured by leave them out; deictics that point at a day ("i går", "i helgen", "i
morse") and every date, weekday, month, year, week, holiday and clock time are always found.

Expressions never run across a line break. Month and weekday names, their short forms
and the vocabulary (units, number words, holidays, prepositions, period words) come from
the shipped word lists (``rules/lexicon/sv.toml``, ``[calendar]`` and ``[time]``); the
rules' own few words are part of their patterns. The package must not depend on the
shared gazetteers at runtime.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from anonymizer.detectors.alternation import alternation
from anonymizer.detectors.time_checks import is_bare_year, is_year_range, not_a_fraction
from anonymizer.lexicon import load_lexicon
from anonymizer.span import Rank, Span

__all__ = ["TimeDetector"]

# --- building blocks ------------------------------------------------------------------
# Every pattern is compiled with re.IGNORECASE; ``_cs`` marks the case-sensitive parts.
# ``\w`` is Unicode-aware, so å, ä and ö are word characters for the boundaries below.

_WS = r"[^\S\n]+"  # horizontal whitespace only: no expression spans two lines
_OWS = r"[^\S\n]*"
_B = r"(?<!\w)"
_E = r"(?!\w)"
_NUM_B = r"(?<![\w.,:/-])"  # not the tail of a longer number such as 5.000 or 1/2/3
# nor the head of one, nor a document number such as "1995/96:TU7" or "2009/22/EG"
_NUM_E = r"(?![\w]|[.,:/-]\d|[:/][^\W\d_]{2})"
_DASH_CHAR = r"[-\u2013]"  # hyphen or en dash
_DASH = rf"{_OWS}{_DASH_CHAR}{_OWS}"


def _alt(words: str | Iterable[str]) -> str:
    """Alternation of literal words, longest first; a space matches horizontal whitespace."""
    return alternation(words, space=_WS)


def _cs(fragment: str) -> str:
    return f"(?-i:{fragment})"


_CALENDAR = load_lexicon()  # [calendar]
_TIME = _CALENDAR.time  # [time]
_MONTH_NAMES = _CALENDAR.months
_MONTH_ABBREVIATIONS = (*_CALENDAR.month_abbreviations, *_CALENDAR.extra_month_abbreviations)
_WEEKDAY_NAMES = _CALENDAR.weekdays
# Short forms: those that are only weekdays ("tors"), and all, also "mån" and "tor".
_WEEKDAY_SHORT = _alt(_CALENDAR.weekday_abbreviations)
_WEEKDAY_ANY_SHORT = _alt((*_CALENDAR.weekday_abbreviations, *_CALENDAR.extra_weekday_abbreviations))
_WEEKDAY_ABBREVIATION = _WEEKDAY_ANY_SHORT + r"\.?"

# A capitalised month, weekday or name day before another capitalised word is a name
# ("Maj Andersson", "Valborg Svensson") unless that word is itself a calendar word.
_CALENDAR_WORDS = frozenset((*_MONTH_NAMES, *_WEEKDAY_NAMES))
_NAME_LIKE = _CALENDAR_WORDS | {"valborg", "lucia"}

# A number followed by a unit is an amount or a measure, not a year or a week number.
_UNITS = _alt(_TIME.amount_units)
_NOT_AMOUNT = rf"(?!{_OWS}(?:{_UNITS}{_E}|%|:-|€|\$))"

# Dates.
_MONTH_FULL = _alt(_MONTH_NAMES) + _E
# "3 jan. 2020" keeps the full stop; in "kom 3 jan. Sedan" it ends the sentence.
_ABBREVIATION_DOT = _cs(r"\.(?=[^\S\n]*[\da-zåäö,;:)\u2013-])")
_MONTH = rf"(?:{_MONTH_FULL}|{_alt(_MONTH_ABBREVIATIONS)}(?:{_ABBREVIATION_DOT}|{_E}))"
_MONTH_LOWER = _cs(_MONTH_FULL)  # a month alone must be lower case: "till Mars" is the planet

_DAY_NUMBER = r"(?:[12]\d|3[01]|0?[1-9])"
_DAY = rf"{_DAY_NUMBER}(?::[ae])?"  # 3, 3:e, 1:a
_MONTH_NUMBER = r"(?:1[0-2]|0?[1-9])"
_ORDINAL = _alt(
    [
        *_TIME.ordinal_units,
        *(f"{tens}{unit}" for tens in _TIME.ordinal_tens for unit in _TIME.ordinal_units),
        *_TIME.ordinals,
    ]
)

_YEAR = rf"(?:1\d|20)\d\d{_NUM_E}{_NOT_AMOUNT}"
_SHORT_YEAR = rf"[-'\u2019]\d\d{_NUM_E}"  # hösten -98, våren '98
_DATE_YEAR = rf"(?:{_WS}(?:{_YEAR}|{_SHORT_YEAR}))"
_CONTEXT_YEAR = r"(?:1[5-9]|20)\d\d"
_CONTEXT_YEAR_RANGE = (
    rf"{_CONTEXT_YEAR}(?:{_OWS}[-\u2013/]{_OWS}(?:{_CONTEXT_YEAR}|\d\d))?{_NUM_E}{_NOT_AMOUNT}"
)
_SEASON_YEAR = rf"(?:1\d|20)\d\d(?:{_OWS}[-\u2013/]{_OWS}(?:(?:1\d|20)\d\d|\d\d))?{_NUM_E}"

# Times of day.
_HH = r"(?:[01]?\d|2[0-3])"
_MM = r"[0-5]\d"
_TIME_END = r"(?![\w]|[.:,]\d)"
_CLOCK_NUMBER = rf"(?:(?:[01]\d|2[0-3]){_MM}|{_HH}[.:]{_MM}(?::{_MM})?|{_HH}){_TIME_END}"
_HOUR_WORD = _alt(_TIME.clock_hours)
_CLOCK_WORDS = rf"(?:{_alt(_TIME.clock_minutes)}{_WS}(?:över|i){_WS})?(?:halv{_WS})?{_HOUR_WORD}{_E}"
_KL = rf"{_B}(?:klockan|kl\.|kl{_E})"
_KL_TIME = (
    rf"{_KL}{_OWS}(?:{_CLOCK_NUMBER}(?:{_DASH}{_CLOCK_NUMBER})?|{_CLOCK_WORDS})"
    rf"(?:{_WS}på{_WS}{_alt(_TIME.clock_day_parts)}{_E})?"
)

# Weekdays: måndag, måndagen, måndagens, måndagar(na), måndags, måndagskvällen(s).
_WEEKDAY_STEM = _alt(_WEEKDAY_NAMES)
_DAYPART_SUFFIX = _alt(_TIME.weekday_day_parts)
_WEEKDAY = rf"{_WEEKDAY_STEM}(?:s{_DAYPART_SUFFIX}s?|ens?|ar(?:na)?s?|s)?{_E}"
# "i går kväll", "i morgon bitti", "i fredags morse"
_ADVERB_TAIL = rf"(?:{_WS}{_alt(_TIME.adverb_tails)}{_E})?"

# Relative expressions.
_NUMBER_WORD = _alt(
    [
        *_TIME.numbers,
        *(f"{tens}{unit}" for tens in _TIME.number_tens for unit in ("", *_TIME.number_units)),
    ]
)
_APPROXIMATELY = _alt(_TIME.approximately)
_VAGUE_NUMBER = _alt(_TIME.vague_numbers)
_QUANTITY = (
    rf"(?:{_APPROXIMATELY}{_WS})?"
    rf"(?:\d+(?:,\d+)?|{_NUMBER_WORD}|{_VAGUE_NUMBER})"
)
_QUANTIFIED_UNIT = _alt(_TIME.quantified_units)
_PERIOD_DETERMINER = _alt(_TIME.period_determiners)
_PERIOD_UNIT = _alt(_TIME.period_units)
_WEEK_NUMBER = r"(?:5[0-3]|[1-4]\d|0?[1-9])"

_SEASON = _alt(_TIME.seasons)

_HOLIDAY_EVE = _alt(_TIME.holiday_eves)
# "juldagen", and "mors dag" with a space before "dag"
_HOLIDAY_DAY = _alt([*_TIME.holiday_days, *(f"{words} " for words in _TIME.holiday_days_apart)])
_HOLIDAY_WEEKEND = _alt(_TIME.holiday_weekends)
_HOLIDAY_WORD = _alt(_TIME.holiday_words)
_HOLIDAY = (
    # Multiword forms first: the first alternative that fits wins.
    rf"(?:(?:annan|tretton(?:de)?{_OWS})dag(?:en)?s?{_WS}(?:jul|påsk|pingst)"
    rf"|sveriges{_WS}nationaldag(?:en)?s?|första{_WS}advent|kristi{_WS}himmelsfärd"
    rf"|{_HOLIDAY_EVE}afton(?:en)?s?|{_HOLIDAY_DAY}dag(?:en)?s?|{_HOLIDAY_WEEKEND}helg(?:en|ens)?"
    rf"|{_alt(_TIME.school_breaks)}lov(?:et|ets)?|{_HOLIDAY_WORD}){_E}"
)

_PREPOSITION_MONTH = _alt(_TIME.month_prepositions)
_PREPOSITION_YEAR = _alt(_TIME.year_prepositions)
# These also govern amounts ("höjdes till 2000"), so a round hundred is not taken as a year.
_WEAK_PREPOSITION_YEAR = _alt(_TIME.weak_year_prepositions)
_PREPOSITION_SEASON = _alt(_TIME.season_prepositions)
_PREPOSITION_HOLIDAY = _alt(_TIME.holiday_prepositions)
_RANGE_WORD = _alt(_TIME.range_words)


# --- rules ----------------------------------------------------------------------------

_Check = Callable[[re.Match[str]], bool]


@dataclass(frozen=True, slots=True)
class _Rule:
    """A pattern; when it has ``t``/``t2`` groups, those are the spans, not the match."""

    pattern: re.Pattern[str]
    check: _Check | None = None
    relative: bool = False  # a span of time that names no date: on only when asked


def _rule(pattern: str, check: _Check | None = None, *, relative: bool = False) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), check, relative)


_RULES: tuple[_Rule, ...] = (
    # 2021-03-12, 2021.03.12, 2021-03-12T14:30, 2024-06-11T02:14:55Z, ...T02:14:55.123+02:00
    _rule(
        rf"{_NUM_B}(?:1[6-9]|20)\d\d(?P<sep>[-./]){_MONTH_NUMBER}(?P=sep){_DAY_NUMBER}"
        rf"(?:T{_HH}:{_MM}(?::{_MM}(?:[.,]\d+)?)?(?:{_cs('Z')}|[+-](?:[01]\d|2[0-3]):?{_MM})?)?{_NUM_E}"
    ),
    # ons 8/5, fredag 1/3, lör. 18/5: a weekday makes "1/3" a date
    _rule(
        rf"{_B}(?:{_WEEKDAY_STEM}(?:en)?|{_WEEKDAY_ABBREVIATION}){_WS}{_DAY_NUMBER}/{_MONTH_NUMBER}{_NUM_E}"
    ),
    # 2021-03
    _rule(rf"{_NUM_B}(?:1[6-9]|20)\d\d-(?:0[1-9]|1[0-2]){_NUM_E}"),
    # 12/3, 12/3 2021, 12/3-2021, 12/3-21, den 5/12
    _rule(
        rf"(?P<den>{_B}den{_WS})?{_NUM_B}(?P<d>{_DAY_NUMBER})/(?P<m>{_MONTH_NUMBER})"
        rf"(?P<year>(?:{_WS}|[-/]){_YEAR}|-\d\d{_NUM_E})?{_NUM_E}",
        not_a_fraction,
    ),
    # 3.5.2021
    _rule(rf"(?:{_B}den{_WS})?{_NUM_B}{_DAY_NUMBER}\.{_MONTH_NUMBER}\.{_YEAR}"),
    # den 3:e maj 2021, 3 maj, 1-3 maj, tredje maj, 12 dec -98; "1 juli-31 december" joins later
    _rule(
        rf"(?:{_B}den{_WS})?(?<![\w.,:/])(?:{_DAY}(?:{_DASH}{_DAY})?|{_ORDINAL}){_WS}{_MONTH}{_DATE_YEAR}?"
    ),
    # maj 2021, dec. 2020, maj-juni 2021
    _rule(rf"{_B}{_MONTH}(?:{_DASH}{_MONTH})?{_DATE_YEAR}"),
    # i maj, från maj till juni, i början av augusti
    _rule(
        rf"{_B}{_PREPOSITION_MONTH}{_WS}(?P<t>{_MONTH_LOWER}(?:{_DASH}{_MONTH_LOWER})?)"
        rf"(?:{_WS}{_RANGE_WORD}{_WS}(?P<t2>{_MONTH_LOWER}))?"
    ),
    # "Inkomster maj:", "föräldraledig februari\u2013juni": a lower-case month is a month anywhere
    _rule(rf"{_B}{_MONTH_LOWER}(?:{_DASH}{_MONTH_LOWER})?"),
    # den 13:e (without a month)
    _rule(rf"{_B}den{_WS}{_DAY_NUMBER}:[ae]{_E}"),
    # måndag, tisdagen, lördagskvällen, måndagarna
    _rule(rf"{_B}{_WEEKDAY}"),
    # "ses tors", "mån-fre", "lör-sön": a weekday's short form in lower case, alone or in a
    # range ("mån" and "tor" alone are also ordinary words and a name)
    # (not the head of a compound, "ons-kön", nor a word broken by a soft hyphen, "fre\u00adkvens")
    _rule(
        rf"{_B}(?<!\u00ad)(?:{_cs(_WEEKDAY_ANY_SHORT)}{_DASH}{_cs(_WEEKDAY_ANY_SHORT)}|{_cs(_WEEKDAY_SHORT)})"
        rf"{_E}(?![-\u2013\u00ad]\w)"
    ),
    # fredag kväll, söndag eftermiddag
    _rule(rf"{_B}{_WEEKDAY_STEM}(?:en)?{_WS}{_DAYPART_SUFFIX}{_E}"),
    # fredagen den 13
    _rule(rf"{_B}{_WEEKDAY_STEM}(?:en)?(?:{_WS}|{_OWS},{_OWS})den{_WS}{_DAY}{_NUM_E}"),
    # i söndags, i fredags kväll
    _rule(rf"{_B}i{_WS}{_WEEKDAY_STEM}s{_E}{_ADVERB_TAIL}"),
    # kl. 14.30, klockan halv fem, kl 9-17, kl. 8 på morgonen, klockan 14 och 15
    _rule(rf"(?P<t>{_KL_TIME})(?:{_WS}(?:och|till){_WS}(?P<t2>(?:{_KL}{_OWS})?{_CLOCK_NUMBER}))?"),
    # 14:30 on its own; the hour has two digits because "Joh 3:16" is a verse
    _rule(rf"{_NUM_B}(?:[01]\d|2[0-3]):{_MM}(?::{_MM})?(?:{_DASH}{_HH}[.:]{_MM})?{_TIME_END}"),
    # 14.30-16.00
    _rule(rf"{_NUM_B}{_HH}[.:]{_MM}{_DASH}{_HH}[.:]{_MM}{_TIME_END}"),
    # mellan 14.30 och 15, från 9.00 till 17
    _rule(
        rf"{_B}(?:mellan|från){_WS}(?P<t>{_HH}[.:]{_MM}){_TIME_END}{_WS}(?:och|till){_WS}"
        rf"(?P<t2>(?:{_KL}{_OWS})?{_CLOCK_NUMBER})"
    ),
    # halv 6, halv åtta (the hour as a digit only after "halv": "halv fem" is in _CLOCK_WORDS)
    _rule(
        rf"{_B}(?:{_alt('fem|tio|kvart|tjugo')}{_WS}(?:över|i){_WS})?halv{_WS}(?:1[0-2]|[1-9]){_TIME_END}{_NOT_AMOUNT}"
    ),
    # vid 14-tiden, vid tretiden, vid midnatt
    _rule(rf"{_B}(?:{_NUM_B}{_HH}-?|{_HOUR_WORD})tiden{_E}"),
    _rule(rf"{_B}midnatt(?:en)?{_E}"),
    # i går, igår, i morgon bitti, i går kväll, ifjol
    _rule(
        rf"{_B}i[^\S\n]?{_alt('går|dag|morgon|morn|morrn|förrgår|övermorgon|kväll|morse|natt|eftermiddag|förmiddag|fjol')}"
        rf"{_E}{_ADVERB_TAIL}"
    ),
    # i år, i somras, i helgen, i jul
    _rule(
        rf"{_B}i{_WS}"
        + _alt(
            "år|dagarna|helgen|somras|vintras|höstas|våras|julas|påskas|nyårs|sommar|vinter|höst"
            "|jul|påsk|midsommar|advent"
        )
        + _E
    ),
    # "i vår" is also "in our": only when the clause ends there
    _rule(rf"{_B}i{_WS}vår(?={_OWS}(?:[.,;:!?)\n]|\Z))"),
    # förra veckan, nästa år, den här veckan, nästa måndag
    _rule(rf"{_B}{_PERIOD_DETERMINER}{_WS}(?:{_PERIOD_UNIT}{_E}|{_WEEKDAY_STEM}(?:en)?{_E})"),
    # de senaste åren, de kommande två veckorna
    _rule(
        rf"{_B}de{_WS}{_alt('senaste|kommande|närmaste|följande')}{_WS}(?:{_QUANTITY}{_WS})?"
        rf"{_alt('dagarna|veckorna|månaderna|åren|timmarna|decennierna|helgerna')}{_E}",
        relative=True,
    ),
    # för två år sedan
    _rule(rf"{_B}för{_WS}{_QUANTITY}{_WS}{_QUANTIFIED_UNIT}{_WS}(?:sedan|sen){_E}"),
    # om tre veckor
    _rule(rf"{_B}om{_WS}{_QUANTITY}{_WS}{_QUANTIFIED_UNIT}{_E}"),
    # tre dagar senare, två veckor tidigare
    _rule(
        rf"{_B}{_QUANTITY}{_WS}{_QUANTIFIED_UNIT}{_WS}"
        rf"{_alt('senare|tidigare|sedan|sen|efteråt|dessförinnan|därefter|innan')}{_E}",
        relative=True,
    ),
    # vecka 12, v. 12, veckorna 12-14 (a lower-case "v" only: "V12" is an engine)
    _rule(
        rf"{_B}(?:veck(?:a|an|orna){_WS}|{_cs('v')}(?:\.{_OWS}|{_WS}))"
        rf"{_WEEK_NUMBER}(?:{_DASH}{_WEEK_NUMBER})?{_NUM_E}{_NOT_AMOUNT}"
    ),
    # år 2004, året 1998, läsåret 2020/21
    _rule(
        rf"(?P<t>{_B}(?:[^\W\d_]+s|läs|budget|kalender)?år(?:et|ets|en)?{_WS}"
        rf"\d{{3,4}}(?:{_OWS}[-\u2013/]{_OWS}\d{{2,4}})?{_NUM_E}{_NOT_AMOUNT})"
        rf"(?:{_WS}{_RANGE_WORD}{_WS}(?P<t2>{_CONTEXT_YEAR_RANGE}))?"
    ),
    # 1990-talet, 80-talet, 1800-talets, 70- och 80-talen ("ett 50-tal" is about fifty)
    _rule(
        rf"{_NUM_B}(?:(?:1\d|20)?\d0-{_WS}(?:och|eller|till){_WS})?"
        rf"(?:1\d|20)?\d0-tal(?:et|ets|en|ens){_E}"
    ),
    # 1995-2000, 2019/20, 1995 - 2000
    _rule(
        rf"{_NUM_B}(?P<y1>{_CONTEXT_YEAR})(?:[-\u2013/]|{_WS}{_DASH_CHAR}{_WS})"
        rf"(?P<y2>{_CONTEXT_YEAR}|\d\d){_NUM_E}{_NOT_AMOUNT}",
        is_year_range,
    ),
    # sedan 1995, före 2000, i slutet av 2019
    _rule(
        rf"{_B}{_PREPOSITION_YEAR}{_WS}(?P<t>{_CONTEXT_YEAR_RANGE})"
        rf"(?:{_WS}{_RANGE_WORD}{_WS}(?P<t2>{_CONTEXT_YEAR_RANGE}))?"
    ),
    # från 2010, till 2012, under 2019, mellan 2010 och 2012
    _rule(
        rf"{_B}{_WEAK_PREPOSITION_YEAR}{_WS}(?!\d\d00{_NUM_E})(?P<t>{_CONTEXT_YEAR_RANGE})"
        rf"(?:{_WS}{_RANGE_WORD}{_WS}(?P<t2>{_CONTEXT_YEAR_RANGE}))?"
    ),
    # våren 2019, hösten -98, vintern 2019/2020
    _rule(rf"{_B}{_SEASON}{_WS}(?:{_SEASON_YEAR}|{_SHORT_YEAR})"),
    # VT 2021, HT20 (terms)
    _rule(rf"{_B}{_cs('[VH]T|[vh]t')}{_OWS}(?:(?:1\d|20)\d\d|\d\d){_NUM_E}"),
    # under sommaren, till hösten
    _rule(rf"{_B}{_PREPOSITION_SEASON}{_WS}(?P<t>{_SEASON}){_E}"),
    # julafton, annandag jul, midsommar, valborgsmässoafton
    _rule(rf"{_B}{_HOLIDAY}"),
    # till jul, på Valborg, varje jul, firar jul: alone these are also names or a greeting ("God jul")
    _rule(rf"{_B}{_PREPOSITION_HOLIDAY}{_WS}(?P<t>jul|valborg|lucia){_E}"),
    # lower-case "valborg", "lucia", "eid" are the holidays
    _rule(rf"{_B}{_cs(_alt(_TIME.holiday_lower_case))}{_E}"),
    # årsskiftet, månadsskiftet, sekelskiftet
    _rule(rf"{_B}{_alt('års|månads|sekel|vecko|termins')}skifte(?:t|ts){_E}"),
    # veckan efter, dagen innan, året därpå
    _rule(
        rf"{_B}{_alt('dagen|veckan|helgen|månaden|året|kvällen|natten|morgonen')}{_WS}"
        rf"{_alt('efter|innan|före|därpå|därefter|dessförinnan')}{_E}",
        relative=True,
    ),
    # under helgen, på morgonen, efter lunch ("i helgen" is above)
    _rule(
        rf"{_B}{_alt('under|över|efter|före|inför|på|till|mot|sedan|hela')}{_WS}"
        rf"(?P<t>{_alt('helgen|morgonen|förmiddagen|eftermiddagen|kvällen|natten|lunchen|dygnet')}){_E}",
        relative=True,
    ),
    # två veckor tillbaka
    _rule(rf"{_B}{_QUANTITY}{_WS}{_QUANTIFIED_UNIT}{_WS}tillbaka{_E}", relative=True),
    # 07.58 alone (two-digit hour: "kom 08.25"); 14:30 is above
    _rule(rf"{_NUM_B}(?:[01]\d|2[0-3])\.{_MM}{_TIME_END}{_NOT_AMOUNT}"),
    # 2015 alone: "anställdes 2015", "verksamhetsberättelsen för 2023", not "SFS 2010:800",
    # a round hundred ("höjdes till 2000") nor a reference's first part ("2024-HS-0213")
    _rule(
        rf"{_NUM_B}(?!\d\d00{_NUM_E})(?:19[2-9]\d|20[0-3]\d){_NUM_E}{_NOT_AMOUNT}(?![^\S\n]*[-\u2013/]\d)"
        r"(?![-/][A-ZÅÄÖ]+[-/]\d)",
        is_bare_year,
    ),
)

_REPORTED_GROUPS = ("t", "t2")

# --- merging --------------------------------------------------------------------------

_JOIN = re.compile(rf"{_DASH}|{_WS}(?:den{_WS})?", re.IGNORECASE)
_COMMA_JOIN = re.compile(rf"{_OWS},{_OWS}(?:den{_WS})?", re.IGNORECASE)
_DEN = re.compile(rf"{_B}den{_E}", re.IGNORECASE)
_CLOCK_START = re.compile(_KL, re.IGNORECASE)
_DATE_END = re.compile(rf"(?:{_MONTH}{_DATE_YEAR}?|\d+[-/.]\d+(?:[-/.]\d+)?)\.?\Z", re.IGNORECASE)
_DAY_END = re.compile(rf"(?:{_WEEKDAY}|{_alt('i går|igår|i dag|idag|i morgon|imorgon')})\Z", re.IGNORECASE)
_FOLLOWING_WORD = re.compile(r"[^\S\n]+([^\W\d_]+)")
_LAST_WORD = re.compile(r"([^\W\d_]+)\W*\Z")


def _candidates(text: str, *, relative: bool) -> Iterator[tuple[int, int]]:
    for rule in _RULES:
        if rule.relative and not relative:
            continue
        groups = [group for group in _REPORTED_GROUPS if group in rule.pattern.groupindex]
        for match in rule.pattern.finditer(text):
            if rule.check is not None and not rule.check(match):
                continue
            if not groups:
                yield match.span()
            for group in groups:
                if match.group(group) is not None:
                    yield match.span(group)


def _looks_like_name(text: str, start: int, end: int) -> bool:
    last = _LAST_WORD.search(text, start, end)
    if last is None or not last.group(1)[0].isupper() or last.group(1).lower() not in _NAME_LIKE:
        return False
    following = _FOLLOWING_WORD.match(text, end)
    if following is None:
        return False
    word = following.group(1)
    return word[0].isupper() and word.lower() not in _CALENDAR_WORDS


def _joins(text: str, left: tuple[int, int], right_start: int, clocks: _ClockStarts) -> bool:
    gap = text[left[1] : right_start]
    if _JOIN.fullmatch(gap):
        return True
    if not _COMMA_JOIN.fullmatch(gap):
        return False
    # Both patterns end in \Z: the tail decides, however long a chain of joins has grown.
    left_tail = text[max(left[0], left[1] - _TAIL) : left[1]]
    if _CLOCK_START.match(text, right_start):  # "3 maj 2021, kl. 14" but not "kl. 9, kl. 10"
        return not clocks.within(*left) and _DATE_END.search(left_tail) is not None
    right_is_date = text[right_start].isdigit() or _DEN.match(text, right_start) is not None
    return right_is_date and _DAY_END.search(left_tail) is not None  # "fredagen, den 13 maj"


_TAIL = 256


class _ClockStarts:
    """Where "kl." and "klockan" stand in the text, found once (when first asked), so that
    asking whether a merged span holds one costs a binary search, not a scan of the span."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends: list[int] | None = None
        self._starts: list[int] = []

    def within(self, start: int, end: int) -> bool:
        if self._ends is None:
            found = [match.span() for match in _CLOCK_START.finditer(self._text)]
            self._starts = [a for a, _ in found]
            self._ends = [b for _, b in found]
        index = bisect.bisect_left(self._starts, start)
        return index < len(self._starts) and self._ends[index] <= end


def _merge(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    clocks = _ClockStarts(text)
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or _joins(text, merged[-1], start, clocks)):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class TimeDetector:
    """Finds Swedish time expressions with regular expressions; no model, no I/O."""

    name = "time"
    rank = Rank.RULE
    labels = frozenset({"TME"})

    def __init__(self, *, score: float = 0.9, relative: bool = False) -> None:
        self.score = score
        self.relative = relative

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.find(text) for text in texts]

    def find(self, text: str) -> list[Span]:
        found = (
            (start, end)
            for start, end in _candidates(text, relative=self.relative)
            if end > start and not _looks_like_name(text, start, end)
        )
        return [
            Span(start, end, "TME", self.score, "rule:time", rank=self.rank)
            for start, end in _merge(text, found)
        ]
