"""Stage 6, answer: compose an answer from retrieved passages.

Backends implement :class:`Answerer`. The default :class:`ExtractiveAnswerer`
needs no LLM and never writes text of its own: it picks the sentences of the
retrieved passages that best support the question, quotes them verbatim, and
gives the short span the question asks for (a number, date, name or place)
when that sentence holds one. When no sentence supports an answer well
enough, it refuses.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.documents import Document

from qa.cite import REFUSAL, Answer, CitationBuilder, SourcePassage
from qa.embed import Embedder, embed_query, sentence_scorer
from qa.sentences import SentenceStore, candidate_spans
from qa.settings import AnswerSettings
from qa.spans import Kind, TypedSpan, is_relative, pick_span, question_focus
from qa.text import content_terms, normalise_answer

# Support = this share of embedding similarity + the rest of question-word overlap. Chosen together
# with AnswerSettings.min_support on eval/questions.yaml, squad_v2_dev and rgb_en_fact (README, "Quality").
SEMANTIC_WEIGHT = 0.7
# Support lost by a sentence whose passage names other years than the question's (key_penalty).
YEAR_PENALTY = 0.5
# The short answer's span may come from a sentence this much less supported than the best one, when
# its span fits the question better; support given up per unit of span cost (40 characters of distance).
SPAN_WINDOW = 0.12
SPAN_COST_WEIGHT = 0.08
# Sentence embeddings kept between questions (about 1.5 KB each).
SENTENCE_CACHE = 20_000
# How far below a decision threshold a sentence scored by the approximate sentence scorer may fall
# and still be scored again by the full model. int8 moved a similarity by at most 0.039 over the seed
# questions' candidates (0.068 over 432 multihop_rag sentences x 100 questions), and storing the
# vector as int8 (qa.sentences) by under 0.004 more, so support by at most 0.7 * 0.75 * 0.072 = 0.038.
SCORER_MARGIN = 0.05


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
    key_penalty: float = 0.0  # for a passage about other years than the question's
    close: bool = True  # as well supported as the best sentence (else quoted for what it adds)
    span: TypedSpan | None = None
    span_cost: float = 0.0  # how well the span fits the question (spans.pick_span; lower is better)
    support: float = 0.0
    terms: frozenset[str] = field(init=False)  # content_terms of the text, needed by IDF, overlap and choose()

    def __post_init__(self) -> None:
        self.terms = frozenset(content_terms(self.text))


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
        for start, end in candidate_spans(text):
            key = (doc.metadata["doc_id"], doc.metadata["start"] + start)
            if key not in seen:
                seen.add(key)
                out.append(Candidate(doc, start, end, text[start:end]))
    return out


def shortlist(candidates: list[Candidate], q_terms: list[str], idf: dict[str, float], n: int) -> list[Candidate]:
    """The ``n`` sentences worth embedding, by a cheap score: their passage's rank score and word overlap.

    Embedding candidate sentences is most of an answer's time; sentences that share no word with the
    question in a low-ranked passage almost never win, so they are not embedded at all.
    """
    if n <= 0 or len(candidates) <= n:
        return candidates
    def cheap(c: Candidate) -> float:
        return 0.5 * float(c.passage.metadata.get("score", 0.0)) + lexical_overlap(q_terms, c.terms, idf)
    keep = set(map(id, sorted(candidates, key=cheap, reverse=True)[:n]))
    return [c for c in candidates if id(c) in keep]


def _idf(candidates: list[Candidate]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for c in candidates:
        df.update(c.terms)
    n = len(candidates)
    return {term: math.log(1 + n / (1 + count)) for term, count in df.items()}


def lexical_overlap(question_terms: list[str], sentence_terms: AbstractSet[str], idf: dict[str, float]) -> float:
    """Share of the question's (IDF-weighted) content terms that the sentence contains."""
    unseen = math.log(1 + len(idf) + 1)
    weights = {t: idf.get(t, unseen) for t in question_terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in sentence_terms) / total if total else 0.0


