"""What a question asks for, read from its wording: a number, a date, a name, a place, or a sentence.

The span reader (qa.reader) finds answers without this; it is what follow-up questions use to tell
whether the previous answer was a name ("And who announced it?"), and what the answerer uses to
tell a relative date ("on Tuesday") that needs the article's date beside it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import Enum


class Kind(str, Enum):
    NUMBER = "number"
    DATE = "date"
    NAME = "name"  # a person or an organisation
    PLACE = "place"
    SENTENCE = "sentence"  # no short span: answer with the sentence


_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_RELATIVE = re.compile(rf"^(?:(?:last|next|this|on|early|late)\s+)?(?:{_WEEKDAYS}|week|month|year)$", re.IGNORECASE)


def is_relative(date: str) -> bool:
    """A date that only means something next to the day it was written ("on Tuesday", "last month")."""
    return bool(_RELATIVE.match(date.strip()))


def weekday_on_or_before(text: str, day: dt.date) -> dt.date | None:
    """The latest day on or before ``day`` that is the weekday ``text`` names ("on Tuesday"), or None.

    What a weekday means next to the day it was written: in an article (qa.answer) or in a question
    asked on a given day (qa.recency).
    """
    lowered = text.lower()
    for i, name in enumerate(calendar.day_name):
        if name.lower() in lowered:
            return day - dt.timedelta(days=(day.weekday() - i) % 7)
    return None


_KIND_CUES: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"\bhow (?:many|much|far|long|large|big|old|often)\b|\bwhat (?:number|percentage|amount|share|proportion)\b|\bnumber of\b", re.I), Kind.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b|\bin what year\b|\bdate\b", re.I), Kind.DATE),
    (re.compile(r"\bwhere\b|\bwhich (?:country|city|town|region|province|place|state|village)\b|\bwhat (?:country|city|town|region|province|place|state)\b|\blocation\b", re.I), Kind.PLACE),
    (re.compile(r"\bwho(?:m|se)?\b|\b(?:which|what)\b(?:\s+[\w-]+){0,2}\s+(?:person|people|leader|minister|official|president|commander|general|king|queen|company|firm|organi[sz]ation|group|team|party|agency|newspaper|outlet|channel|network|force|militia|body|council|man|woman|player|director|author|artist|band)s?\b|\bname of\b", re.I), Kind.NAME),
]


_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_WHICH_NOUN = re.compile(r"\bwhich\s+(?!(?:is|was|are|were|of|did|does|do|has|have|had)\b)[a-z]", re.IGNORECASE)


def expected_kind(question: str) -> Kind:
    """The kind of span a question asks for, from its wh-phrase; SENTENCE when it asks for none."""
    first = _WH.search(question)
    matches = [
        (m.start(), kind) for pattern, kind in _KIND_CUES if (m := pattern.search(question))
        # A later wh-word opens a clause, not the question: "What did he call Daesh when ..." asks no date.
        if not (first and m.start() > first.start() and _WH.match(question, m.start()))
    ]
    if matches:
        return min(matches)[1]
    # "Which camp ...", "which movie ...": an instance of a named class, most often a name.
    return Kind.NAME if first and _WHICH_NOUN.match(question, first.start()) else Kind.SENTENCE
