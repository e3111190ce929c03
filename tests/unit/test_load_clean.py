import codecs
from pathlib import Path

import pytest

from qa.clean import clean, guess_title, html_to_text, normalise_whitespace
from qa.load import LoadError, discover, read


def test_discover_lists_supported_files_and_reports_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some article text here.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# Title of it\n\nBody.")
    (tmp_path / "c.docx").write_bytes(b"PK")
    (tmp_path / ".hidden.txt").write_text("x")
    found, skipped = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "sub/b.md"]
    assert [Path(s.path).name for s in skipped] == ["c.docx"]
    assert "unsupported" in skipped[0].reason


def test_read_decodes_bom_utf16_and_latin1(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes(codecs.BOM_UTF16_LE + "Ankara talks".encode("utf-16-le"))
    (tmp_path / "latin.txt").write_bytes("Erdoğan? no: café crème".encode("cp1252", errors="ignore"))
    assert read(tmp_path / "u16.txt", tmp_path).text == "Ankara talks"
    assert "café" in read(tmp_path / "latin.txt", tmp_path).text


@pytest.mark.parametrize(
    ("content", "reason"), [(b"", "empty file"), (b"   \n\n", "empty file"), (b"\x00\x01\x02abc", "binary")]
)
def test_read_rejects_bad_files_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        read(path, tmp_path)


def test_normalise_whitespace_keeps_paragraphs() -> None:
    assert normalise_whitespace("  A\u00a0 b \r\n\r\n\r\n\r\n  • c\t d ") == "A b\n\n• c d"


def test_title_skips_one_word_lines() -> None:
    assert guess_title("Share\n\nTurkey says not considering withdrawing troops\n\nBody.") == (
        "Turkey says not considering withdrawing troops"
    )


BODY = "The council voted 5-2 on Tuesday to approve a budget that raises the property tax rate by 6.5 percent."


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # what scraped pages put above the headline: mastheads, labels in capitals, menus, dates, bylines
        ("The Harwick Ledger\nHarwick council approves tax rise\nBy Dana Whitcomb", "Harwick council approves tax rise"),
        ("THE MERIDIAN HERALD\nWORLD / DIPLOMACY\nMinister arrives in Castavia", "Minister arrives in Castavia"),
        ("Film | TV | Music | Awards | Red Carpet\nIndie film wins top prize", "Indie film wins top prize"),
        ("The Glenmore Gazette | Your town, your news\nSchools switch to four-day week", "Schools switch to four-day week"),
        ("Ashford County Herald — Your local news since 1888\nCounty board backs new jail", "County board backs new jail"),
        ("Tuesday 04 March 2025 08.00 GMT\nEducation\nSchools ban sugary drinks", "Schools ban sugary drinks"),
        ("Skipper Telecom News › Carriers › Networks\nKestrel Mobile to switch off 3G", "Kestrel Mobile to switch off 3G"),
        # a headline first stays the headline, with its outlet after a bar, or short and capitalised
        ("Ten Things You Need to Know Today: 19 November 2022 | The Week UK\nBy Jo Lee",
         "Ten Things You Need to Know Today: 19 November 2022 | The Week UK"),
        ("Turkey Offers Iraq Help\nAnkara says it will keep training the peshmerga", "Turkey Offers Iraq Help"),
        ("Record Heat Hits Texas\nPower grid strained as temperatures soar", "Record Heat Hits Texas"),
        ("Harwick council approves tax rise\nThe rise is the largest in a decade", "Harwick council approves tax rise"),
    ],
)
def test_title_is_the_headline_not_the_lines_above_it(head: str, title: str) -> None:
    assert guess_title(f"{head}\n\n{BODY}") == title


def test_title_never_comes_from_the_story() -> None:
    # nothing above the story reads as a headline: the old rule (first line of three words or more)
    assert guess_title(f"THE MERIDIAN HERALD\n\n{BODY}") == "THE MERIDIAN HERALD"


def test_html_drops_scripts_navigation_and_keeps_blocks() -> None:
    text, title = html_to_text(
        "<html><head><title>Page &amp; title</title><style>p{}</style></head><body>"
        "<nav>Home | World</nav><h1>Headline here</h1><p>First&nbsp;para &lt;ok&gt;.</p>"
        "<script>track()</script><p>Second para.</p><footer>© 2015</footer></body></html>"
    )
    assert title == "Headline here"
    assert text == "Headline here\n\nFirst para <ok>.\n\nSecond para."


def test_clean_markdown_title(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("# Turkey offers Iraq help\n\nBody text.")
    article = clean(read(tmp_path / "x.md", tmp_path))
    assert article.title == "Turkey offers Iraq help"
    assert article.doc_id == "x.md"
