"""Retrieval building blocks by definition: BM25 tokens, rank fusion, the per-article cap, the new metrics."""

from __future__ import annotations

import math

import pytest

from qa.evaluate import Row, answer_in_passages, metrics, ndcg
from qa.lexical import tokenize
from qa.retrieve import diversify, fuse


def test_tokens_keep_numbers_whole_and_match_plurals() -> None:
    assert tokenize("Turkey trained 1,600 peshmerga fighters.") == ["turkey", "trained", "1600", "peshmerga", "fighter"]
    assert tokenize("the Su-24 jet's crew") == ["su", "24", "jet", "crew"]
    assert tokenize("How many fighters did Cavusoglu's country train?") == [
        "many", "fighter", "cavusoglu", "country", "train",
    ]
    assert tokenize("3.5 billion stories") == ["3.5", "billion", "story"]


def test_reciprocal_rank_fusion() -> None:
    fused = dict(fuse([(["a", "b", "c"], 1.0), (["c", "d"], 2.0)], rrf_k=10))
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["c"] == pytest.approx(1 / 13 + 2 / 11)
    assert fused["d"] == pytest.approx(2 / 12)
    assert [pid for pid, _ in fuse([(["a", "b", "c"], 1.0), (["c", "d"], 2.0)], rrf_k=10)][0] == "c"


def test_per_article_cap_and_fill() -> None:
    article = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    assert diversify(["a1", "a2", "a3", "b1", "c1"], article, k=4, max_per_article=2) == ["a1", "a2", "b1", "c1"]
    # Too few other passages: the passed-over ones fill the gap, in their order.
    assert diversify(["a1", "a2", "a3", "b1"], article, k=4, max_per_article=1) == ["a1", "b1", "a2", "a3"]


def test_answer_in_passages_is_squad_normalised_whole_words() -> None:
    assert answer_in_passages(["Turkey trained 1,600 peshmerga."], ["1600"])
    assert answer_in_passages(["...in The Hague, on Monday"], ["the hague"])
    assert not answer_in_passages(["16000 fighters"], ["1600"])
    assert not answer_in_passages(["nothing here"], ["1600", ""])


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
