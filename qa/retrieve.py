"""Stage 5, retrieve: the passages most likely to answer a question.

A LangChain retriever, so it composes with any LangChain chain; each returned
document carries the citation metadata (doc_id, title, passage, start, end)
plus ``score`` (cosine similarity) and ``rank``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class DenseRetriever(BaseRetriever):
    """Nearest passages by embedding similarity."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any  # qa.index.Index (Any: pydantic need not validate it)
    embedder: Any  # qa.embed.Embedder
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        vector = self.embedder.embed([query])[0]
        return self.index.search(vector, self.k)
