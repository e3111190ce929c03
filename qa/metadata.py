"""Part of stage 2, clean: what an article says about itself — date, outlet, URL, author.

Scraped news rarely comes with clean metadata, but the page text usually states it:
"Published: Tue 14 Jul 2015, 8:10 PM", "December 25, 2014 20:27" under the headline,
"Source: Cnbc | Author: … | Published: 2023-10-06T21:31:00+00:00", "URL: https://…",
"By Jane Doe", a copyright line, or the outlet naming itself in its own paywall pitch
("more people are reading The Jerusalem Post…"). HTML pages add meta tags, read with
trafilatura. Every field is taken only from such evidence: when an article gives no date, it
has none (a file's modification time says when it was scraped, not published).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime
from urllib.parse import urlparse

from dateutil import parser as dateparser


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article besides its text. ``None`` means unknown: never guessed."""

    published: str | None = None  # ISO 8601 date "YYYY-MM-DD" (or date-time) from the article itself
    outlet: str | None = None  # publisher, e.g. "Khaleej Times"
    url: str | None = None
    author: str | None = None

    @property
    def published_day(self) -> int | None:
        """The publication date as an integer YYYYMMDD (what date filters compare), or None."""
        if not self.published or not re.match(r"\d{4}-\d{2}-\d{2}", self.published):
            return None
        return int(self.published[:10].replace("-", ""))

    def as_metadata(self) -> dict[str, str | int]:
        """Passage metadata for Chroma (which stores no None values): only the known fields."""
        known: dict[str, str | int] = {
            k: v for k, v in (("published", self.published), ("outlet", self.outlet), ("url", self.url),
                              ("author", self.author)) if v
        }
        if self.published_day is not None:
            known["published_day"] = self.published_day
        return known

    def or_else(self, other: ArticleMeta) -> ArticleMeta:
        """These fields, with the unknown ones taken from ``other``."""
        return replace(self, **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})


# --- dates ----------------------------------------------------------------------------------

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|urday|rsday)?\.?,?\s+)?"
_TIME = r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?)?"
# A date with a year and a month written out (or ISO), never a bare number that could be anything.
_DATE = re.compile(
    rf"(?:\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?,?\s+)?"  # "14:32, 9 May 2023"
    rf"{_WEEKDAY}(?:"
    rf"(?P<iso>(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?)"
    rf"|(?P<ymd>(?:19|20)\d{{2}}/(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))(?![\d/])"  # 2023/01/24: year first, never ambiguous
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+(?:19|20)\d{{2}}{_TIME}"  # 14 Jul 2015, 8:10 PM
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}{_TIME}"  # December 25, 2014 20:27
    rf")",
    re.IGNORECASE,
)
# Labels that introduce the publication date; "updated" dates are used only when nothing else is.
_PUBLISHED_LABEL = re.compile(
    r"^(?:first\s+)?(?:published|posted|date|dated|publication date)(?:\s+on)?\s*[:|-]?\s*",
    re.IGNORECASE,
)
_UPDATED_LABEL = re.compile(r"^(?:last\s+)?(?:updated|modified)(?:\s+on)?\s*[:|-]?\s*", re.IGNORECASE)
_HEADER_LINES = 15  # an unlabelled date on a line of its own counts only near the top


def parse_date(text: str) -> str | None:
    """The first full date (year, month, day) in ``text`` as ISO "YYYY-MM-DD", else None.

    Only dates that name their month, ISO dates and year-first dates ("2023/01/24") are read:
    "03/04/2015" could be either month.
    """
    match = _DATE.search(text)
    if not match:
        return None
    if match.group("iso"):
        day = match.group("iso")[:10]
    elif match.group("ymd"):
        day = match.group("ymd").replace("/", "-")
    else:  # the day alone: times ("9.15am", "20:27 GMT") only trouble the parser
        day = re.sub(r"\b(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?", " ",
                     match.group(0), flags=re.I)
    try:
        return dateparser.parse(day, default=datetime(1900, 1, 1)).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _date_only(line: str) -> str | None:
    """The date of a line that is a date stamp and little else ("December 25, 2014 20:27").

    "Posted on March 3, 2021, the trailer was watched…" is a sentence, not a stamp.
    """
    match = _DATE.search(line)
    if not match or len(line) - len(match.group(0)) > 12:
        return None
    return parse_date(line)


def is_date_line(line: str) -> bool:
    """A date stamp, labelled or not: "Published 3:15 p.m. ET, Tue March 4, 2025", "2024-11-07 08:30",
    "Posted Nov. 7 - 6 min read", "The Courier — Tuesday 04 March 2025" (a field of the line is a date).
    A line led by a publication label counts even when its date is partial; "Date night ideas" does not."""
    if re.match(r"^(posted|published|updated|last updated|first published)\b", line, re.IGNORECASE):
        return True
    fields = [f for f in re.split(r"\s+[|—–-]\s+", line) if f.strip()]
    return any(_date_only(_UPDATED_LABEL.sub("", _PUBLISHED_LABEL.sub("", f, count=1), count=1)) for f in fields)