class ExtractiveAnswerer:
    """Quotes the best-supported sentences; gives the asked-for span; refuses when support is weak."""

    def __init__(self, embedder: Embedder, settings: AnswerSettings, store: SentenceStore | None = None) -> None:
        self.embedder = embedder
        self.settings = settings
        self.store = store
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (model, sentence)
        self._lock = threading.Lock()

    def _sentence_vectors(self, candidates: list[Candidate], embedder: Embedder) -> np.ndarray:
        """Sentence embeddings by ``embedder``: remembered (LRU) across questions, else from the store
        ingest filled (:mod:`qa.sentences`), else embedded now. Embedding is most of an answer's time.

        The chat page answers from several threads: the shared cache is only touched under a lock,
        and this question's vectors are gathered apart from it, so another thread's evictions
        cannot take one away.
        """
        keys = list(dict.fromkeys((embedder.name, c.text) for c in candidates))
        found: dict[tuple[str, str], np.ndarray] = {}
        with self._lock:
            for k in keys:
                if k in self._vectors:
                    self._vectors.move_to_end(k)
                    found[k] = self._vectors[k]
        new = [k for k in keys if k not in found]
        # The store holds the sentence scorer's vectors only (ingest keeps none of the full model's).
        if new and self.store is not None and embedder is not self.embedder:
            stored = self.store.get(embedder.name, [k[1] for k in new])
            found.update((k, stored[k[1]]) for k in new if k[1] in stored)
            new = [k for k in new if k not in found]
        if new:
            found.update(zip(new, embedder.embed([k[1] for k in new])))
        with self._lock:
            for k in keys:
                self._vectors[k] = found[k]
                self._vectors.move_to_end(k)
            while len(self._vectors) > SENTENCE_CACHE:
                self._vectors.popitem(last=False)
        return np.stack([found[(embedder.name, c.text)] for c in candidates])

    def score(self, question: str, passages: list[Document]) -> list[Candidate]:
        """All candidate sentences, scored, best first.

        Every candidate is scored first with :func:`qa.embed.sentence_scorer` (for ONNX an int8
        model; its vectors were stored at ingest, :mod:`qa.sentences`); the contenders, the sentences
        whose support is near enough to be the best, to pass ``min_support`` or to be quoted beside
        the best, are then scored again with the full model, so the answer is the one the full model
        gives.
        """
        candidates = sentences_of(passages)
        if not candidates:
            return []
        idf = _idf(candidates)
        q_terms = content_terms(question)
        candidates = shortlist(candidates, q_terms, idf, self.settings.max_candidates)
        question_vector = embed_query(self.embedder, question)
        focus = question_focus(question)
        kind = focus.kind
        keys = key_terms(question)
        penalties = {id(d): key_penalty(keys, _numbers_of_passage(d)) for d in passages}

        # What does not depend on the embedding model, worked out once per sentence.
        rest: dict[int, float] = {}
        for c in candidates:
            c.lexical = lexical_overlap(q_terms, c.terms, idf)
            c.key_penalty = penalties[id(c.passage)]
            rest[id(c)] = (1 - SEMANTIC_WEIGHT) * c.lexical - c.key_penalty
            if kind is not Kind.SENTENCE:
                picked = pick_span(c.text, focus)
                if picked and is_relative(picked[0].text) and not c.passage.metadata.get("published"):
                    picked = None  # "on Tuesday" in an undated article names no day
                c.span, c.span_cost = picked if picked else (None, 0.0)
                if c.span is None:
                    rest[id(c)] -= 0.1
                elif not (kind is Kind.DATE and is_relative(c.span.text)):
                    rest[id(c)] += 0.05

        def rate(group: list[Candidate], embedder: Embedder) -> None:
            similarities = self._sentence_vectors(group, embedder) @ question_vector
            for c, sim in zip(group, np.asarray(similarities, dtype=float)):
                c.semantic = 0.75 * sim + 0.25 * float(c.passage.metadata.get("score", sim))
                c.support = SEMANTIC_WEIGHT * c.semantic + rest[id(c)]

        scorer = sentence_scorer(self.embedder)
        rate(candidates, scorer)
        if scorer is not self.embedder:
            # choose() quotes sentences within 0.9 of the best, below min_support the answer is a
            # refusal, and lead_with_best_span() takes a span from a sentence within SPAN_WINDOW of the
            # best: every sentence near one of those lines is scored again with the full model.
            best = max(c.support for c in candidates)
            floor = min(self.settings.min_support, 0.9 * best) - SCORER_MARGIN
            span_floor = best - SPAN_WINDOW - SCORER_MARGIN
            contenders = [c for c in candidates if c.support >= floor or (c.span and c.support >= span_floor)]
            if contenders:
                rate(contenders, self.embedder)
        return sorted(candidates, key=lambda c: c.support, reverse=True)

    def answer(self, question: str, passages: list[Document]) -> Answer:
        ranked = self.score(question, passages)
        if not ranked or ranked[0].support < self.settings.min_support:
            return refusal(question, passages)
        chosen = self.choose(question, lead_with_best_span(ranked))
        best = chosen[0]
        builder = CitationBuilder()
        quotes = []
        for c in chosen:
            n = builder.cite(c.passage, c.start, c.end)
            quotes.append(f"\u201c{c.text}\u201d [{n}]" + _as_of(c.passage))
        shorts = [(c, n) for n, c in enumerate(chosen, start=1) if c.span is not None]
        if not shorts:
            return self._answer(question, passages, best.text, "\n\n".join(quotes), builder)
        # Sources that give different values are shown side by side, each cited, never reconciled.
        first = normalise_answer(shorts[0][0].span.text)  # type: ignore[union-attr]
        differing = [(c, n) for c, n in shorts if c.close and normalise_answer(c.span.text) != first]  # type: ignore[union-attr]
        lines = [(c, n) for c, n in shorts[:1] + differing[:1]]
        short = "; ".join(_dated_span(c) for c, _ in lines)
        head = "; ".join(f"{_dated_span(c)} [{n}]" for c, n in lines)
        if differing:
            head += " (the sources differ)"
        return self._answer(question, passages, short, head + "\n\n" + "\n\n".join(quotes), builder)

    def choose(self, question: str, ranked: list[Candidate]) -> list[Candidate]:
        """The best sentence, then one sentence per other article that adds support.

        Another article's sentence is added when it is nearly as good, or when it is good
        enough and covers two or more question terms the sentences chosen so far do not (a
        question that spans articles: "who met X in Ankara and pressed Russia ..." needs one
        sentence from each). Only the nearly-as-good ones can stand as a differing answer.
        """
        best = ranked[0]
        chosen = [best]
        wanted = set(content_terms(question))
        covered = set(best.terms)
        for c in ranked[1:]:
            if len(chosen) >= self.settings.max_quotes:
                break
            if any(c.passage.metadata["doc_id"] == x.passage.metadata["doc_id"] for x in chosen):
                continue
            adds = (wanted - covered) & c.terms
            close = c.support >= max(self.settings.min_support, 0.9 * best.support)
            if close or (len(adds) >= 2 and c.support >= self.settings.min_support):
                c.close = close
                chosen.append(c)
                covered |= c.terms
        return chosen

    def _answer(self, question: str, passages: list[Document], short: str, text: str, builder: CitationBuilder) -> Answer:
        return Answer(
            question=question, answer=text, short_answer=short, refused=False, citations=builder.citations,
            passages=[SourcePassage.from_document(d) for d in passages],
        )


