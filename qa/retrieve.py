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
Given the day a question is asked on (``as_of``), relative time in it ("this week")
adds a ranking prior for articles published in that window (:mod:`qa.recency`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from langchain_core.documents import Document
from pydantic import BaseModel, Field

from qa.embed import embed_query
from qa.recency import Window, relative_window
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


def recency_window(query: str, as_of: dt.date | None, settings: RetrievalSettings) -> Window | None:
    """The window of days the question's relative time names before ``as_of`` (None: no as-of date,
    no relative time, or the prior turned off)."""
    if as_of is None or settings.recency_boost <= 0:
        return None
    return relative_window(query, as_of)


def recency_prior(docs: dict[str, Document], window: Window | None, boost: float) -> dict[str, float]:
    """``boost`` for each candidate from an article published in ``window``; nothing for the others."""
    if window is None:
        return {}
    return {pid: boost for pid, doc in docs.items() if window.holds(doc.metadata.get("published_day"))}


def ranked(docs: dict[str, Document], order: list[str], window: Window | None) -> list[Document]:
    """The chosen passages in ``order``, each with its ``rank``; with a window, also ``in_window``
    (whether its article was published in it), which the answerer prefers (:mod:`qa.answer`)."""
    out = []
    for rank, pid in enumerate(order, start=1):
        meta = {**docs[pid].metadata, "rank": rank}
        if window is not None:
            meta["in_window"] = window.holds(meta.get("published_day"))
        out.append(Document(id=pid, page_content=docs[pid].page_content, metadata=meta))
    return out


def dense_search(
    index: Any, embedder: Any, query: str, k: int, filters: SearchFilters | None = None,
    as_of: dt.date | None = None, settings: RetrievalSettings | None = None,
) -> list[Document]:
    """Nearest passages by embedding similarity alone (``retrieval.mode = 'dense'``), with the recency
    prior of :func:`hybrid_search` when ``as_of`` is given and the question names a time."""
    vector = embed_query(embedder, query)
    where = filters.where() if filters else None
    s = settings or RetrievalSettings()
    window = recency_window(query, as_of, s)
    if window is None:
        return index.search(vector, k, where=where)
    n = max(s.candidates, k)
    docs = {doc.id: doc for doc in [*index.search(vector, n, where=where), *index.search(vector, n, where=where, days=window.days)]}
    prior = recency_prior(docs, window, s.recency_boost)
    order = sorted(docs, key=lambda pid: -(docs[pid].metadata["score"] + prior.get(pid, 0.0)))[:k]
    return ranked(docs, order, window)


def fused_scores(
    cosine: dict[str, float], bm25: dict[str, float], lexical_weight: float, prior: dict[str, float] | None = None
) -> dict[str, float]:
    """Each candidate's ``(1 - w) * cosine + w * bm25 / best_bm25 + prior`` (``w = lexical_weight``).

    Scores, not ranks: a passage the embedding search puts far ahead of the rest (cosine 0.75
    against 0.55) keeps that lead even when BM25 ranks it 15th behind snippets that merely repeat
    the question's words, which reciprocal rank fusion would let overtake it. The cosine is used
    as it is (it already lives on a fixed scale); BM25 scores have none, so they are divided by
    the best one of the question. ``bm25`` must hold the score of every candidate in ``cosine``
    (0 when it shares no word with the question); the best of them is the best BM25 score
    overall when the candidates include BM25's own top passages. ``prior`` adds a fixed amount to some
    candidates (the recency prior, :mod:`qa.recency`); a candidate it leaves out gets nothing.
    """
    best = max(bm25.values(), default=0.0)
    scale = lexical_weight / best if best > 0 else 0.0
    prior = prior or {}
    return {
        pid: (1 - lexical_weight) * cos + scale * bm25.get(pid, 0.0) + prior.get(pid, 0.0) for pid, cos in cosine.items()
    }


def combine(
    cosine: dict[str, float], bm25: dict[str, float], lexical_weight: float, prior: dict[str, float] | None = None
) -> list[str]:
    """Candidate ids, best first, by :func:`fused_scores`."""
    combined = fused_scores(cosine, bm25, lexical_weight, prior)
    return sorted(combined, key=lambda pid: -combined[pid])


def diversify(
    ids: list[str], article_of: dict[str, str], k: int, max_per_article: int,
    scores: dict[str, float] | None = None, repeat_penalty: float = 0.0,
) -> list[str]:
    """``k`` of ``ids`` (best first), at most ``max_per_article`` per article; passed-over ones fill any gap, in order.

    With ``scores`` and a ``repeat_penalty``, each next pick is the candidate whose score, less
    ``repeat_penalty`` for every passage of its article already picked, is highest: another passage
    of an article already in the list must beat the best passage of a new article by that much.
    Without them, the picks are simply the first ids that fit under the cap.
    """
    chosen: list[str] = []
    per_article: dict[str, int] = {}
    remaining = list(ids)
    while remaining and len(chosen) < k:
        fits = [pid for pid in remaining if per_article.get(article_of[pid], 0) < max_per_article]
        if not fits:
            break
        if scores is None or repeat_penalty <= 0:
            pick = fits[0]
        else:
            pick = max(fits, key=lambda pid: scores[pid] - repeat_penalty * per_article.get(article_of[pid], 0))
        chosen.append(pick)
        remaining.remove(pick)
        per_article[article_of[pick]] = per_article.get(article_of[pick], 0) + 1
    taken = set(chosen)
    return chosen + [pid for pid in ids if pid not in taken][: k - len(chosen)]


def hybrid_search(
    index: Any,
    embedder: Any,
    lexical: Any,
    settings: RetrievalSettings,
    query: str,
    k: int,
    filters: SearchFilters | None = None,
    as_of: dt.date | None = None,
) -> list[Document]:
    """Embedding search and BM25 combined by score (:func:`combine`), at most a few passages per article.

    ``index`` is a :class:`qa.index.Index`, ``embedder`` a :class:`qa.embed.Embedder`, ``lexical`` a
    :class:`qa.lexical.LexicalIndex` (or None for the dense ranking alone, still diversified).
    ``as_of``: the day the question is asked on. When the question names a time before it ("this
    week"), each search also proposes its best passages from articles published in that window, and
    those get ``recency_boost`` added to their cosine's share of the score (:mod:`qa.recency`).
    """
    s = settings
    n = max(s.candidates, k)
    vector = embed_query(embedder, query)
    where = filters.where() if filters else None
    window = recency_window(query, as_of, s)
    dense = index.search(vector, n, where=where)
    if window is not None:
        dense += index.search(vector, n, where=where, days=window.days)
    docs = {doc.id: doc for doc in dense}
    prior = recency_prior(docs, window, s.recency_boost)
    fused = {pid: doc.metadata["score"] + prior.get(pid, 0.0) for pid, doc in docs.items()}
    if lexical is not None and s.lexical_weight > 0:
        scores = lexical.scores(query, filters)
        hits = scores.top(n)
        if window is not None:
            hits += scores.top(n, among=lexical.published_between(window.days))
        # Passages only BM25 proposed: fetch them, with their vectors for the cosine score.
        proposed = list(dict.fromkeys(hit.passage_id for hit in hits if hit.passage_id not in docs))
        for pid, (text, meta, passage_vector) in index.passages(proposed).items():
            docs[pid] = Document(
                id=pid, page_content=text, metadata={**meta, "score": float(np.dot(vector, passage_vector))}
            )
        fused = fused_scores(
            {pid: doc.metadata["score"] for pid, doc in docs.items()},
            {pid: scores.of(pid) for pid in docs},
            s.lexical_weight,
            recency_prior(docs, window, (1 - s.lexical_weight) * s.recency_boost),  # the cosine's share
        )
    order = sorted(fused, key=lambda pid: -fused[pid])
    chosen = diversify(
        order, {pid: docs[pid].metadata["doc_id"] for pid in order}, k, s.max_per_article, fused, s.repeat_penalty
    )
    return with_context(index, ranked(docs, chosen, window), s.context_sentences)


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
