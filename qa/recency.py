"""The date a question is asked on: relative time in it ("this week", "last weekend", "recently") as a
window of days before that date, and the ranking prior the window gives the articles published in it.

A news archive holds many weeks, and "Which country had a nationwide power outage this week?" means
the week before the day it was asked. :func:`relative_window` reads the phrase and returns the days it
names, ending on the as-of date; :mod:`qa.retrieve` then adds :attr:`qa.settings.RetrievalSettings.recency_boost`
to the score of every passage of an article published in that window. A prior, not a filter: undated
articles and older background keep their score, and win whenever they match the question clearly
better; the window only decides between passages that match it about equally well.

Every window ends on the as-of date (an article about last weekend may be published on Monday) and
starts where the phrase's period starts. When a question has several phrases ("The IRS opened filing
this week. When is the deadline this year?"), the narrowest window is the one that tells articles apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from qa.kinds import weekday_on_or_before

# "Recently", "lately", "the latest": a month is about as far back as news calls recent.
RECENT_DAYS = 30

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "few": 3, "couple of": 2, "several": 3,
}
_COUNT = r"(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple of|several)"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"


@dataclass(frozen=True)
class Window:
    """The days a relative-time phrase names: ``start`` to ``end`` (the as-of date), both included."""

    phrase: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> tuple[int, int]:
        """The window as inclusive YYYYMMDD integers, as passages store ``published_day``."""
        return int(self.start.strftime("%Y%m%d")), int(self.end.strftime("%Y%m%d"))

    def holds(self, published_day: int | None) -> bool:
        """Whether an article published on ``published_day`` (YYYYMMDD; None or 0: undated) is in the window."""
        first, last = self.days
        return bool(published_day) and first <= int(published_day) <= last  # type: ignore[arg-type]


def _months_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _span(unit: str, n: int, as_of: dt.date) -> dt.date:
    """The day ``n`` units (day, week, month, year) before ``as_of``."""
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
    return as_of - dt.timedelta(days=days * n)


def _start(match: re.Match[str], kind: str, as_of: dt.date) -> dt.date | None:
    """Where the window of one matched phrase starts; None when it names no day before ``as_of``."""
    text = match.group(0).lower()
    if kind == "today":
        return as_of
    if kind == "yesterday":
        return as_of - dt.timedelta(days=1)
    if kind == "weekday":
        return weekday_on_or_before(text, as_of)
    if kind == "weekend":
        saturday = weekday_on_or_before("saturday", as_of)
        assert saturday is not None
        return saturday
    if kind == "recent":
        return as_of - dt.timedelta(days=RECENT_DAYS)
    if kind == "count":  # "the past two weeks", "in the last 10 days"
        n = match.group("n").lower()
        return _span(match.group("unit").lower(), int(n) if n.isdigit() else _NUMBERS[n], as_of)
    # "this/last/past week|month|year"
    unit = match.group("unit").lower()
    which = match.group("which").lower()
    if which in ("past", "the past", "this past") or (unit == "week" and which == "this"):
        return _span(unit, 1, as_of)  # a rolling week, month, year back
    if unit == "week":  # last week, the previous week: from the Monday of the week before this one
        return weekday_on_or_before("monday", as_of) - dt.timedelta(days=7)  # type: ignore[operator]
    if unit == "month":
        return _months_back(as_of, 0 if which == "this" else 1)
    return dt.date(as_of.year - (0 if which == "this" else 1), 1, 1)


_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", re.I), "today"),
    (re.compile(r"\byesterday\b", re.I), "yesterday"),
    (re.compile(rf"\b(?:(?:this|last|past|on|earlier this|this past)\s+)?{_WEEKDAY}\b", re.I), "weekday"),
    (re.compile(r"\b(?:this|last|past|this past|the past|over the|at the)\s+weekend\b", re.I), "weekend"),
    (re.compile(r"\b(?:recent|recently|lately|latest|newest|just announced)\b", re.I), "recent"),
    (re.compile(rf"\b(?:past|last|previous|recent)\s+{_COUNT}\s+(?P<unit>day|week|month|year)s?\b", re.I), "count"),
    (re.compile(r"\b(?P<which>this past|the past|past|this|last|previous)\s+(?P<unit>week|month|year)\b", re.I), "period"),
]


def _is_name(match: re.Match[str], question: str) -> bool:
    """"Today" capitalised mid-sentence is a name (NBC's "Today" show), not a day."""
    return match.group(0)[0].isupper() and match.start() > 0 and question[: match.start()].rstrip()[-1:] not in ".?!"


def relative_window(question: str, as_of: dt.date) -> Window | None:
    """The narrowest window of days, ending on ``as_of``, that a relative-time phrase of ``question`` names.

    None when the question has no such phrase. ``relative_window("Who won the final on Sunday?",
    date(2023, 3, 2))`` is ``Window("on Sunday", date(2023, 2, 26), date(2023, 3, 2))``.
    """
    best: Window | None = None
    for pattern, kind in _PHRASES:
        for match in pattern.finditer(question):
            if kind == "today" and _is_name(match, question):
                continue
            start = _start(match, kind, as_of)
            if start is None or start > as_of:
                continue
            window = Window(match.group(0), start, as_of)
            if best is None or window.start > best.start:
                best = window
    return best
