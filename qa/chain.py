"""The question-answering chain: question → retrieve → answer → cited :class:`Answer`.

``ask``, ``eval`` and the chat page all go through :class:`QAChain`, so they
always answer the same way.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from qa.answer import Answerer, ExtractiveAnswerer, StreamingAnswerer
from qa.reader import get_reader
from qa.cite import Answer
from qa.embed import Embedder, get_embedder
from qa.index import Index
from qa.ingest import IngestReport, ingest_folder
from qa.retrieve import SearchFilters, dense_search, hybrid_search
from qa.settings import Settings
from qa.verify import Verifier, split_statements, verify_answer

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from qa.lexical import LexicalIndex
    from qa.retriever import QARetriever

MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """The question cannot be asked as written (empty, too long)."""


def check_question(question: str) -> str:
    length = len(question.strip())
    if not length:
        raise QuestionError("the question is empty")
    if length > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {length:,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return " ".join(question.split())


def open_index(settings: Settings) -> Index:
    return Index(settings.data_dir, settings.collection, settings.embedding.model, settings.chroma_url)


def embedder_for(settings: Settings) -> Embedder:
    e = settings.embedding
    return get_embedder(e.model, e.device, e.batch_size, e.backend, e.cache_dir)


def make_answerer(settings: Settings) -> Answerer:
    """The configured answer backend: the LLM when one is configured, else the span reader."""
    backend = settings.answer.backend
    if backend == "llm" or (backend == "auto" and settings.llm.base_url):
        from qa.llm import LLMAnswerer

        return LLMAnswerer(settings.llm)
    a = settings.answer
    reader = get_reader(a.reader_file, settings.embedding.cache_dir, a.reader_int8)
    if not reader.calibrated:
        print(f"note: {a.reader_file} has no threshold calibrated for its int8 copy; using the fp32 one "
              "(python -m qa.train calibrate --data PATH --model FILE adds it)", file=sys.stderr)
    return ExtractiveAnswerer(reader, a)


class QAChain:
    """Retriever and answerer over one index, built from settings."""

    def __init__(self, settings: Settings, index: Index | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.index = index or open_index(settings)
        self.embedder = embedder or embedder_for(settings)
        self.answerer = make_answerer(settings)
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()  # the chat page's threads: one opens (or rebuilds) it, the rest wait
        self.verifier = Verifier(self.embedder)

    def ensure_ingested(self, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> IngestReport | None:
        """Ingest the default corpus when the index is empty; otherwise do nothing."""
        if self.index.count() > 0:
            return None
        folder = self.settings.corpus_dir
        if not folder.exists():
            raise FileNotFoundError(
                f"the index in {self.settings.data_dir} is empty and the default corpus folder {folder} does not "
                "exist here: run 'python -m qa ingest FOLDER' first, or set QA_CORPUS_DIR"
            )
        log(f"the index is empty: ingesting {folder} first")
        report = ingest_folder(folder, self.index, self.embedder, self.settings.chunk, log=log)
        log(report.summary())
        return report

    def retriever(
        self, k: int | None = None, filters: SearchFilters | None = None, as_of: dt.date | None = None
    ) -> QARetriever:
        """The retrieval step as a LangChain retriever, to compose with other LangChain chains."""
        from qa.retriever import QARetriever

        return QARetriever(chain=self, k=k, filters=filters, as_of=as_of)

    def retrieve(
        self, question: str, k: int | None = None, filters: SearchFilters | None = None, as_of: dt.date | None = None
    ) -> list[Document]:
        """The passages for a question, best first (hybrid by default; see ``retrieval.mode``).

        ``as_of``: the day the question is asked on; relative time in it ("this week") then prefers
        articles published in that window before it (:mod:`qa.recency`). None: no such preference.
        """
        k = k or self.settings.retrieval.k
        if self.settings.retrieval.mode == "dense":
            return dense_search(self.index, self.embedder, question, k, filters, as_of, self.settings.retrieval)
        return hybrid_search(
            self.index, self.embedder, self.lexical(), self.settings.retrieval, question, k, filters, as_of
        )

    def lexical(self) -> LexicalIndex:
        """The BM25 index, opened on first use and rebuilt when an ingest has changed the collection since."""
        from qa.lexical import LexicalIndex

        with self._lexical_lock:
            if self._lexical is None or self._lexical.version != self.index.stamp():
                self._lexical = LexicalIndex.open(self.index, self._lexical)
            return self._lexical

    def ask(
        self, question: str, k: int | None = None, filters: SearchFilters | None = None, as_of: dt.date | None = None
    ) -> Answer:
        question = check_question(question)
        passages = self.retrieve(question, k, filters, as_of)
        # Every backend's answer is checked against its cited passages before it is shown.
        return verify_answer(self.answerer.answer(question, passages), self.verifier)

    def ask_stream(
        self, question: str, k: int | None = None, filters: SearchFilters | None = None, as_of: dt.date | None = None
    ) -> Iterator[Answer]:
        """Yield the answer as it grows (``answer`` text lengthening); the last one yielded is final.

        The extractive answerer finishes at once, so its text is released a few words at a time.
        A streaming backend (the LLM) yields as it generates, one verified sentence at a time: a
        sentence is shown only once it is complete and checked against its citations.
        """
        if isinstance(self.answerer, StreamingAnswerer):
            yield from self._stream(self.answerer, check_question(question), k, filters, as_of)
            return
        final = self.ask(question, k, filters, as_of)
        words = final.answer.split(" ")
        for i in range(1, len(words), 4):
            yield final.model_copy(update={"answer": " ".join(words[:i])})
        yield final

    def _stream(
        self, answerer: StreamingAnswerer, question: str, k: int | None, filters: SearchFilters | None,
        as_of: dt.date | None = None,
    ) -> Iterator[Answer]:
        passages = self.retrieve(question, k, filters, as_of)
        shown, text = 0, ""
        for text in answerer.stream_text(question, passages):
            complete = split_statements(text)[:-1]  # the last sentence may still be growing
            if len(complete) > shown:
                shown = len(complete)
                partial = verify_answer(answerer.parse(question, " ".join(s.text for s in complete), passages), self.verifier)
                if not partial.refused:
                    yield partial
        yield verify_answer(answerer.parse(question, text, passages), self.verifier)
