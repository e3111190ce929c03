"""HTML and Markdown for the chat page: answers with clickable [n], and source cards.

Pure functions of an :class:`~qa.cite.Answer` and the stored article texts, so
they are tested without a browser. Every piece of article text goes through
``html.escape`` (articles are untrusted input: a headline may hold a
``<script>``); the only markup is ours.

A card shows a citation's title, outlet, date and file, the retrieved passage
with the cited sentence in ``<mark>``, and a "Read the whole article" section
holding the whole cleaned article with the same sentence marked, which the
page scrolls into view when it is opened. Cards and links share a key
``TURN-N`` so a click on [n] in any answer of the conversation opens the card
of that answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from qa.answer import REFUSAL
from qa.cite import Answer, Citation, SourcePassage

CONTEXT_CHARS = 300  # shown around a quote whose passage is no longer at hand
REFUSED_PASSAGES = 3
LINK_PREFIX = "#qa-cite-"
NO_SOURCES_HTML = '<div class="qa-empty">Ask a question: the sources of the answer appear here.</div>'

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")
_MD_LIST_START = re.compile(r"^(\d+)([.)])|^([-+=])")  # "1." "1)" "-" "+" "=" would start a list or heading


def md(text: str) -> str:
    """``text`` shown literally in Markdown, on one line (whitespace collapsed)."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LIST_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


def key(turn: int, n: int) -> str:
    return f"{turn}-{n}"


def meta_line(outlet: str | None, published: str | None, doc_id: str) -> str:
    """``Outlet · 2015-07-14 · file.txt`` with whatever is known (escaped HTML)."""
    return " · ".join(html.escape(x) for x in (outlet, (published or "")[:10], doc_id) if x)


def answer_markdown(answer: Answer, turn: int, understood_as: str | None = None) -> str:
    """The chat message: the rewritten question in small print, the answer with [n] as links, the sources."""
    cited = {c.n for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        n = int(m[1])
        return f"[\\[{n}\\]]({LINK_PREFIX}{key(turn, n)})" if n in cited else m[0]

    body = "\n\n".join(re.sub(r"\\\[(\d+)\\\]", link, md(p)) for p in answer.answer.split("\n\n") if p.strip())
    head = f"<small>Understood as: {md(understood_as)}</small>\n\n" if understood_as else ""
    if answer.citations:
        lines = ["Sources:"] + [
            f"[\\[{c.n}\\]]({LINK_PREFIX}{key(turn, c.n)}) {md(c.title)} — "
            f"{_md_meta(c.outlet, c.published, c.doc_id)}"
            for c in answer.citations
        ]
    elif answer.passages:
        lines = ["Closest passages (not an answer):"] + [
            f"{md(p.title)} — {_md_meta(p.outlet, p.published, p.doc_id)}" for p in answer.passages[:REFUSED_PASSAGES]
        ]
    else:
        return head + body
    return head + body + "\n\n<small>" + "<br>".join(lines) + "</small>"


def _md_meta(outlet: str | None, published: str | None, doc_id: str) -> str:
    return md(", ".join(x for x in (outlet, (published or "")[:10], doc_id) if x))


def highlighted(text: str, start: int, end: int) -> str:
    """``text`` escaped, with ``text[start:end]`` in ``<mark>``."""
    start, end = max(0, start), min(len(text), end)
    return f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end:])}"


def _containing_passage(c: Citation, passages: list[SourcePassage]) -> SourcePassage | None:
    return next((p for p in passages if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end), None)


def citation_card(c: Citation, answer: Answer, article: str | None, turn: int, is_open: bool) -> str:
    """One source card: header, meta, passage with the quote marked, and the whole article behind a toggle."""
    passage = _containing_passage(c, answer.passages)
    if article is not None and article[c.start : c.end] == c.quote:
        lo, hi = (passage.start, passage.end) if passage else (
            max(0, c.start - CONTEXT_CHARS), min(len(article), c.end + CONTEXT_CHARS)
        )
        shown = highlighted(article[lo:hi], c.start - lo, c.end - lo)
        whole = (
            '<details class="qa-article"><summary>Read the whole article</summary>'
            f'<div class="qa-article-text">{highlighted(article, c.start, c.end)}</div></details>'
        )
    elif passage is not None:  # the article changed or was removed since: the retrieved passage still holds the quote
        offset = c.start - passage.start
        shown, whole = highlighted(passage.text, offset, offset + len(c.quote)), ""
    else:
        shown, whole = f"<mark>{html.escape(c.quote)}</mark>", ""
    return (
        f'<details class="qa-card" data-key="{key(turn, c.n)}"{" open" if is_open else ""}>'
        f'<summary><span class="qa-n">[{c.n}]</span> <span class="qa-title">{html.escape(c.title)}</span></summary>'
        f'<div class="qa-meta">{meta_line(c.outlet, c.published, c.doc_id)}</div>'
        f'<blockquote class="qa-passage">{shown}</blockquote>{whole}</details>'
    )


