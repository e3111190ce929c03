"""Retrieval building blocks by definition: BM25 tokens, score fusion, the per-article cap, the new metrics."""

from __future__ import annotations

import math

import pytest

from qa.evaluate import Row, answer_in_passages, metrics, ndcg
from qa.lexical import tokenize
from qa.retrieve import combine, diversify


def test_tokens_keep_numbers_whole_and_match_plurals() -> None:
    assert tokenize("Turkey trained 1,600 peshmerga fighters.") == ["turkey", "trained", "1600", "peshmerga", "fighter"]
    assert tokenize("the Su-24 jet's crew") == ["su", "24", "jet", "crew"]
    assert tokenize("How many fighters did Cavusoglu's country train?") == [
        "many", "fighter", "cavusoglu", "country", "train",
    ]
    assert tokenize("3.5 billion stories") == ["3.5", "billion", "story"]


def test_score_fusion_keeps_a_clear_dense_lead_that_rank_fusion_would_lose() -> None:
    # "a" is far ahead on meaning; the others only repeat the question's words more often, so
    # BM25 ranks "a" last. Reciprocal rank fusion (k = 60) would put "b" first:
    # b = 1/62 + 1/61 = 0.0325 > a = 1/61 + 1/65 = 0.0318. The scores keep "a"'s lead.
    cosine = {"a": 0.80, "b": 0.55, "c": 0.54, "d": 0.53, "e": 0.52}
    bm25 = {"a": 2.0, "b": 10.0, "c": 9.0, "d": 8.0, "e": 7.0}
    assert combine(cosine, bm25, lexical_weight=0.2) == ["a", "b", "c", "d", "e"]
    assert combine(cosine, bm25, lexical_weight=0.5)[0] == "b"  # with BM25 weighted as much as meaning, it is not


def test_score_fusion_weights_and_scale() -> None:
    cosine = {"a": 0.60, "b": 0.58, "c": 0.30}
    bm25 = {"a": 0.0, "b": 4.0, "c": 8.0}
    assert combine(cosine, bm25, lexical_weight=0.0) == ["a", "b", "c"]  # embedding order alone
    assert combine(cosine, bm25, lexical_weight=0.2) == ["b", "a", "c"]  # shared words break a near tie
    assert combine(cosine, bm25, lexical_weight=1.0) == ["c", "b", "a"]  # BM25 order alone
    # BM25 scores have no fixed scale: only their ratio to the question's best one counts.
    assert combine(cosine, {p: 7 * v for p, v in bm25.items()}, lexical_weight=0.2) == ["b", "a", "c"]
    assert combine(cosine, dict.fromkeys(cosine, 0.0), lexical_weight=0.2) == ["a", "b", "c"]  # no word shared


def test_per_article_cap_and_fill() -> None:
    article = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    assert diversify(["a1", "a2", "a3", "b1", "c1"], article, k=4, max_per_article=2) == ["a1", "a2", "b1", "c1"]
    # Too few other passages: the passed-over ones fill the gap, in their order.
    assert diversify(["a1", "a2", "a3", "b1"], article, k=4, max_per_article=1) == ["a1", "b1", "a2", "a3"]


def test_a_repeat_penalty_lets_a_close_new_article_in_but_not_a_much_weaker_one() -> None:
    article = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    ids = ["a1", "a2", "a3", "b1", "c1"]
    scores = {"a1": 0.80, "a2": 0.74, "a3": 0.72, "b1": 0.71, "c1": 0.50}
    assert diversify(ids, article, 3, 3, scores, repeat_penalty=0.0) == ["a1", "a2", "a3"]  # the score order
    # a2 must beat b1 by 0.05 to be taken before it: it does not (0.74 - 0.05 < 0.71)
    assert diversify(ids, article, 3, 3, scores, repeat_penalty=0.05) == ["a1", "b1", "a2"]
    # c1 is far weaker than A's next passages even after their penalty, so it waits
    assert diversify(ids, article, 4, 3, scores, repeat_penalty=0.05) == ["a1", "b1", "a2", "a3"]
    # the cap still holds, and the passed-over fill the gap
    assert diversify(ids, article, 5, 2, scores, repeat_penalty=0.05) == ["a1", "b1", "a2", "c1", "a3"]


def test_answer_in_passages_is_squad_normalised_whole_words() -> None:
    assert answer_in_passages(["Turkey trained 1,600 peshmerga."], ["1600"])
    assert answer_in_passages(["...in The Hague, on Monday"], ["the hague"])
    assert not answer_in_passages(["16000 fighters"], ["1600"])
    assert not answer_in_passages(["nothing here"], ["1600", ""])
    # Yes/no answers are judgements, not text: "no" in a passage says nothing about the question.
    assert answer_in_passages(["No one was hurt."], ["No"]) is None
    assert answer_in_passages(["No one was hurt."], ["yes", "no"]) is None
    assert answer_in_passages(["Sam Bankman-Fried said no."], ["No", "Sam Bankman-Fried"]) is True


def test_ndcg_counts_each_gold_article_once() -> None:
    assert ndcg(["g", "x", "x"], ["g"]) == 1.0
    assert ndcg(["x", "g"], ["g"]) == pytest.approx(1 / math.log2(3))
    assert ndcg(["g", "g", "h"], ["g", "h"]) == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert ndcg(["x", "y"], ["g"]) == 0.0


def test_metrics_include_retrieval_keys() -> None:
    base = dict(id="q", question="?", refused=False, short_answer="", gold_rank=1, citations=0, cited_gold=0)
    rows = [
        Row(**base, answerable=True, correct=True, answer_in_passages=True, ndcg=1.0),
        Row(**base, answerable=True, correct=False, answer_in_passages=False, ndcg=0.5),
        Row(**base, answerable=True, correct=False, answer_in_passages=None, ndcg=0.0),  # no accepted answers
        Row(**base, answerable=False, correct=None),
    ]
    m = metrics(rows)
    assert m["answer_in_passages"] == 0.5
    assert m["ndcg_at_k"] == 0.5


def test_filter_flags_become_search_filters() -> None:
    import datetime as dt

    from qa.cli import build_parser, filters_from

    args = build_parser().parse_args(
        ["ask", "q?", "--since", "2016-01-31", "--source", "Reuters", "--source", "AP"]
    )
    filters = filters_from(args)
    assert filters is not None and filters.since == dt.date(2016, 1, 31) and filters.until is None
    assert filters.where() == {"$and": [{"published_day": {"$gte": 20160131}}, {"outlet": {"$in": ["Reuters", "AP"]}}]}
    assert filters_from(build_parser().parse_args(["eval", "--baseline"])) is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "q?", "--until", "31/01/2016"])