def is_byline(line: str) -> bool:
    """A byline: "By Dana Whitcomb, City Hall Reporter", "Written by Hamish Eldritch"."""
    return bool(_AUTHOR.match(line))


# A date that ends a title, set off by brackets or a separator: a dated edition ("Morning briefing:
# January 26, 2023", "Live updates | 3 March 2023", "news quiz answer note (2023/01/26)"), not a date
# the headline is about ("What happened on January 6, 2021").
_TITLE_DATE = re.compile(rf"(?:\(|\[|[:|,–—]\s|\s-\s)\s*(?P<date>{_DATE.pattern})\s*[)\]]?\s*$", re.IGNORECASE)


def title_date(title: str) -> str | None:
    """The edition date a title ends with (see ``_TITLE_DATE``), as ISO "YYYY-MM-DD", else None."""
    match = _TITLE_DATE.search(title)
    return parse_date(match.group("date")) if match else None


# --- outlet, url, author --------------------------------------------------------------------

# Well-known publishers by web domain, so a URL names its outlet.
_DOMAINS = {
    "khaleejtimes.com": "Khaleej Times", "jpost.com": "The Jerusalem Post", "al-akhbar.com": "Al-Akhbar",
    "presstv.ir": "Press TV", "presstv.com": "Press TV", "aljazeera.com": "Al Jazeera", "reuters.com": "Reuters",
    "apnews.com": "The Associated Press", "bbc.co.uk": "BBC News", "bbc.com": "BBC News",
    "theguardian.com": "The Guardian", "nytimes.com": "The New York Times", "washingtonpost.com": "The Washington Post",
    "cnn.com": "CNN", "cnbc.com": "CNBC", "foxnews.com": "Fox News", "nbcnews.com": "NBC News",
    "cbsnews.com": "CBS News", "abcnews.go.com": "ABC News", "npr.org": "NPR", "bloomberg.com": "Bloomberg",
    "wsj.com": "The Wall Street Journal", "ft.com": "Financial Times", "economist.com": "The Economist",
    "independent.co.uk": "The Independent", "telegraph.co.uk": "The Telegraph", "dailymail.co.uk": "Daily Mail",
    "timesofindia.indiatimes.com": "The Times of India", "hindustantimes.com": "Hindustan Times",
    "thehindu.com": "The Hindu", "dw.com": "DW", "france24.com": "France 24", "rt.com": "RT",
    "middleeasteye.net": "Middle East Eye", "arabnews.com": "Arab News", "gulfnews.com": "Gulf News",
    "dailysabah.com": "Daily Sabah", "hurriyetdailynews.com": "Hürriyet Daily News", "timesofisrael.com": "The Times of Israel",
    "haaretz.com": "Haaretz", "techcrunch.com": "TechCrunch", "theverge.com": "The Verge", "wired.com": "Wired",
    "engadget.com": "Engadget", "arstechnica.com": "Ars Technica", "sportskeeda.com": "Sportskeeda",
    "espn.com": "ESPN", "cbssports.com": "CBS Sports", "fortune.com": "Fortune", "forbes.com": "Forbes",
    "businessinsider.com": "Business Insider", "venturebeat.com": "VentureBeat", "politico.com": "Politico",
    "thehill.com": "The Hill", "axios.com": "Axios", "usatoday.com": "USA Today", "latimes.com": "Los Angeles Times",
}
# Layouts that identify their publisher without writing its name: each pattern must match
# somewhere in the page. Khaleej Times stamps "Published: Tue 14 Jul 2015, 8:10 PM" followed
# by "Last updated: …" in that exact form, under a "Follow us on" widget of news-app links.
_TEMPLATES = [
    ("Khaleej Times", (
        re.compile(r"^Published: [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} [AP]M$", re.M),
        re.compile(r"^Last updated: [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} [AP]M$", re.M),
        re.compile(r"^\W*Follow us on\s*$(?:\n\W*(?:google-news|whatsapp|telegram)\s*$){2,}", re.M | re.I),
    )),
]

_NAME = r"(?:The |the )?(?:[A-Z][\w'’&-]*|of|de|al)(?: (?:[A-Z][\w'’&-]*|of|de|al|&))*"
_SHORTEST_NAME = _NAME + "?"  # for a name followed by words it could swallow ("… News App")
# How a page names its own publisher: its copyright line, a "Source:" label, and the
# self-references of its own appeals and notices.
_SELF_REFERENCES = [
    re.compile(rf"^(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*,?\s*)?(?P<name>{_NAME})", re.I),
    re.compile(rf"^(?:publisher|outlet|source)\s*:\s*(?P<name>{_NAME})(?:\s*(?:\||$|and\b))", re.I),
    re.compile(rf"\breading (?P<name>{_NAME}) than ever\b"),
    re.compile(rf"\bSupport (?P<name>{_NAME})\s*$"),
    re.compile(rf"^(?P<name>{_NAME}) is (?:currently|no longer)\b"),
    re.compile(rf"^(?P<name>{_NAME}) (?:Management|Editorial Team|Newsroom)$"),
    re.compile(rf"^Follow (?P<name>{_NAME}) ?(?:on\b|:)"),
    re.compile(rf"^Download (?P<name>{_SHORTEST_NAME}) (?:News )?App\b"),
]
_NOT_OUTLETS = {"the", "us", "our", "me", "all", "rights", "reserved", "image", "photo", "source", "none"}
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_URL_LABEL = re.compile(r"^(?:url|link|source url|original url|canonical)\s*:\s*(?P<url>https?://\S+)", re.I)
_AUTHOR = re.compile(
    r"^(?i:by|author|written by|words by)\s*:?\s+(?P<name>[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|van|von|de|al|bin))"
    r"{0,3}(?:\s+and\s+[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3})?)\s*(?:$|[,|–-])",
)


