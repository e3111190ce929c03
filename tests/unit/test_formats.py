"""Every supported format read into articles: HTML main content, PDF text layer, JSONL records, Markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa.clean import clean
from qa.load import LoadError, discover, read, read_all


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer (Helvetica), built by hand with a correct xref table."""
    ops = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {ops} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_layer_with_broken_lines_joined(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(["Flood defences fail in the north", "Published: 3 March 2021",
                               "The river burst its banks on Tuesday and", "officials said 200 homes were hit."]))
    article = clean(read(path, tmp_path))
    assert article.title == "Flood defences fail in the north"
    assert article.meta.published == "2021-03-03"
    assert "Tuesday and officials said 200 homes were hit." in article.text


@pytest.mark.parametrize(("data", "reason"), [(b"%PDF-1.4\ngarbage", "unreadable PDF"), (tiny_pdf([]), "no text layer")])
def test_bad_pdfs_are_reported(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "bad.pdf").write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        read(tmp_path / "bad.pdf", tmp_path)


def test_jsonl_records_become_articles_and_bad_records_are_reported(tmp_path: Path) -> None:
    records = [
        {"text": "Talks resumed in Geneva on Monday, diplomats said.", "title": "Geneva talks resume",
         "url": "https://www.reuters.com/world/geneva", "published": "2023-10-06T21:31:00Z", "source": "Reuters"},
        "not an object",
        {"title": "No body"},
        {"id": "a-17", "text": "A second story.\n\nWith two paragraphs of text here."},
    ]
    lines = [json.dumps(r) for r in records] + ["{broken json", ""]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    docs, skipped = read_all(tmp_path / "feed.jsonl", tmp_path)
    assert re.fullmatch(r"feed\.jsonl#[0-9a-f]{12}", docs[0].doc_id)  # no id: named by its content
    assert docs[1].doc_id == "feed.jsonl#a-17"
    assert [(Path(s.path).name, s.reason) for s in skipped] == [
        ("feed.jsonl:2", "record is not a JSON object"),
        ("feed.jsonl:3", "record has no 'text'"),
        ("feed.jsonl:5", "invalid JSON (Expecting property name enclosed in double quotes)"),
    ]
    first = clean(docs[0])
    assert first.title == "Geneva talks resume"
    assert (first.meta.published, first.meta.outlet, first.meta.url) == (
        "2023-10-06", "Reuters", "https://www.reuters.com/world/geneva")
    assert clean(docs[1]).title == "A second story."


def test_html_main_content_without_navigation_comments_or_captions(tmp_path: Path) -> None:
    body = "<p>The council approved the new budget on Tuesday after a long debate, the mayor said. " * 2 + "</p>\n"
    page = (
        '<html><head><title>Budget passes | City Paper</title><meta property="og:title" content="Budget passes">'
        '<meta property="article:published_time" content="2022-05-10"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<main><article><h1>Budget passes</h1>\n{body * 3}<figure><img src='a.jpg'><figcaption>The council "
        "chamber. Photo: City Paper</figcaption></figure>\n<p>Advertisement</p>\n"
        "<p>Opposition members said the plan would raise parking fees across the city.</p></article></main>"
        "<div class='comments'><h3>Post new comment</h3><p>Great article, thanks!</p></div>"
        "<footer>Copyright 2022 City Paper. All rights reserved.</footer></body></html>"
    )
    (tmp_path / "budget.html").write_text(page)
    article = clean(read(tmp_path / "budget.html", tmp_path))
    assert article.title == "Budget passes"
    assert article.meta.published == "2022-05-10"
    assert "raise parking fees" in article.text and "approved the new budget" in article.text
    for junk in ("Home", "Great article", "Copyright", "Advertisement", "Photo:"):
        assert junk not in article.text
    assert "\n\n" in article.text, "paragraphs stay paragraphs"


def test_markdown_and_unknown_extensions(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("# Port strike ends\n\nDock workers returned on Friday.")
    (tmp_path / "data.csv").write_text("a,b")
    (tmp_path / "README").write_text("x")
    found, skipped = discover(tmp_path)
    assert [p.name for p in found] == ["note.md"]
    assert sorted((Path(s.path).name, s.reason) for s in skipped) == [
        ("README", "unsupported file type 'README'"), ("data.csv", "unsupported file type '.csv'")]
    assert clean(read(tmp_path / "note.md", tmp_path)).title == "Port strike ends"
