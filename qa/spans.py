"""Typed short spans in a sentence: quantities, dates, names and places.

Used by the extractive answerer to give the short answer a question asks for
("How many ...?" → "1,600"). Pure regular expressions over the sentence; a
span is ``(start, end, kind)`` relative to the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    NUMBER = "number"
    DATE = "date"
    NAME = "name"  # a person or an organisation
    PLACE = "place"
    SENTENCE = "sentence"  # no short span: answer with the sentence


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = re.compile(
    rf"\b(?:"
    rf"\d{{4}}-\d{{2}}-\d{{2}}"  # 2015-07-14
    rf"|(?:{_WEEKDAYS},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:,?\s+\d{{4}})?"  # 14 Jul 2015
    rf"|(?:{_WEEKDAYS},?\s+)?{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"  # December 25, 2014
    rf"|(?:(?:early|mid|late)[- ])?{_MONTHS}\s+\d{{4}}"  # September 2014
    rf"|(?:(?:early|mid|late)[- ])?(?:1[5-9]|20)\d{{2}}s?"  # 2015, 1990s
    rf"|(?:(?:last|next|this|on|early|late)\s+)?{_WEEKDAYS}"  # on Tuesday
    rf"|(?:last|next|this)\s+(?:week|month|year)"
    rf")\b"
)
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|dozen|dozens|half|a few|several)"
)
_SCALE = (
    r"(?:\s?(?:%|per ?cent|percent|million|billion|trillion|thousand|hundred|bn\b|m\b))?"
    r"(?:\s(?:km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|tons?|tonnes?|barrels?|dollars?|euros?|years?|"
    r"months?|weeks?|days?|hours?|minutes?)\b)?"
)
_NUMBER = re.compile(
    rf"(?:(?:US|A|C)?[$€£]\s?)?"
    rf"(?:\b\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\b\d+(?:\.\d+)?)(?:\s?[-–]\s?\d+(?:\.\d+)?)?{_SCALE}"
    rf"|\b{_NUMBER_WORDS}(?:[- ]{_NUMBER_WORDS})*\b{_SCALE}",
    re.IGNORECASE,
)
# A capitalised word, optionally with a lower-case particle prefix (al-Abadi) or inner capitals.
# A possessive ('s) ends a run: "Iraq's Haider al-Abadi" is two names.
_CAP = r"(?:(?:al|el|bin|ibn|de|van|von)-)?[A-Z][\w.-]*(?:['’](?!s\b)\w+)*"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:al|bin|ibn|de|da|van|von|of|the|and)\s+)?{_CAP})*(?:['’]s\b)?")
_PLACE_CUES = re.compile(r"\b(?:in|at|from|to|near|outside|inside|into|across|towards?)\s+$", re.IGNORECASE)

# Leading words of a capitalised run that are titles or roles, not names.
TITLE_WORDS = frozenset(
    """president prime minister foreign defence defense interior secretary spokesman spokeswoman
    spokesperson general gen chief head leader king queen prince senator governor mayor commander
    undersecretary ambassador minister's deputy director officer top mr mrs ms dr sir lord former
    acting vice new state national""".split()
)
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ish|ian|ese|ean|qi|ani|i)$")


@dataclass(frozen=True)
class TypedSpan:
    start: int
    end: int
    kind: Kind
    text: str


def _years_and_dates(sentence: str) -> list[TypedSpan]:
    return [TypedSpan(m.start(), m.end(), Kind.DATE, m.group()) for m in _DATE.finditer(sentence)]


def _overlaps(span: TypedSpan, others: list[TypedSpan]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def numbers(sentence: str) -> list[TypedSpan]:
    dates = _years_and_dates(sentence)
    found = []
    for m in _NUMBER.finditer(sentence):
        span = TypedSpan(m.start(), m.end(), Kind.NUMBER, m.group().strip())
        if span.text and not _overlaps(span, dates):
            found.append(span)
    return found


def dates(sentence: str) -> list[TypedSpan]:
    return _years_and_dates(sentence)


def names(sentence: str, kind: Kind = Kind.NAME) -> list[TypedSpan]:
    """Runs of capitalised words, with leading titles, roles and demonyms trimmed off."""
    from qa.text import STOPWORDS

    found = []
    taken = _years_and_dates(sentence)
    for m in _NAME.finditer(sentence):
        tokens = list(re.finditer(r"\S+", m.group()))
        # Drop leading tokens that are stop words (sentence-initial 'The'), titles or demonyms.
        while tokens and (
            tokens[0].group().lower().strip("'’") in STOPWORDS
            or tokens[0].group().lower() in TITLE_WORDS
            or _DEMONYM.match(tokens[0].group())
        ):
            tokens.pop(0)
        while tokens and tokens[-1].group().lower() in {"of", "the", "and", "al", "bin", "de"}:
            tokens.pop()
        if not tokens:
            continue
        start, end = m.start() + tokens[0].start(), m.start() + tokens[-1].end()
        text = re.sub(r"['’]s?$", "", sentence[start:end].rstrip(".,"))
        span = TypedSpan(start, start + len(text), kind, text)
        if len(text) < 2 or _overlaps(span, taken):
            continue
        if kind is Kind.PLACE and not _PLACE_CUES.search(sentence[:start]):
            continue
        found.append(span)
    return found


def find(sentence: str, kind: Kind) -> list[TypedSpan]:
    """All spans of ``kind`` in ``sentence``, left to right."""
    if kind is Kind.NUMBER:
        return numbers(sentence)
    if kind is Kind.DATE:
        return dates(sentence)
    if kind in (Kind.NAME, Kind.PLACE):
        return names(sentence, kind)
    return []


_KIND_CUES: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"\bhow (?:many|much|far|long|large|big|old|often)\b|\bwhat (?:number|percentage|amount|share|proportion)\b|\bnumber of\b", re.I), Kind.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b|\bin what year\b|\bdate\b", re.I), Kind.DATE),
    (re.compile(r"\bwhere\b|\bwhich (?:country|city|town|region|province|place|state|village)\b|\bwhat (?:country|city|town|region|province|place|state)\b|\blocation\b", re.I), Kind.PLACE),
    (re.compile(r"\bwho(?:m|se)?\b|\bwhich (?:person|leader|minister|official|company|organi[sz]ation|group|team|party|agency|newspaper|outlet)\b|\bwhat (?:company|organi[sz]ation|group|team|party|agency)\b|\bname of\b", re.I), Kind.NAME),
]


def expected_kind(question: str) -> Kind:
    """The kind of span a question asks for, from its wh-phrase; SENTENCE when it asks for none."""
    matches = [(m.start(), kind) for pattern, kind in _KIND_CUES if (m := pattern.search(question))]
    return min(matches)[1] if matches else Kind.SENTENCE
