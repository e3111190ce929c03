"""Stage 2, clean: turn a raw file into an article: a title and normalised body text.

The cleaned text is what gets stored; every passage and citation offset points into it.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from qa import metadata
from qa.boilerplate import classify_lines, kept_text
from qa.load import LoadError, RawDocument
from qa.metadata import ArticleMeta  # defined with its extraction; qa.clean.ArticleMeta is the contract


@dataclass(frozen=True)
class Article:
    doc_id: str
    title: str
    text: str
    source: str  # the file it came from
    meta: ArticleMeta = ArticleMeta()

    @property
    def sha256(self) -> str:
        meta = "\n".join(f"{k}={v}" for k, v in sorted(self.meta.as_metadata().items()))
        return hashlib.sha256(f"{self.title}\n{self.text}\n{meta}".encode()).hexdigest()


_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_RUN = re.compile(r"\n{3,}")


def normalise_whitespace(text: str) -> str:
    """NFC-normalise, unify line ends, collapse runs of spaces, strip lines, keep paragraph breaks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


# Lines above a headline on scraped pages that are never it: the outlet's name ("The Harwick Ledger",
# "THE MERIDIAN HERALD"), section labels in capitals ("WORLD / DIPLOMACY"), menus, date stamps, bylines.
# (words that name newspapers and seldom appear in a headline: not "Times", "Post" or "Record")
_MASTHEAD_WORDS = {
    "herald", "ledger", "courier", "gazette", "tribune", "chronicle", "observer", "journal", "examiner",
    "dispatch", "telegraph", "sentinel", "bulletin", "gazetteer", "courant", "advertiser", "intelligencer",
}
_MENU_SEPARATOR = re.compile(r"\s(?:›|»|>|\*|•|·)\s")
_FIELD_SEPARATOR = re.compile(r"\s+[|—–-]\s+")  # "Ashford County Herald — Your local news since 1888"


def _words(line: str) -> list[str]:
    return [w for w in line.split() if any(c.isalnum() for c in w)]


def _is_label_row(line: str) -> bool:
    """Short fields in a row: a menu ("Film | TV | Music | Awards"), "The Gazette | Your town, your news",
    "Home - National - Business"; not "Headline of the story | The Outlet"."""
    bars = re.split(r"\s+\|\s+", line)
    dashes = re.split(r"\s+[-–—=]\s+", line)
    return any(len(fields) >= least and all(len(_words(f)) <= 4 for f in fields)
               for fields, least in ((bars, 2), (dashes, 3)))


def _is_paragraph(line: str) -> bool:
    n = len(_words(line))
    return n >= 30 or (n >= 15 and bool(re.search(r"[.!?][\"'”’)\]]*$", line)))


def _is_masthead(text: str) -> bool:
    """A newspaper's name: up to four capitalised words, one of them a newspaper's noun ("The Harwick Ledger")."""
    words = _words(text)
    return len(words) <= 4 and any(w.lower().strip(".,:") in _MASTHEAD_WORDS for w in words) and all(
        w[0].isupper() or not w[0].isalpha() for w in words if w.lower() not in ("the", "of", "and", "&"))


def _is_above_headline(line: str) -> bool:
    """A masthead (alone or with a tagline), a label in capitals, a menu or other row of short fields, a
    date stamp or a byline."""
    letters = [c for c in line if c.isalpha()]
    return (
        any(_is_masthead(field) for field in _FIELD_SEPARATOR.split(line))
        or all(c.isupper() for c in letters)
        or bool(_MENU_SEPARATOR.search(line))
        or _is_label_row(line)
        or metadata.is_date_line(line)
        or metadata.is_byline(line)
    )


def guess_title(text: str) -> str:
    """The headline of a page's text: the first of its first lines (before the story's first
    paragraph) with three words or more that is not a masthead, a label in capitals, a menu row, a
    date stamp or a byline; failing that, the first line of three words or more, else the first line.

    Scraped pages may put the outlet's name, menus and date stamps above the headline:
    "The Harwick Ledger / WORLD / Harwick council approves 6.5 percent property tax rise / By …".
    """
    lines = [line.strip().lstrip("#").strip() for line in text.split("\n") if line.strip()]
    for line in lines[:8]:
        if _is_paragraph(line):
            break
        if len(line.split()) >= 3 and len(line) <= 200 and not _is_above_headline(line):
            return line
    for line in lines[:5]:
        if len(line.split()) >= 3 and len(line) <= 200:
            return line
    return lines[0][:200] if lines else ""


_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "footer", "header", "aside", "form", "button"}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "pre", "figcaption", "dd", "dt", "main", "hr",
}


class _HTMLText(HTMLParser):
    """Collects visible text, with newlines at block boundaries, and the page title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.meta_title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        elif tag == "meta":
            values = dict(attrs)
            if values.get("property") == "og:title" and values.get("content"):
                self.meta_title = values["content"] or ""
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:  # a self-closed skip tag opens nothing
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """Visible text of an HTML page and its title (og:title, <title>, or the first <h1>)."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = normalise_whitespace("".join(parser.parts))
    title = next(
        (normalise_whitespace(t) for t in (parser.meta_title, parser.h1, parser.title) if t.strip()), ""
    )
    return text, title


def html_main_text(markup: str) -> str:
    """The article body of an HTML page (trafilatura), one block per paragraph; '' if none found."""
    from trafilatura import extract

    try:
        body = extract(markup, output_format="txt", include_comments=False, include_tables=True)
    except Exception:  # noqa: BLE001 — malformed markup: the stdlib parser below still reads it
        return ""
    return normalise_whitespace((body or "").replace("\n", "\n\n"))


def clean(raw: RawDocument) -> Article:
    """Clean a raw document into an :class:`Article`. Raises :class:`LoadError` if no text is left."""
    title = raw.title
    meta = raw.meta
    if raw.format == "html":
        html_meta, html_title = metadata.from_html(raw.text)
        meta = meta.or_else(html_meta)
        text = html_main_text(raw.text)
        fallback_text, fallback_title = html_to_text(raw.text) if not text or not html_title else ("", "")
        text, title = text or fallback_text, title or normalise_whitespace(html_title) or fallback_title
    else:
        text = normalise_whitespace(raw.text)
    if not text:
        raise LoadError("no text left after cleaning")
    # Share widgets, paywall appeals, comment forms, teasers: never a cited source. If the rules
    # would leave nothing, the text as it was is kept. The dropped lines still tell who published it.
    labels = classify_lines(text)
    meta = meta.or_else(metadata.from_text(text, boilerplate={i for i, (_, keep) in enumerate(labels) if not keep}))
    text = kept_text(labels) or text
    title = title or guess_title(text)
    # an undated article whose title ends with a date (a newsletter, live blog or quiz edition) is of that day
    meta = meta.or_else(metadata.ArticleMeta(published=metadata.title_date(title)))
    return Article(doc_id=raw.doc_id, title=title, text=text, source=os.path.abspath(raw.path), meta=meta)
