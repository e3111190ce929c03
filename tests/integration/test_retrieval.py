"""Hybrid retrieval on the real model and a real Chroma: rare words, filters inside both searches,
the BM25 index kept in step with writes, and the tutorial baseline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa.baseline import Baseline
from qa.chain import QAChain
from qa.chunk import chunk
from qa.clean import Article, ArticleMeta
from qa.ingest import embedding_text, fingerprint
from qa.lexical import LexicalIndex
from qa.retrieve import SearchFilters
from qa.settings import Settings
from tests.conftest import KHALEEJ, SEEDS
from tests.threads import at_once


def _put(chain: QAChain, doc_id: str, text: str, meta: ArticleMeta) -> None:
    article = Article(doc_id=doc_id, title=text.split(".")[0], text=text, source=doc_id, meta=meta)
    passages = chunk(doc_id, text, chain.settings.chunk)
    vectors = chain.embedder.embed([embedding_text(article, p) for p in passages])
    chain.index.put(article, fingerprint(article, chain.settings.chunk, chain.embedder.name), passages, vectors)


DATED = {
    "old_reuters.txt": ("Reuters: the Bashiqa camp trained peshmerga volunteers near Mosul.", "2014-05-02", "Reuters"),
    "new_reuters.txt": ("Reuters: Bashiqa camp trainers left after the Mosul offensive ended.", "2017-08-10", "Reuters"),
    "new_ap.txt": ("AP: peshmerga fighters at Bashiqa received new rifles from Turkey.", "2017-09-01", "AP"),
}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    chain = QAChain(Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=SEEDS))
    chain.ensure_ingested(log=lambda _: None)
    for doc_id, (text, day, outlet) in DATED.items():
        _put(chain, doc_id, text, ArticleMeta(published=day, outlet=outlet))
    return chain


def test_rare_name_and_number_find_their_article_first(chain: QAChain) -> None:
    for question in ["Who trained 1,600 fighters?", "Did Cavusoglu pledge support?"]:
        docs = chain.retriever(k=5).invoke(question)
        assert docs[0].metadata["doc_id"] == KHALEEJ, question
        assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4, 5]
        assert all(-1 <= d.metadata["score"] <= 1 for d in docs)


def test_at_most_max_per_article_passages_per_article_unless_nothing_else(chain: QAChain) -> None:
    cap = chain.settings.retrieval.max_per_article
    docs = chain.retriever(k=8).invoke("How many peshmerga did Turkey train?")
    per_article = [d.metadata["doc_id"] for d in docs]
    assert len(docs) == 8 and max(per_article.count(a) for a in per_article) <= cap
    only = chain.retriever(k=3, filters=SearchFilters(outlets=["Reuters"])).invoke("Bashiqa")
    assert [d.metadata["doc_id"] for d in only].count("old_reuters.txt") == 1 and len(only) == 2


def test_filters_apply_inside_both_searches(chain: QAChain) -> None:
    # "Bashiqa" is a word BM25 finds in every dated article; the filters must still hold.
    since = chain.retriever(k=5, filters=SearchFilters(since=dt.date(2017, 1, 1))).invoke("Bashiqa peshmerga")
    assert {d.metadata["doc_id"] for d in since} == {"new_reuters.txt", "new_ap.txt"}
    window = SearchFilters(since=dt.date(2014, 1, 1), until=dt.date(2017, 8, 31), outlets=["Reuters"])
    docs = chain.retriever(k=5, filters=window).invoke("How many peshmerga did Turkey train?")
    assert {d.metadata["doc_id"] for d in docs} == {"old_reuters.txt", "new_reuters.txt"}
    assert chain.retriever(k=5, filters=SearchFilters(outlets=["Nobody"])).invoke("Bashiqa") == []


def test_bm25_index_follows_writes_and_reloads_from_disk(chain: QAChain) -> None:
    before = chain.lexical()
    assert LexicalIndex.open(chain.index).ids == before.ids  # loaded from disk, same passages
    _put(chain, "zz_temp.txt", "Xylophonists from Qaraqosh toured Erbil in March.", ArticleMeta())
    assert chain.retriever(k=1).invoke("Qaraqosh xylophonists")[0].metadata["doc_id"] == "zz_temp.txt"
    assert chain.lexical().version != before.version  # (the stamp of the store it was built from)
    assert chain.index.remove("zz_temp.txt")
    assert all(d.metadata["doc_id"] != "zz_temp.txt" for d in chain.retriever(k=5).invoke("Qaraqosh xylophonists"))
    assert "zz_temp.txt" not in " ".join(chain.lexical().ids)


def test_baseline_is_the_tutorial_pipeline(tmp_path: Path, chain: QAChain) -> None:
    baseline = Baseline.build(SEEDS, tmp_path / "baseline", chain.embedder)
    hits = baseline.search("How many peshmerga did Turkey train?", 4)
    assert len(hits) == 4 and hits[0].doc_id.endswith(".txt")
    assert all(len(h.text) <= 1000 for h in hits)
    again = Baseline.build(SEEDS, tmp_path / "baseline", chain.embedder)  # reused, not rebuilt
    assert [h.text for h in again.search("How many peshmerga did Turkey train?", 4)] == [h.text for h in hits]


def test_passages_come_widened_by_a_sentence_each_side_as_exact_article_spans(chain: QAChain) -> None:
    plain = chain.settings.with_overrides(**{"retrieval.context_sentences": 0})
    narrow = QAChain(plain, index=chain.index, embedder=chain.embedder).retrieve("How many peshmerga did Turkey train?")
    wide = chain.retrieve("How many peshmerga did Turkey train?")
    assert [d.id for d in wide] == [d.id for d in narrow]
    for before, after in zip(narrow, wide):
        text = chain.index.article(after.metadata["doc_id"]).text  # type: ignore[union-attr]
        assert after.page_content == text[after.metadata["start"] : after.metadata["end"]]
        assert after.metadata["start"] <= before.metadata["start"] and after.metadata["end"] >= before.metadata["end"]
        assert before.page_content in after.page_content
    assert any(len(a.page_content) > len(b.page_content) for a, b in zip(wide, narrow))


def test_threads_asking_at_once_open_the_bm25_index_once(chain: QAChain, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat page's first questions arrive together: one thread builds the BM25 index, none fails."""
    import shutil

    shutil.rmtree(LexicalIndex.folder_for(chain.index))
    fresh = QAChain(chain.settings, index=chain.index, embedder=chain.embedder)
    builds: list[int] = []
    real_build = LexicalIndex.build.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(LexicalIndex, "build", classmethod(lambda cls, index: (builds.append(1), real_build(cls, index))[1]))
    results, errors = at_once(lambda: [d.id for d in fresh.retrieve("How many peshmerga did Turkey train at Bashiqa?")])
    assert errors == [] and builds == [1]
    assert len(results) == 8 and all(r == results[0] for r in results)
