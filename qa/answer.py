"""Stage 6, answer: compose an answer from retrieved passages.

Backends implement :class:`Answerer`. The default :class:`ExtractiveAnswerer`
needs no LLM and never writes text of its own: it picks the sentences of the
retrieved passages that best support the question, quotes them verbatim, and
gives the short span the question asks for (a number, date, name or place)
when that sentence holds one. When no sentence supports an answer well
enough, it refuses.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.documents import Document

from qa.chunk import split_sentences
from qa.cite import REFUSAL, Answer, CitationBuilder, SourcePassage
from qa.embed import Embedder
from qa.settings import AnswerSettings
from qa.spans import Kind, TypedSpan, expected_kind, pick_span
from qa.text import content_terms

# Support = this share of embedding similarity + the rest of question-word overlap. Chosen together
# with AnswerSettings.min_support on eval/questions.yaml, squad_v2_dev and rgb_en_fact (README, "Quality").
SEMANTIC_WEIGHT = 0.7


class Answerer(Protocol):
    """Turns a question and its retrieved passages (best first) into a cited answer."""

    def answer(self, question: str, passages: list[Document]) -> Answer: ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """A backend that generates text: streamed as it grows, then parsed into an :class:`Answer`."""

    def stream_text(self, question: str, passages: list[Document]) -> Iterator[str]: ...

    def parse(self, question: str, text: str, passages: list[Document]) -> Answer: ...


@dataclass
class Candidate:
    """One sentence of one retrieved passage, scored against the question."""

    passage: Document
    start: int  # offsets relative to the passage text
    end: int
    text: str
    semantic: float = 0.0
    lexical: float = 0.0
    context: float = 0.0  # question-term coverage of the whole passage (and its title)
    span: TypedSpan | None = None
    support: float = 0.0


def refusal(question: str, passages: list[Document]) -> Answer:
    return Answer(
        question=question, answer=REFUSAL, short_answer="", refused=True, citations=[],
        passages=[SourcePassage.from_document(d) for d in passages],
    )


def sentences_of(passages: list[Document]) -> list[Candidate]:
    """Every sentence of the passages, each article span once (passages overlap)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for doc in passages:
        text = doc.page_content
        for s in split_sentences(text):
            key = (doc.metadata["doc_id"], doc.metadata["start"] + s.start)
            if key in seen or len(text[s.start : s.end].split()) < 3:
                continue
            seen.add(key)
            out.append(Candidate(doc, s.start, s.end, text[s.start : s.end]))
    return out


def _idf(candidates: list[Candidate]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for c in candidates:
        df.update(set(content_terms(c.text)))
    n = len(candidates)
    return {term: math.log(1 + n / (1 + count)) for term, count in df.items()}


def lexical_overlap(question_terms: list[str], sentence_terms: set[str], idf: dict[str, float]) -> float:
    """Share of the question's (IDF-weighted) content terms that the sentence contains."""
    unseen = math.log(1 + len(idf) + 1)
    weights = {t: idf.get(t, unseen) for t in question_terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in sentence_terms) / total if total else 0.0


class ExtractiveAnswerer:
    """Quotes the best-supported sentences; gives the asked-for span; refuses when support is weak."""

    def __init__(self, embedder: Embedder, settings: AnswerSettings) -> None:
        self.embedder = embedder
        self.settings = settings

    def score(self, question: str, passages: list[Document]) -> list[Candidate]:
        """All candidate sentences, scored, best first."""
        candidates = sentences_of(passages)
        if not candidates:
            return []
        vectors = self.embedder.embed([question] + [c.text for c in candidates])
        similarities = vectors[1:] @ vectors[0]
        idf = _idf(candidates)
        q_terms = content_terms(question)
        kind = expected_kind(question)
        passage_terms = {
            id(d): set(content_terms(d.page_content + " " + d.metadata.get("title", ""))) for d in passages
        }
        for c, sim in zip(candidates, np.asarray(similarities, dtype=float)):
            c.semantic = 0.75 * sim + 0.25 * float(c.passage.metadata.get("score", sim))
            c.lexical = lexical_overlap(q_terms, set(content_terms(c.text)), idf)
            c.context = lexical_overlap(q_terms, passage_terms[id(c.passage)], idf)
            c.support = SEMANTIC_WEIGHT * c.semantic + (1 - SEMANTIC_WEIGHT) * c.lexical
            if kind is not Kind.SENTENCE:
                c.span = pick_span(c.text, kind, question)
                c.support += 0.05 if c.span else -0.1
        return sorted(candidates, key=lambda c: c.support, reverse=True)

    def answer(self, question: str, passages: list[Document]) -> Answer:
        ranked = self.score(question, passages)
        if not ranked or ranked[0].support < self.settings.min_support:
            return refusal(question, passages)
        best = ranked[0]
        chosen = [best]
        for c in ranked[1:]:
            if len(chosen) >= self.settings.max_quotes:
                break
            other_article = all(c.passage.metadata["doc_id"] != x.passage.metadata["doc_id"] for x in chosen)
            if other_article and c.support >= max(self.settings.min_support, 0.9 * best.support):
                chosen.append(c)

        builder = CitationBuilder()
        quotes = []
        for c in chosen:
            n = builder.cite(c.passage, c.start, c.end)
            quotes.append(f"\u201c{c.text}\u201d [{n}]")
        if best.span is not None:
            short = best.span.text
            text = f"{short} [1]\n\n" + "\n\n".join(quotes)
        else:
            short = best.text
            text = "\n\n".join(quotes)
        return Answer(
            question=question, answer=text, short_answer=short, refused=False, citations=builder.citations,
            passages=[SourcePassage.from_document(d) for d in passages],
        )
