"""Relative time in a question as a window of days before the as-of date (qa.recency), and the prior it gives."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.kinds import weekday_on_or_before
from qa.recency import RECENT_DAYS, Window, relative_window
from qa.retrieve import combine

THURSDAY = dt.date(2023, 1, 26)


@pytest.mark.parametrize(
    ("question", "phrase", "start"),
    [
        ("Which country had a nationwide power outage this week?", "this week", dt.date(2023, 1, 19)),
        ("Which country had a nationwide power outage this past week?", "this past week", dt.date(2023, 1, 19)),
        ("What did the minister announce last week?", "last week", dt.date(2023, 1, 16)),  # from last week's Monday
        ("Beyoncé was paid how much to perform in Dubai last weekend?", "last weekend", dt.date(2023, 1, 21)),
        ("How many viewers watched the Super Bowl this past weekend?", "this past weekend", dt.date(2023, 1, 21)),
        ("Who won the Carabao Cup final on Sunday?", "on Sunday", dt.date(2023, 1, 22)),
        ("Who spoke on Thursday?", "on Thursday", THURSDAY),  # today is Thursday
        ("What happened yesterday in Kyiv?", "yesterday", dt.date(2023, 1, 25)),
        ("Who is speaking tonight?", "tonight", THURSDAY),
        ("Which company recently reported its strongest quarter ever?", "recently", THURSDAY - dt.timedelta(RECENT_DAYS)),
        ("What is the latest online stunt by MrBeast?", "latest", THURSDAY - dt.timedelta(RECENT_DAYS)),
        ("How much have egg prices risen over the past year?", "the past year", dt.date(2022, 1, 26)),
        ("Who resigned in the past two weeks?", "past two weeks", dt.date(2023, 1, 12)),
        ("Which shares fell the most in the last 10 days?", "last 10 days", dt.date(2023, 1, 16)),
        ("What did the Fed do this month?", "this month", dt.date(2023, 1, 1)),
        ("What did the Fed do last month?", "last month", dt.date(2022, 12, 1)),
        ("Who won the most awards this year?", "this year", dt.date(2023, 1, 1)),
        ("Who won the most awards last year?", "last year", dt.date(2022, 1, 1)),
        ("Today, who leads the polls?", "Today", THURSDAY),
    ],
)
def test_relative_time_becomes_a_window_ending_on_the_as_of_date(question: str, phrase: str, start: dt.date) -> None:
    assert relative_window(question, THURSDAY) == Window(phrase, start, THURSDAY)


def test_the_narrowest_phrase_wins() -> None:
    question = "The IRS started accepting returns this week. When is the deadline to file this year?"
    assert relative_window(question, THURSDAY) == Window("this week", dt.date(2023, 1, 19), THURSDAY)


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    assert relative_window("last month", dt.date(2023, 1, 3)).start == dt.date(2022, 12, 1)  # type: ignore[union-attr]
    assert relative_window("last month", dt.date(2023, 3, 31)).start == dt.date(2023, 2, 1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "question",
    [
        "Where does the CDC want to test wastewater for coronavirus variants?",
        "What did NBC's Today show broadcast?",  # a name, not a day
        "Who will coach the team next season?",
        "Which week of the year has the most weddings?",
        "",
    ],
)
def test_no_relative_time_no_window(question: str) -> None:
    assert relative_window(question, THURSDAY) is None


def test_a_window_holds_the_days_from_its_start_to_the_as_of_date_and_never_an_undated_article() -> None:
    window = Window("this week", dt.date(2023, 1, 19), THURSDAY)
    assert window.days == (20230119, 20230126)
    assert window.holds(20230119) and window.holds(20230126)
    assert not window.holds(20230118) and not window.holds(20230127)
    assert not window.holds(None) and not window.holds(0)


def test_weekday_on_or_before_is_what_the_answerer_resolves_too() -> None:
    assert weekday_on_or_before("on Tuesday", dt.date(2016, 8, 10)) == dt.date(2016, 8, 9)
    assert weekday_on_or_before("Wednesday", dt.date(2016, 8, 10)) == dt.date(2016, 8, 10)
    assert weekday_on_or_before("next month", dt.date(2016, 8, 10)) is None


def test_the_prior_reorders_close_scores_but_not_a_clearly_better_match() -> None:
    cosine = {"recent": 0.60, "older": 0.63, "off_topic": 0.40, "undated": 0.70}
    bm25 = {"recent": 1.0, "older": 1.0, "off_topic": 1.0, "undated": 1.0}
    assert combine(cosine, bm25, 0.2) == ["undated", "older", "recent", "off_topic"]
    prior = {"recent": 0.05, "off_topic": 0.05}
    # the week's article overtakes the older one it nearly tied; the clearly better undated one stays first,
    # and an off-topic article in the window stays last
    assert combine(cosine, bm25, 0.2, prior) == ["undated", "recent", "older", "off_topic"]
