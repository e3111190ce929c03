"""Pure helpers of the offline answerer: key terms, counted nouns, relative dates."""

from __future__ import annotations

import datetime as dt

from qa.answer import key_terms, resolve_relative
from qa.spans import Kind, counted_terms, is_relative, pick_span

SENTENCE = "The country had trained 1,600 peshmerga fighters and there were plans for Iraqi police to be trained."


def test_key_terms_are_the_questions_names_and_numbers() -> None:
    assert key_terms("Who won the women's singles at Wimbledon in 2019?") == {"wimbledon", "2019"}
    assert key_terms("What was Tesla's revenue in Q1 2021?") == {"tesla", "q1", "2021"}
    assert key_terms("how many fighters were trained?") == set()


def test_how_many_counts_its_noun_and_a_number_of_something_else_is_not_the_answer() -> None:
    assert counted_terms("How many Iraqi police officers will Turkey train?") == {"iraqi", "police", "officer"}
    assert counted_terms("How long is the border?") == set()
    assert pick_span(SENTENCE, Kind.NUMBER, "How many Iraqi police officers will Turkey train?") is None
    span = pick_span(SENTENCE, Kind.NUMBER, "How many peshmerga did Turkey train?")
    assert span is not None and span.text == "1,600"


def test_relative_dates_resolve_against_the_article_date_only() -> None:
    assert is_relative("on Tuesday") and is_relative("last month") and not is_relative("August 9, 2016")
    assert resolve_relative("on Tuesday", "2016-08-10") == dt.date(2016, 8, 9)
    assert resolve_relative("Wednesday", "2016-08-10T08:00:00") == dt.date(2016, 8, 10)
    assert resolve_relative("last month", "2016-08-10") is None
    assert resolve_relative("on Tuesday", None) is None