def passage_card(p: SourcePassage) -> str:
    """A retrieved passage shown after a refusal: no sentence to mark."""
    return (
        '<details class="qa-card" open>'
        f'<summary><span class="qa-title">{html.escape(p.title)}</span></summary>'
        f'<div class="qa-meta">{meta_line(p.outlet, p.published, p.doc_id)} · similarity {p.score:.2f}</div>'
        f'<blockquote class="qa-passage">{html.escape(p.text)}</blockquote></details>'
    )


def sources_html(answer: Answer, articles: Mapping[str, str], turn: int, open_n: int | None = None) -> str:
    """The side panel for one answer; ``open_n`` is the card shown open (default: the first)."""
    question = f'<div class="qa-asked">{html.escape(answer.question)}</div>'
    if answer.citations:
        first = open_n if open_n is not None else answer.citations[0].n
        cards = "".join(
            citation_card(c, answer, articles.get(c.doc_id), turn, c.n == first) for c in answer.citations
        )
        return f'<div class="qa-sources"><h3>Sources</h3>{question}{cards}</div>'
    if answer.refused:
        if not answer.passages:
            return f'<div class="qa-sources"><h3>{html.escape(REFUSAL)}</h3><p>No passages were found.</p></div>'
        cards = "".join(passage_card(p) for p in answer.passages[:REFUSED_PASSAGES])
        return (
            f'<div class="qa-sources"><h3>{html.escape(REFUSAL)}</h3>{question}'
            f"<p>Closest passages, which do not answer the question:</p>{cards}</div>"
        )
    return '<div class="qa-sources"><p>This answer cites no sources.</p></div>'


# Runs in the page (launch(head=...)): a click on an [n] link opens its card, or, when the panel
# shows another answer, asks the server for that answer's panel through the hidden #qa-pick box;
# opening "Read the whole article" scrolls the marked sentence into view.
PAGE_SCRIPT = """
<script>
(() => {
  const PREFIX = "%s";
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="' + PREFIX + '"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const key = link.getAttribute("href").slice(PREFIX.length);
    const card = document.querySelector('details.qa-card[data-key="' + key + '"]');
    if (card) {
      document.querySelectorAll("details.qa-card[data-key]").forEach((d) => { d.open = d === card; });
      card.scrollIntoView({block: "nearest"});
      card.classList.remove("qa-flash"); void card.offsetWidth; card.classList.add("qa-flash");
      return;
    }
    const box = document.querySelector("#qa-pick textarea, #qa-pick input");
    if (!box) return;
    box.value = key + "@" + Date.now();
    box.dispatchEvent(new Event("input", {bubbles: true}));
  }, true);
  document.addEventListener("toggle", (event) => {
    const details = event.target;
    if (!details.classList || !details.classList.contains("qa-article") || !details.open) return;
    const mark = details.querySelector("mark");
    if (mark) mark.scrollIntoView({block: "center"});
  }, true);
})();
</script>
""" % LINK_PREFIX

PAGE_CSS = """
.qa-sources h3 { margin: 0 0 .4em 0; }
.qa-asked { font-size: .85em; opacity: .75; margin-bottom: .6em; }
.qa-empty { opacity: .7; font-style: italic; padding: .5em; }
details.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .5em .8em; margin: .5em 0; }
details.qa-card > summary { cursor: pointer; font-weight: 600; }
details.qa-card.qa-flash { animation: qa-flash 1.2s ease-out; }
@keyframes qa-flash { from { background: var(--color-accent-soft); } to { background: transparent; } }
.qa-n { color: var(--color-accent); }
.qa-meta { font-size: .85em; opacity: .8; margin: .3em 0; }
blockquote.qa-passage { margin: .4em 0; padding-left: .8em; border-left: 3px solid var(--color-accent);
  white-space: pre-wrap; }
.qa-card mark { background: #ffe58a; color: inherit; padding: 0 .1em; }
details.qa-article > summary { display: inline-block; cursor: pointer; margin: .3em 0; padding: .2em .7em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; font-weight: 500; }
.qa-article-text { white-space: pre-wrap; max-height: 22em; overflow-y: auto; padding: .5em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
#qa-pick { display: none !important; }
"""
