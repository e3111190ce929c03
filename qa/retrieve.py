"""Stage 5, retrieve: the passages most likely to answer a question.

Plain functions (no LangChain runnable machinery on the question path: importing
``langchain_core.retrievers`` costs most of a second); :mod:`qa.retriever` wraps them
as a LangChain retriever for composing with other chains. Each returned
document carries the citation metadata (doc_id, title, passage, start, end)
plus ``score`` (cosine similarity to the question) and ``rank``.

:func:`hybrid_search` (the default) asks two searches for candidates, the
embedding search (meaning) and BM25 (:mod:`qa.lexical`: names, numbers, rare
words), orders their union by a weighted sum of each candidate's cosine and its
BM25 score relative to the best one (:func:`combine`), and keeps at most a few
passages per article. Both searches apply the same :class:`SearchFilters`
inside the search, so k passages come back whenever k matching passages exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from langchain_core.documents import Document
from pydantic import BaseModel, Field

from qa.embed import embed_query
from qa.settings import RetrievalSettings


class SearchFilters(BaseModel):
    """Restrict a search to articles published in a date range and/or by some outlets.

    Applied inside the vector search (a Chroma ``where`` clause), never after it, so
    ``k`` passages come back whenever ``k`` matching passages exist. Articles with no
    known date are excluded by a date bound; articles with no known outlet by an
    outlet list.
    """

    since: dt.date | None = Field(None, description="Only articles published on or after this day.")
    until: dt.date | None = Field(None, description="Only articles published on or before this day.")
    outlets: list[str] = Field(default_factory=list, description="Only articles from these outlets (exact names).")

    def is_empty(self) -> bool:
        return self.since is None and self.until is None and not self.outlets

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause on passage metadata (``published_day``, ``outlet``), or None."""
        clauses: list[dict[str, Any]] = []
        if self.since is not None:
            clauses.append({"published_day": {"$gte": int(self.since.strftime("%Y%m%d"))}})
        if self.until is not None:
            clauses.append({"published_day": {"$lte": int(self.until.strftime("%Y%m%d"))}})
        if self.outlets:
            clauses.append({"outlet": {"$in": list(self.outlets)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def dense_search(index: Any, embedder: Any, query: str, k: int, filters: SearchFilters | None = None) -> list[Document]:
    """Nearest passages by embedding similarity alone (``retrieval.mode = 'dense'``)."""
    vector = embed_query(embedder, query)
    return index.search(vector, k, where=filters.where() if filters else None)


def combine(cosine: dict[str, float], bm25: dict[str, float], lexical_weight: float) -> list[str]:
    """Candidate ids, best first, by ``(1 - w) * cosine + w * bm25 / best_bm25`` (``w = lexical_weight``).

    Scores, not ranks: a passage the embedding search puts far ahead of the rest (cosine 0.75
    against 0.55) keeps that lead even when BM25 ranks it 15th behind snippets that merely repeat
    the question's words, which reciprocal rank fusion would let overtake it. The cosine is used
    as it is (it already lives on a fixed scale); BM25 scores have none, so they are divided by
    the best one of the question. ``bm25`` must hold the score of every candidate in ``cosine``
    (0 when it shares no word with the question); the best of them is the best BM25 score
    overall when the candidates include BM25's own top passages.
    """
    best = max(bm25.values(), default=0.0)
    scale = lexical_weight / best if best > 0 else 0.0
    combined = {pid: (1 - lexical_weight) * cos + scale * bm25.get(pid, 0.0) for pid, cos in cosine.items()}
    return sorted(combined, key=lambda pid: -combined[pid])


def diversify(ids: list[str], article_of: dict[str, str], k: int, max_per_article: int) -> list[str]:
    """The first ``k`` ids with at most ``max_per_article`` per article; passed-over ones fill any gap, in order."""
    chosen: list[str] = []
    passed_over: list[str] = []
    per_article: dict[str, int] = {}
    for pid in ids:
        if len(chosen) == k:
            break
        article = article_of[pid]
        if per_article.get(article, 0) < max_per_article:
            chosen.append(pid)
            per_article[article] = per_article.get(article, 0) + 1
        else:
            passed_over.append(pid)
    chosen += passed_over[: k - len(chosen)]
    return chosen


def hybrid_search(
    index: Any,
    embedder: Any,
    lexical: Any,
    settings: RetrievalSettings,
    query: str,
    k: int,
    filters: SearchFilters | None = None,
) -> list[Document]:
    """Embedding search and BM25 combined by score (:func:`combine`), at most a few passages per article.

    ``index`` is a :class:`qa.index.Index`, ``embedder`` a :class:`qa.embed.Embedder`, ``lexical`` a
    :class:`qa.lexical.LexicalIndex` (or None for the dense ranking alone, still diversified).
    """
    s = settings
    n = max(s.candidates, k)
    vector = embed_query(embedder, query)
    dense = index.search(vector, n, where=filters.where() if filters else None)
    docs = {doc.id: doc for doc in dense}
    order = [doc.id for doc in dense]
    if lexical is not None and s.lexical_weight > 0:
        scores = lexical.scores(query, filters)
        # Passages only BM25 proposed: fetch them, with their vectors for the cosine score.
        proposed = [hit.passage_id for hit in scores.top(n) if hit.passage_id not in docs]
        for pid, (text, meta, passage_vector) in index.passages(proposed).items():
            docs[pid] = Document(
                id=pid, page_content=text, metadata={**meta, "score": float(np.dot(vector, passage_vector))}
            )
        order = combine(
            {pid: doc.metadata["score"] for pid, doc in docs.items()},
            {pid: scores.of(pid) for pid in docs},
            s.lexical_weight,
        )
    head = order[: k * (s.max_per_article + 1)]
    chosen = diversify(head, {pid: docs[pid].metadata["doc_id"] for pid in head}, k, s.max_per_article)
    ranked = [
        Document(id=pid, page_content=docs[pid].page_content, metadata={**docs[pid].metadata, "rank": rank})
        for rank, pid in enumerate(chosen, start=1)
    ]
    return with_context(index, ranked, s.context_sentences)


def with_context(index: Any, docs: list[Document], sentences: int) -> list[Document]:
    """Each passage widened by up to ``sentences`` sentences of its article on either side.

    A passage is cut at a sentence, but the fact a question needs is often in the sentence just
    before or after the cut ("...; the talks ended on 12 March."). The widened text is still an
    exact span of the stored article (``start``/``end`` move with it), so citations stay exact.
    """
    if sentences <= 0:
        return docs
    from qa.chunk import split_sentences

    spans_of: dict[str, list[Any]] = {}
    widened = []
    for doc in docs:
        m = doc.metadata
        stored = index.article(m["doc_id"])
        if stored is None:  # removed since the search: keep the passage as found
            widened.append(doc)
            continue
        spans = spans_of.setdefault(m["doc_id"], split_sentences(stored.text))
        before = [sp for sp in spans if sp.end <= m["start"]][-sentences:]
        after = [sp for sp in spans if sp.start >= m["end"]][:sentences]
        start = before[0].start if before else m["start"]
        end = after[-1].end if after else m["end"]
        widened.append(
            Document(id=doc.id, page_content=stored.text[start:end], metadata={**m, "start": start, "end": end})
        )
    return widened