def lead_with_best_span(ranked: list[Candidate]) -> list[Candidate]:
    """``ranked`` with the sentence whose span best answers the question first.

    The best-supported sentence often holds a name or number the question is not about
    ("Islamic State" for "the name of the camp Turkey set up"), while a nearly as well
    supported one has the span next to the question's head noun ("the Bashiqa camp"):
    within ``SPAN_WINDOW`` of the best support, span fit decides.
    """
    floor = ranked[0].support - SPAN_WINDOW
    typed = [c for c in ranked if c.span is not None and c.support >= floor]
    if not typed:
        return ranked
    lead = max(typed, key=lambda c: c.support - SPAN_COST_WEIGHT * c.span_cost)
    return [lead, *(c for c in ranked if c is not lead)]


_NUMERIC = re.compile(r"\w*\d\w*")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


def key_terms(question: str) -> set[str]:
    """The question's numbers (years, "Q1", "mid-2015"): facts a passage must share to answer it."""
    return {m.group().lower() for m in _NUMERIC.finditer(question)}


def key_penalty(keys: set[str], terms: set[str]) -> float:
    """Support lost by a passage (its numbers: ``terms``) that lacks the question's year but names another.

    "Who won Wimbledon in 2019?" is not answered by a passage about 2022, however similar; a
    passage that names no year may still be about 2019 (its article may say so elsewhere), so
    it loses nothing. Names were tried too and cost more answers than they saved (README).
    """
    missing_years = {k for k in keys - terms if _YEAR.fullmatch(k)}
    if not missing_years or not any(_YEAR.fullmatch(t) for t in terms):
        return 0.0
    return YEAR_PENALTY * len(missing_years) / len(keys)


def _numbers_of_passage(doc: Document) -> set[str]:
    """Numbers of a passage, its title and its publication year (a year a question names)."""
    published = str(doc.metadata.get("published") or "")
    text = f"{doc.page_content} {doc.metadata.get('title', '')} {published[:4]}"
    return {m.group().lower() for m in _NUMERIC.finditer(text)}


def _as_of(passage: Document) -> str:
    """`` (as of 2015-07-14)`` for a dated article, so its claims are not read as today's facts."""
    published = passage.metadata.get("published")
    return f" (as of {published[:10]})" if published else ""


def _dated_span(c: Candidate) -> str:
    """The span; a relative date ("on Tuesday") also gets the day it means, from the article's date."""
    assert c.span is not None
    day = resolve_relative(c.span.text, c.passage.metadata.get("published"))
    return f"{c.span.text} (that is, {day:%B} {day.day}, {day.year})" if day else c.span.text


def resolve_relative(text: str, published: str | None) -> dt.date | None:
    """The day a weekday word means in an article published on ``published``: the latest such day on or before it."""
    if not published or not is_relative(text):
        return None
    try:
        day = dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
    for i, name in enumerate(calendar.day_name):
        if name.lower() in text.lower():
            return day - dt.timedelta(days=(day.weekday() - i) % 7)
    return None
