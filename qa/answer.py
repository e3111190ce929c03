"""Stage 6, answer: compose an answer from retrieved passages.

Backends implement :class:`Answerer`. The default :class:`ExtractiveAnswerer`
needs no LLM and never writes text of its own: the span reader this project
trains (:mod:`qa.reader`) reads the retrieved passages, the best span it finds
is the short answer, and the sentence holding that span is quoted verbatim as
its support. When the reader is not confident that any passage answers the
question, it refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.documents import Document

from qa.chunk import split_sentences
from qa.cite import REFUSAL, Answer, CitationBuilder, SourcePassage
from qa.reader import Reader, Reading
from qa.settings import AnswerSettings
from qa.kinds import is_relative, weekday_on_or_before
from qa.text import date_tokens, is_date, without_weekdays


class Answerer(Protocol):
    """Turns a question and its retrieved passages (best first) into a cited answer."""

    def answer(self, question: str, passages: list[Document]) -> Answer: ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """A backend that generates text: streamed as it grows, then parsed into an :class:`Answer`."""

    def stream_text(self, question: str, passages: list[Document]) -> Iterator[str]: ...

    def parse(self, question: str, text: str, passages: list[Document]) -> Answer: ...


@dataclass(frozen=True)
class Found:
    """A span the reader found in one passage, with the sentence(s) around it that are quoted."""

    passage: Document
    reading: Reading
    quote_start: int  # offsets relative to the passage text
    quote_end: int

    @property
    def span(self) -> str:
        assert self.reading.span is not None
        return self.passage.page_content[self.reading.span.start:self.reading.span.end]

    @property
    def quote(self) -> str:
        return self.passage.page_content[self.quote_start:self.quote_end]


def refusal(question: str, passages: list[Document]) -> Answer:
    return Answer(
        question=question, answer=REFUSAL, short_answer="", refused=True, citations=[],
        passages=[SourcePassage.from_document(d) for d in passages],
    )


def quote_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentences of ``text`` that hold characters [start, end): what is quoted as the span's support."""
    spans = [s for s in split_sentences(text) if s.start < end and start < s.end]
    if not spans:
        return start, end
    return min(s.start for s in spans), max(s.end for s in spans)


def same_answer(a: str, b: str) -> bool:
    """Whether two spans name the same thing: equal after normalising, or one inside the other
    ("Bills" and "Buffalo Bills"; "Thursday Nov 12" and "November 12, 2020": dates are compared written
    one way, :func:`~qa.text.date_tokens`), so that they are never shown as sources that differ."""
    x, y = date_tokens(a), date_tokens(b)
    bare_x, bare_y = without_weekdays(x), without_weekdays(y)
    if bare_x and bare_y:  # a weekday beside a date adds nothing to it
        x, y = bare_x, bare_y
    if not x or not y:
        return x == y
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if is_date(x) and is_date(y):  # "29 May 2020" and "May 29": the same day, written another way
        return set(short) <= set(long)
    return any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1))


class ExtractiveAnswerer:
    """Answers with the reader's best span and quotes its sentence; refuses when the reader is unsure."""

    def __init__(self, reader: Reader, settings: AnswerSettings) -> None:
        self.reader = reader
        self.settings = settings

    @property
    def threshold(self) -> float:
        """Confidence a span must exceed to be an answer: the setting, else the calibrated one."""
        t = self.settings.min_confidence
        return self.reader.threshold if t is None else t

    def find(self, question: str, passages: list[Document]) -> list[Found]:
        """Every passage's best span, most confident first."""
        if not passages:
            return []
        readings = self.reader.read(question, [d.page_content for d in passages])
        found = []
        for doc, reading in zip(passages, readings):
            if reading.span is None:
                continue
            a, b = quote_bounds(doc.page_content, reading.span.start, reading.span.end)
            found.append(Found(doc, reading, a, b))
        return sorted(found, key=lambda f: f.reading.confidence, reverse=True)

    def choose(self, found: list[Found]) -> list[Found]:
        """The most confident span, then the best span of each other article the reader is also confident
        in: above the calibrated support threshold when it gives the same answer, above the (higher,
        calibrated) conflict threshold when it gives a different one, shown as "the sources differ"."""
        threshold = self.threshold
        # the calibrated gaps above the answer threshold also hold when min_confidence moves it
        support = threshold + max(0.0, self.reader.support_threshold - self.reader.threshold)
        conflict = threshold + max(0.0, self.reader.conflict_threshold - self.reader.threshold)
        # an older article's different answer to a question about this week is older news, not a conflict
        recent_only = bool(found[0].passage.metadata.get("in_window"))
        chosen = [found[0]]
        for f in found[1:]:
            if len(chosen) >= self.settings.max_quotes or f.reading.confidence <= threshold:
                break
            if any(f.passage.metadata["doc_id"] == c.passage.metadata["doc_id"] for c in chosen):
                continue
            if (same_answer(f.span, found[0].span) and f.reading.confidence > support) or (
                    f.reading.confidence > conflict and (f.passage.metadata.get("in_window") or not recent_only)):
                chosen.append(f)
        return chosen

    def lead_first(self, found: list[Found]) -> list[Found]:
        """``found`` with its lead first: the most confident span, except that for a question about a
        window of time ("this week", as of a date: retrieval marks the passages ``in_window``) the most
        confident span above the threshold from an article published in the window leads, ahead of
        more confident ones from older articles, since the question asks about then."""
        recent = next((f for f in found if f.passage.metadata.get("in_window")
                       and f.reading.confidence > self.threshold), None)
        if recent is None or recent is found[0]:
            return found
        return [recent, *(f for f in found if f is not recent)]

    def answer(self, question: str, passages: list[Document]) -> Answer:
        found = self.find(question, passages)
        if not found or found[0].reading.confidence <= self.threshold:
            return refusal(question, passages)
        chosen = self.choose(self.lead_first(found))
        builder = CitationBuilder()
        numbers = [builder.cite(f.passage, f.quote_start, f.quote_end) for f in chosen]
        quotes = [f"\u201c{f.quote}\u201d [{n}]" + _as_of(f.passage) for f, n in zip(chosen, numbers)]
        # Sources that give different answers are shown side by side, each cited, never reconciled.
        lead = chosen[0]
        differing = [(f, n) for f, n in zip(chosen[1:], numbers[1:]) if not same_answer(f.span, lead.span)]
        lines = [(lead, numbers[0]), *differing[:1]]
        short = "; ".join(_dated_span(f) for f, _ in lines)
        head = "; ".join(f"{_dated_span(f)} [{n}]" for f, n in lines)
        if differing:
            head += " (the sources differ)"
        return Answer(
            question=question, answer=head + "\n\n" + "\n\n".join(quotes), short_answer=short, refused=False,
            citations=builder.citations, passages=[SourcePassage.from_document(d) for d in passages],
        )


def _as_of(passage: Document) -> str:
    """`` (as of 2015-07-14)`` for a dated article, so its claims are not read as today's facts."""
    published = passage.metadata.get("published")
    return f" (as of {published[:10]})" if published else ""


def _dated_span(f: Found) -> str:
    """The span; a relative date ("on Tuesday") also gets the day it means, from the article's date."""
    day = resolve_relative(f.span, f.passage.metadata.get("published"))
    return f"{f.span} (that is, {day:%B} {day.day}, {day.year})" if day else f.span


def resolve_relative(text: str, published: str | None) -> dt.date | None:
    """The day a weekday word means in an article published on ``published``: the latest such day on or before it."""
    if not published or not is_relative(text):
        return None
    try:
        day = dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
    return weekday_on_or_before(text, day)
