"""Pure helpers of the offline answerer: key terms, counted nouns, relative dates."""

from __future__ import annotations

import datetime as dt

from langchain_core.documents import Document

from qa.answer import _idf, key_penalty, key_terms, resolve_relative, sentences_of, shortlist
from qa.spans import counted_terms, is_relative, pick_span, question_focus
from qa.text import content_terms

SENTENCE = "The country had trained 1,600 peshmerga fighters and there were plans for Iraqi police to be trained."


def test_a_passage_about_other_years_loses_support_and_one_naming_none_does_not() -> None:
    keys = key_terms("What was Tesla's revenue in Q1 2021?")
    assert keys == {"q1", "2021"} and key_terms("How many Syrian refugees in mid-2015?") == {"2015"}
    assert key_penalty(keys, {"tesla", "revenue", "q1", "2023"}) == 0.25
    assert key_penalty(keys, {"tesla", "revenue", "q1"}) == 0.0
    assert key_penalty(keys, {"tesla", "q1", "2021", "2020"}) == 0.0


def test_how_many_counts_its_noun_and_a_number_of_something_else_is_not_the_answer() -> None:
    assert counted_terms("How many Iraqi police officers will Turkey train?") == {"iraqi", "police", "officer"}
    assert counted_terms("How long is the border?") == set()
    assert pick_span(SENTENCE, question_focus("How many Iraqi police officers will Turkey train?")) is None
    picked = pick_span(SENTENCE, question_focus("How many peshmerga did Turkey train?"))
    assert picked is not None and picked[0].text == "1,600"


def test_relative_dates_resolve_against_the_article_date_only() -> None:
    assert is_relative("on Tuesday") and is_relative("last month") and not is_relative("August 9, 2016")
    assert resolve_relative("on Tuesday", "2016-08-10") == dt.date(2016, 8, 9)
    assert resolve_relative("Wednesday", "2016-08-10T08:00:00") == dt.date(2016, 8, 10)
    assert resolve_relative("last month", "2016-08-10") is None
    assert resolve_relative("on Tuesday", None) is None


def test_only_a_shortlist_of_sentences_is_embedded_chosen_by_passage_score_and_word_overlap() -> None:
    top = Document("Ankara hosted the talks. The weather was mild that week. Guards stood at the gate.",
                   metadata={"doc_id": "a.txt", "start": 0, "score": 0.9})
    low = Document("Turkey had trained 1,600 peshmerga fighters, the minister said. Lunch followed.",
                   metadata={"doc_id": "b.txt", "start": 0, "score": 0.2})
    candidates = sentences_of([top, low])
    q_terms = content_terms("How many peshmerga did Turkey train?")
    kept = shortlist(candidates, q_terms, _idf(candidates), 2)
    assert len(kept) == 2 and "1,600 peshmerga" in kept[1].text  # overlap beats a better-ranked passage
    assert [c.text for c in kept] == [c.text for c in candidates if c in kept]  # order kept
    assert shortlist(candidates, q_terms, _idf(candidates), 0) == candidates  # 0: all
