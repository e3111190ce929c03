"""Pure helpers of the offline answerer: what is quoted around a span, when two spans are one answer, dates."""

from __future__ import annotations

import datetime as dt

from qa.answer import quote_bounds, resolve_relative, same_answer

TEXT = "Ankara hosted the talks. Turkey had trained 1,600 peshmerga fighters, he said.\nLunch followed."


def test_the_quote_is_the_sentence_that_holds_the_span() -> None:
    start = TEXT.index("1,600")
    a, b = quote_bounds(TEXT, start, start + len("1,600"))
    assert TEXT[a:b] == "Turkey had trained 1,600 peshmerga fighters, he said."


def test_a_span_across_two_sentences_quotes_both() -> None:
    start = TEXT.index("talks")
    a, b = quote_bounds(TEXT, start, TEXT.index("Turkey") + len("Turkey"))
    assert TEXT[a:b] == "Ankara hosted the talks. Turkey had trained 1,600 peshmerga fighters, he said."


def test_two_names_of_one_thing_are_the_same_answer_and_different_numbers_are_not() -> None:
    assert same_answer("Bills", "the Buffalo Bills") and same_answer("1,600", "1600")
    assert not same_answer("1,600", "1,200") and not same_answer("Mike Pence", "Joe Biden")
    assert not same_answer("Buffalo", "Bills")


def test_relative_dates_resolve_against_the_article_date_only() -> None:
    assert resolve_relative("on Tuesday", "2016-08-10") == dt.date(2016, 8, 9)
    assert resolve_relative("Wednesday", "2016-08-10T08:00:00") == dt.date(2016, 8, 10)
    assert resolve_relative("last month", "2016-08-10") is None
    assert resolve_relative("on Tuesday", None) is None
