"""Stage 7, cite: the answer's data model, citation numbering, checks and rendering.

A citation points at an exact character span of a stored article; its
``quote`` is always ``article_text[start:end]``.
"""

from __future__ import annotations

import re

from langchain_core.documents import Document
from pydantic import BaseModel, Field

REFUSAL = "The articles do not say."


class Citation(BaseModel):
    n: int = Field(description="The number used as [n] in the answer.")
    doc_id: str = Field(description="The article's file, relative to the corpus folder.")
    title: str
    outlet: str | None = Field(None, description="The publisher, when the article names it.")
    published: str | None = Field(None, description="Publication date (ISO 8601), when the article gives one.")
    start: int = Field(description="Start offset of the quote in the cleaned article text.")
    end: int = Field(description="End offset (exclusive) of the quote in the cleaned article text.")
    quote: str = Field(description="The supporting text, verbatim.")


class SourcePassage(BaseModel):
    rank: int
    doc_id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    passage: int
    start: int
    end: int
    score: float
    text: str

    @classmethod
    def from_document(cls, doc: Document) -> SourcePassage:
        m = doc.metadata
        return cls(
            rank=m["rank"], doc_id=m["doc_id"], title=m["title"], outlet=m.get("outlet"),
            published=m.get("published"), passage=m["passage"],
            start=m["start"], end=m["end"], score=round(float(m["score"]), 4), text=doc.page_content,
        )


class Answer(BaseModel):
    question: str
    answer: str = Field(description="The answer text with [n] markers.")
    short_answer: str = Field(description="The span the question asks for, or the best sentence.")
    refused: bool = Field(description="True when the retrieved passages do not support an answer.")
    citations: list[Citation]
    passages: list[SourcePassage] = Field(description="Every retrieved passage, best first.")
    dropped: list[str] = Field(
        default_factory=list,
        description="Sentences removed by verification because no passage they cite supports them.",
    )


class CitationBuilder:
    """Hands out [n] numbers, one per distinct quoted span, in order of first use."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []

    def cite(self, passage: Document, start: int, end: int) -> int:
        """Cite ``passage_text[start:end]`` (offsets relative to the passage); returns its number."""
        m = passage.metadata
        abs_start, abs_end = m["start"] + start, m["start"] + end
        for c in self.citations:
            if c.doc_id == m["doc_id"] and (c.start, c.end) == (abs_start, abs_end):
                return c.n
        n = len(self.citations) + 1
        self.citations.append(
            Citation(n=n, doc_id=m["doc_id"], title=m["title"], outlet=m.get("outlet"),
                     published=m.get("published"), start=abs_start, end=abs_end,
                     quote=passage.page_content[start:end])
        )
        return n


def check_citations(answer: Answer, article_text: dict[str, str]) -> list[str]:
    """Problems with an answer's citations: unknown numbers, or quotes that are not the cited span."""
    problems = []
    numbers = {c.n for c in answer.citations}
    for marker in re.findall(r"\[(\d+)\]", answer.answer):
        if int(marker) not in numbers:
            problems.append(f"[{marker}] has no citation")
    for c in answer.citations:
        text = article_text.get(c.doc_id)
        if text is None:
            problems.append(f"[{c.n}] cites unknown article {c.doc_id}")
        elif text[c.start : c.end] != c.quote:
            problems.append(f"[{c.n}] quote does not match {c.doc_id}[{c.start}:{c.end}]")
    return problems


def source_line(title: str, outlet: str | None, published: str | None) -> str:
    """``Title — Outlet, 2015-07-14``: the title with whatever of outlet and date is known."""
    known = ", ".join(x for x in (outlet, (published or "")[:10]) if x)
    return f"{title} — {known}" if known else title


def render_text(answer: Answer) -> str:
    """The answer as a person reads it in a terminal: the answer, then numbered sources."""
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {source_line(c.title, c.outlet, c.published)} — {c.doc_id} — \u201c{c.quote}\u201d")
    elif answer.refused and answer.passages:
        lines.append("Closest passages:")
        for p in answer.passages[:3]:
            snippet = p.text if len(p.text) <= 240 else p.text[:240].rsplit(" ", 1)[0] + " …"
            lines.append(f"- {source_line(p.title, p.outlet, p.published)} — {p.doc_id} — \u201c{snippet}\u201d")
    return "\n".join(lines)
