"""The offline answerer on hand-made passages, with the real embedding model: conflicts, dates, refusals."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from qa.answer import ExtractiveAnswerer
from qa.chain import embedder_for
from qa.settings import Settings
from qa.verify import Verifier, verify_answer


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    settings = Settings()
    return ExtractiveAnswerer(embedder_for(settings), settings.answer)


def passage(doc_id: str, text: str, rank: int, **meta: str) -> Document:
    return Document(text, metadata={"doc_id": doc_id, "title": doc_id, "passage": 0, "start": 0, "end": len(text),
                                    "rank": rank, "score": 0.6, **meta})


def test_sources_that_disagree_are_both_given_and_cited(answerer: ExtractiveAnswerer) -> None:
    got = answerer.answer("How many peshmerga fighters has Turkey trained?", [
        passage("ankara.txt", "Ankara says Turkey has trained 1,600 peshmerga fighters so far.", 1),
        passage("baghdad.txt", "Baghdad says Turkey has trained 1,200 peshmerga fighters so far.", 2),
    ])
    assert got.answer.startswith("1,600 [1]; 1,200 [2] (the sources differ)")
    assert [c.doc_id for c in got.citations] == ["ankara.txt", "baghdad.txt"]
    assert verify_answer(got, Verifier(answerer.embedder)) == got  # every part is supported as written


def test_a_dated_claim_carries_its_date_and_a_weekday_is_resolved(answerer: ExtractiveAnswerer) -> None:
    got = answerer.answer("When did Putin and Erdogan meet in St. Petersburg?", [
        passage("tass.txt", "On Tuesday, Putin and Erdogan met in St. Petersburg for the first time since the jet crisis.",
                1, published="2016-08-10"),
    ])
    assert got.short_answer == "Tuesday (that is, August 9, 2016)"
    assert got.answer.endswith("[1] (as of 2016-08-10)")
    assert verify_answer(got, Verifier(answerer.embedder)) == got


def test_a_passage_about_another_year_does_not_answer(answerer: ExtractiveAnswerer) -> None:
    got = answerer.answer("Who won the women's singles at Wimbledon in 2019?", [
        passage("w.txt", "Elena Rybakina won the women's singles title at Wimbledon in 2022, beating Ons Jabeur.", 1),
    ])
    assert got.refused and got.citations == []


def test_a_number_that_counts_something_else_does_not_answer(answerer: ExtractiveAnswerer) -> None:
    got = answerer.answer("How many Iraqi police officers will Turkey train?", [
        passage("k.txt", "Turkey had trained 1,600 peshmerga fighters and there were plans for Iraqi police to be "
                         "trained in Turkey.", 1),
    ])
    assert got.short_answer != "1,600"


def test_a_weekday_in_an_undated_article_gives_way_to_a_date(answerer: ExtractiveAnswerer) -> None:
    got = answerer.answer("When did Putin and Erdogan meet in St. Petersburg?", [
        passage("press.txt", "On Tuesday, Putin and Erdogan met in St. Petersburg for the first time since the jet "
                             "crisis. Putin shakes hands with Erdogan at their press conference in St. Petersburg, "
                             "Russia, August 9, 2016.", 1),
    ])
    assert got.short_answer == "August 9, 2016"  # "Tuesday" of no known week is no answer

