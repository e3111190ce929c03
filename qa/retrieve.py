"""Stage 5, retrieve: the passages most likely to answer a question.

A LangChain retriever, so it composes with any LangChain chain; each returned
document carries the citation metadata (doc_id, title, passage, start, end)
plus ``score`` (cosine similarity) and ``rank``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict, Field


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


class DenseRetriever(BaseRetriever):
    """Nearest passages by embedding similarity."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any  # qa.index.Index (Any: pydantic need not validate it)
    embedder: Any  # qa.embed.Embedder
    k: int = 5
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        vector = self.embedder.embed([query])[0]
        return self.index.search(vector, self.k, where=self.filters.where() if self.filters else None)
