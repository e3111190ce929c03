"""LLM answer backend: any OpenAI-compatible chat server (OpenAI, Ollama, llama.cpp's server, vLLM).

Chosen by settings (``QA_LLM_BASE_URL`` / ``QA_LLM__BASE_URL``, ``QA_LLM__MODEL``; the key
from ``QA_LLM__API_KEY`` or ``OPENAI_API_KEY``). The model sees the passages fenced and
numbered (:mod:`qa.prompts`); its ``[n]`` markers are mapped to citations of those
passages (the whole passage, an exact span of the stored article). Markers that name no
passage are removed here; :mod:`qa.verify` then checks every sentence, as for any backend.
langchain-openai is imported only when this backend is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from langchain_core.documents import Document

from qa.answer import refusal
from qa.cite import REFUSAL, Answer, CitationBuilder, SourcePassage
from qa.prompts import messages
from qa.settings import LLMSettings

_MARKER = re.compile(r"\[(\d+)\]")


class LLMUnavailable(ConnectionError):
    """The LLM server could not be reached or answered with an error."""


class LLMAnswerer:
    """Asks a chat model for a cited answer; streams it when asked to."""

    def __init__(self, settings: LLMSettings) -> None:
        from langchain_openai import ChatOpenAI

        if not settings.base_url:
            raise ValueError("the LLM backend needs llm.base_url (QA_LLM_BASE_URL)")
        self.settings = settings
        self.model = ChatOpenAI(
            base_url=settings.base_url, model=settings.model, api_key=settings.api_key,
            temperature=settings.temperature, timeout=settings.timeout, max_retries=1,
            max_tokens=settings.max_tokens,
        )

    def _failed(self, exc: Exception) -> LLMUnavailable:
        return LLMUnavailable(f"the LLM at {self.settings.base_url} did not answer: {type(exc).__name__}: {exc}")

    def answer(self, question: str, passages: list[Document]) -> Answer:
        if not passages:
            return refusal(question, passages)
        try:
            reply = self.model.invoke(messages(question, passages))
        except Exception as exc:  # the client raises many types (httpx, openai); all mean "no answer"
            raise self._failed(exc) from exc
        return parse(question, str(reply.content), passages)

    def stream_text(self, question: str, passages: list[Document]) -> Iterator[str]:
        """The reply as it grows: each item is the whole text so far."""
        if not passages:
            yield REFUSAL
            return
        text = ""
        try:
            for chunk in self.model.stream(messages(question, passages)):
                text += str(chunk.content)
                yield text
        except Exception as exc:
            raise self._failed(exc) from exc

    def parse(self, question: str, text: str, passages: list[Document]) -> Answer:
        return parse(question, text, passages)


def parse(question: str, text: str, passages: list[Document]) -> Answer:
    """The model's reply as an :class:`Answer`: its [n] (passage numbers) become citations 1..m."""
    text = text.strip()
    if not text or text.startswith(REFUSAL) or (REFUSAL in text and not _MARKER.search(text)):
        return refusal(question, passages)
    builder = CitationBuilder()

    def cite(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(passages):
            return ""  # no such passage: the sentence keeps only its real citations
        doc = passages[n - 1]
        return f"[{builder.cite(doc, 0, len(doc.page_content))}]"

    answer = re.sub(r"[ \t]+(?=[.,;:!?])", "", _MARKER.sub(cite, text))
    first = re.split(r"(?<=[.!?])\s", _MARKER.sub("", answer), maxsplit=1)[0]
    return Answer(
        question=question, answer=answer, short_answer=" ".join(first.split()), refused=False,
        citations=builder.citations, passages=[SourcePassage.from_document(d) for d in passages],
    )

