"""The chat page's HTML: [n] links, source cards with the cited sentence marked, escaping."""

from __future__ import annotations

import re

from qa.cards import LINK_PREFIX, answer_markdown, sources_html
from qa.cite import Answer, Citation, SourcePassage

ARTICLE = (
    "Headline <b>bold</b>\n\nFirst sentence here. Turkey trained 1,600 peshmerga <script>alert(1)</script>. "
    "Last sentence."
)
QUOTE_START = ARTICLE.index("Turkey")
QUOTE_END = ARTICLE.index("Last") - 1
PASSAGE_START = ARTICLE.index("First")


def answer(outlet: str | None = "Khaleej Times", published: str | None = "2015-07-14") -> Answer:
    quote = ARTICLE[QUOTE_START:QUOTE_END]
    return Answer(
        question="How many peshmerga did Turkey train?",
        answer=f"1,600 [1]\n\n\u201c{quote}\u201d [1]",
        short_answer="1,600",
        refused=False,
        citations=[Citation(n=1, doc_id="a<1>.txt", title="Iraq & <Turkey>", outlet=outlet, published=published,
                            start=QUOTE_START, end=QUOTE_END, quote=quote)],
        passages=[SourcePassage(rank=1, doc_id="a<1>.txt", title="Iraq & <Turkey>", outlet=outlet, published=published,
                                passage=0, start=PASSAGE_START, end=len(ARTICLE), score=0.8,
                                text=ARTICLE[PASSAGE_START:])],
    )


def test_each_citation_marker_links_to_its_card() -> None:
    text = answer_markdown(answer(), turn=3, understood_as="Who announced it (peshmerga)?")
    links = re.findall(r"\]\((#[^)]+)\)", text)
    assert links and set(links) == {f"{LINK_PREFIX}3-1"}
    assert text.startswith("<small>Understood as: Who announced it (peshmerga)?</small>")
    assert "<script>" not in text  # article text is escaped in Markdown too


def test_card_marks_the_quote_inside_its_passage_and_in_the_whole_article() -> None:
    html = sources_html(answer(), {"a<1>.txt": ARTICLE}, turn=0)
    marks = re.findall(r"<mark>(.*?)</mark>", html, flags=re.S)
    assert len(marks) == 2  # once in the passage, once in the whole article
    assert all(m.startswith("Turkey trained 1,600 peshmerga &lt;script&gt;") for m in marks)
    assert 'data-key="0-1" open' in html
    assert "Khaleej Times · 2015-07-14 · a&lt;1&gt;.txt" in html
    assert "Read the whole article" in html and "Headline &lt;b&gt;bold&lt;/b&gt;" in html


def test_no_article_markup_survives() -> None:
    html = sources_html(answer(), {"a<1>.txt": ARTICLE}, turn=0)
    assert "<script>" not in html and "<b>" not in html and "<Turkey>" not in html
    assert "Iraq &amp; &lt;Turkey&gt;" in html


def test_unknown_outlet_and_date_are_not_shown() -> None:
    html = sources_html(answer(outlet=None, published=None), {"a<1>.txt": ARTICLE}, turn=0)
    assert '<div class="qa-meta">a&lt;1&gt;.txt</div>' in html


def test_a_removed_article_still_shows_the_marked_passage() -> None:
    html = sources_html(answer(), {}, turn=0)
    assert "Read the whole article" not in html
    assert "<mark>Turkey trained 1,600" in html


def test_open_n_chooses_the_open_card() -> None:
    html = sources_html(answer(), {"a<1>.txt": ARTICLE}, turn=2, open_n=7)
    assert 'data-key="2-1">' in html  # card 1 closed
