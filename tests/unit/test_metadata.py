"""Article metadata read from the article itself: dates, outlet, URL, author — or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.clean import clean, normalise_whitespace
from qa.load import RawDocument, read
from qa import metadata
from qa.metadata import ArticleMeta, from_html, from_text, outlet_for_url, parse_date, title_date
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Published: Tue 14 Jul 2015, 8:10 PM", "2015-07-14"),
        ("December 25, 2014 20:27", "2014-12-25"),
        ("Published Friday, November 21, 2014", "2014-11-21"),
        ("Published: 14:32, 9 May 2023", "2023-05-09"),
        ("2023-10-06T21:31:00+00:00", "2023-10-06"),
        ("Posted on 3rd March 2021 at 9.15am", "2021-03-03"),
        ("Sept. 4, 2019", "2019-09-04"),
        ("Published: 2023/01/24", "2023-01-24"),  # year first: never ambiguous
        ("2023/3/9", "2023-03-09"),
    ],
)
def test_parse_date_formats(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text", ["03/04/2015", "Published on Tuesday", "in 2015", "Room 2014-B", "", "2023/13/01", "2023/02/30",
             "https://example.com/2023/01/24/story"],
)
def test_parse_date_never_guesses_a_partial_date(text: str) -> None:
    assert parse_date(text) is None


def test_labelled_dates_win_and_updated_is_only_a_fallback() -> None:
    text = "Headline here today\n\nLast updated: Wed 15 Jul 2015, 1:00 AM\nPublished: Tue 14 Jul 2015, 8:10 PM\n\nBody."
    assert from_text(text).published == "2015-07-14"
    assert from_text("Headline here today\nUpdated: 2 March 2020\n\nBody.").published == "2020-03-02"


def test_a_date_inside_the_story_is_not_the_publication_date() -> None:
    text = "Turkey offers Iraq help\n\nThe talks in Baghdad on November 20, 2014 were tense, officials said."
    assert from_text(text) == ArticleMeta()
    text = "Film breaks records\n\nPosted on March 3, 2021, the trailer was watched 40 million times in a day."
    assert from_text(text).published is None


@pytest.mark.parametrize(
    ("title", "iso"),
    [
        ("CNN news quiz answer note (2023/01/26)", "2023-01-26"),
        ("Morning briefing: January 26, 2023", "2023-01-26"),
        ("Live updates | 3 March 2023", "2023-03-03"),
        ("Russia-Ukraine war - Mar. 3, 2023", "2023-03-03"),
        ("Week in review [Dec 2, 2026]", "2026-12-02"),
        ("What happened on January 6, 2021", None),  # what the story is about, not its edition
        ("January 6, 2021: the day the Capitol was stormed", None),
        ("Oscars 2023 (2023)", None),
        ("Storm update (03/04/2023)", None),  # either month
    ],
)
def test_a_title_ending_with_a_set_off_date_names_its_edition(title: str, iso: str | None) -> None:
    assert title_date(title) == iso


def test_an_undated_article_takes_its_titles_edition_date_and_a_dated_one_keeps_its_own(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("CNN news quiz answer note (2023/01/26)\n\nThe CDC wants to test airplane wastewater.\n")
    assert clean(read(note, tmp_path)).meta.published == "2023-01-26"
    dated = tmp_path / "dated.txt"
    dated.write_text("Morning briefing: January 26, 2023\n\nPublished: 2023-01-25\n\nThe CDC wants to test wastewater.\n")
    assert clean(read(dated, tmp_path)).meta.published == "2023-01-25"


def test_pipe_separated_header_fields() -> None:
    text = (
        "Amazon sellers sound off\n\nSource: Cnbc | World Business News Leader | Author: Jane Roe | "
        "Published: 2023-10-06T21:31:00+00:00 | Category: business\n"
        "URL: https://www.cnbc.com/2023/10/06/amazon-sellers.html\n\nBody text."
    )
    assert from_text(text) == ArticleMeta(
        published="2023-10-06", outlet="CNBC", url="https://www.cnbc.com/2023/10/06/amazon-sellers.html", author="Jane Roe"
    )
    assert from_text(text.replace("Jane Roe", "None")).author is None


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("Copyright 2024 The Associated Press. All rights reserved.", "The Associated Press"),
        ("© 2015 Khaleej Times", "Khaleej Times"),
        ("Support the Guardian", "The Guardian"),
        ("Follow Al Jazeera English:", "Al Jazeera English"),
        ("Download The Times Of India News App for Latest City News", "The Times Of India"),
    ],
)
def test_outlet_from_the_pages_own_boilerplate(line: str, outlet: str) -> None:
    text = f"A headline of some length\n\nThe story itself, said the minister.\n\n{line}"
    assert from_text(text, boilerplate={4}).outlet == outlet
    assert from_text(text, boilerplate=set()).outlet is None, "only boilerplate names the publisher"


def test_outlet_named_by_another_outlet_in_the_story_is_not_taken() -> None:
    text = "Turkey says not withdrawing\n\nThe protesters called for withdrawal, Press TV reported."
    assert from_text(text, boilerplate=set()).outlet is None


def test_outlet_for_url_matches_subdomains() -> None:
    assert outlet_for_url("https://english.al-akhbar.com/node/22") == "Al-Akhbar"
    assert outlet_for_url("https://example.org/x") is None


def test_html_meta_tags() -> None:
    html = (
        '<html><head><title>Quake hits coast | Example</title>'
        '<meta property="og:site_name" content="Example Daily">'
        '<meta property="article:published_time" content="2021-02-03T10:00:00Z">'
        '<meta name="author" content="Ana Lima">'
        '<link rel="canonical" href="https://www.reuters.com/world/quake-hits-coast-2021-02-03/">'
        "</head><body><article><h1>Quake hits coast</h1><p>A strong quake hit the coast on Wednesday, "
        "officials said, damaging dozens of homes.</p></article></body></html>"
    )
    meta, title = from_html(html)
    assert title == "Quake hits coast | Example" or title == "Quake hits coast"
    assert meta.published == "2021-02-03"
    assert meta.author == "Ana Lima"
    assert meta.url == "https://www.reuters.com/world/quake-hits-coast-2021-02-03/"
    assert meta.outlet == "Reuters"


def test_html_without_dates_has_none_whatever_the_file_time(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html><body><h1>Plain page title</h1><p>Some text here.</p></body></html>")
    article = clean(read(tmp_path / "a.html", tmp_path))
    assert article.meta.published is None and article.meta.published_day is None


EXPECTED_SEEDS = {
    "000_d9e75c458849a6c9.txt": ("2015-07-14", "Khaleej Times"),
    "001_9c057057cff0d122.txt": ("2014-12-25", "The Jerusalem Post"),
    "002_ccf924def72a9c46.txt": ("2014-11-21", "Al-Akhbar"),
    "003_126971dc334fec75.txt": (None, None),  # names no date, and only other outlets
    "004_f1c382f91ce7e34e.txt": (None, None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SEEDS))
def test_seed_dates_and_outlets(name: str) -> None:
    meta = clean(read(SEEDS / name, SEEDS)).meta
    assert (meta.published, meta.outlet) == EXPECTED_SEEDS[name]


def test_metadata_lines_are_read_before_boilerplate_is_dropped() -> None:
    raw = RawDocument("x.txt", Path("x.txt"), "Storm hits the coast today\n\nBody of the story.\n\nCopyright 2024 The Associated Press. All rights reserved.", "text")
    article = clean(raw)
    assert article.meta.outlet == "The Associated Press"
    assert "Copyright" not in article.text
    assert normalise_whitespace(article.text) == "Storm hits the coast today\n\nBody of the story."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published 3:15 p.m. ET, Tue March 4, 2025", True),
        ("Updated 06/05/2025 14:20", True),
        ("2024-11-07 08:30", True),
        ("Posted Nov. 7 - 6 min read", True),
        ("The Brackenridge Courier — Tuesday 04 March 2025 08.00 GMT", True),
        ("What happened on January 6, 2021 at the Capitol", False),
        ("Harwick council approves 6.5 percent tax rise", False),
        ("Date night ideas for Valentine's Day", False),
    ],
)
def test_date_lines(line: str, expected: bool) -> None:
    assert metadata.is_date_line(line) is expected


def test_bylines() -> None:
    assert metadata.is_byline("By Dana Whitcomb, City Hall Reporter")
    assert metadata.is_byline("Written by Hamish Eldritch")
    assert not metadata.is_byline("Bystanders filmed the fire from the bridge")
