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