def outlet_for_url(url: str | None) -> str | None:
    """The publisher of a known news domain (``https://www.cnbc.com/…`` → ``CNBC``)."""
    if not url:
        return None
    host = (urlparse(url).hostname or "").lower()
    while host:
        if host in _DOMAINS:
            return _DOMAINS[host]
        _, _, host = host.partition(".")
    return None


def _tidy_name(name: str) -> str | None:
    name = re.sub(r"\s+(?:Group|Ltd|Limited|Inc|LLC|Media|News App)\.?$", "", name.strip(" .,:;|-"))
    name = re.sub(r"^the ", "The ", name)
    if not name or name.lower() in _NOT_OUTLETS or len(name) > 60 or not any(c.isupper() for c in name):
        return None
    return name


def _fields(line: str) -> list[str]:
    """A header line split into its " | " separated fields."""
    return [part.strip() for part in re.split(r"\s+\|\s+", line) if part.strip()]


def _self_named_outlet(lines: list[str], boilerplate: set[int]) -> str | None:
    """The name the page's own boilerplate (or a Source:/© line) uses most for its publisher."""
    votes: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        candidates = _fields(line) if i in boilerplate or "|" in line else []
        if i in boilerplate:
            candidates.append(line)
        for part in candidates:
            for pattern in _SELF_REFERENCES:
                match = pattern.search(part)
                name = _tidy_name(match.group("name")) if match else None
                if name:
                    key = name.lower().removeprefix("the ")
                    votes.setdefault(key, []).append(name)
    if not votes:
        return None
    names = max(votes.values(), key=len)  # most mentioned; the first such on a tie
    return max(names, key=len)  # "The Jerusalem Post" over "Jerusalem Post"


def from_text(text: str, boilerplate: set[int] | None = None) -> ArticleMeta:
    """Metadata stated in an article's text (whitespace-normalised, before boilerplate removal).

    ``boilerplate`` holds the indexes of lines (``text.split("\\n")``) judged boilerplate: the
    outlet is looked for in those (a site's appeals and notices name it), never in the story,
    where "Press TV reported" names another outlet.
    """
    lines = text.split("\n")
    published = updated = url = author = labelled_outlet = None
    header = 0
    for line in lines:
        if not line.strip():
            continue
        header += 1
        for part in _fields(line):
            if _PUBLISHED_LABEL.match(part) and not published:
                published = _date_only(_PUBLISHED_LABEL.sub("", part, count=1))
            elif _UPDATED_LABEL.match(part) and not updated:
                updated = _date_only(_UPDATED_LABEL.sub("", part, count=1))
            elif header <= _HEADER_LINES and not published and _date_only(part):
                published = _date_only(part)
            if not url and (m := _URL_LABEL.match(part)):
                url = m.group("url").rstrip(".,;")
            if not author and header <= _HEADER_LINES and (m := _AUTHOR.match(part)):
                author = None if m.group("name").lower() == "none" else m.group("name")
            if not labelled_outlet and (m := re.match(r"^(?:source|publisher|outlet)\s*:\s*(.+)$", part, re.I)):
                if not _URL.match(m.group(1)):
                    labelled_outlet = _tidy_name(m.group(1).split(" | ")[0])
    outlet = (
        outlet_for_url(url)
        or labelled_outlet
        or _self_named_outlet(lines, boilerplate or set())
        or next((name for name, patterns in _TEMPLATES if all(p.search(text) for p in patterns)), None)
    )
    return ArticleMeta(published=published or updated, outlet=outlet, url=url, author=author)


def from_html(markup: str) -> tuple[ArticleMeta, str]:
    """Metadata and headline from an HTML page's meta tags and markup (trafilatura).

    The date comes from the page's own tags and markup only (no search of the visible text,
    which would take the first date in the story).
    """
    from trafilatura import extract_metadata

    try:
        doc = extract_metadata(markup, extensive=False)
    except Exception:  # noqa: BLE001 — a page trafilatura cannot parse simply has no tag metadata
        doc = None
    if doc is None:
        return ArticleMeta(), ""
    url = doc.url if doc.url and doc.url.startswith("http") else None
    published = parse_date(doc.date) if doc.date else None
    outlet = outlet_for_url(url) or (_tidy_name(doc.sitename) if doc.sitename else None)
    return ArticleMeta(published=published, outlet=outlet, url=url, author=doc.author or None), doc.title or ""
