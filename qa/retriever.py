"""The retrieval step as a LangChain retriever, for composing ``qa`` with other LangChain chains.

Kept apart from :mod:`qa.retrieve` because importing ``langchain_core.retrievers`` costs most of
a second (it pulls in langsmith), which the command-line question path does not pay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.retrieve import SearchFilters


class QARetriever(BaseRetriever):
    """What :meth:`qa.chain.QAChain.retrieve` returns, as a LangChain ``BaseRetriever``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    chain: Any  # qa.chain.QAChain (Any: pydantic need not validate it)
    k: int | None = None
    filters: SearchFilters | None = None
    as_of: dt.date | None = None  # the day questions are asked on (qa.recency); None: relative time ignored

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.chain.retrieve(query, self.k, self.filters, self.as_of)
