"""The chat page's uploads say what happened (issue 15, reproductions 2 and 8): the page's handlers over a real index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.cards import md
from qa.chain import QAChain
from qa.settings import Settings
from tests.conftest import KHALEEJ, PESHMERGA, SEEDS

pytest.importorskip("gradio")

from qa.ui import ChatPage  # noqa: E402


@pytest.fixture()
def page(tmp_path: Path) -> ChatPage:
    corpus = tmp_path / "seeds"
    shutil.copytree(SEEDS, corpus)
    chain = QAChain(Settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    chain.ensure_ingested(log=lambda _: None)
    return ChatPage(chain)


def upload(page: ChatPage, *files: Path) -> str:
    return page.upload([str(f) for f in files], progress=lambda *a, **k: None)[0]


def test_a_jsonl_upload_reports_each_record(page: ChatPage, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    good = {"id": "r1", "title": "Port strike ends", "text": "Dock workers returned to work on Friday after a strike."}
    feed.write_text(json.dumps(good) + "\n{broken json\n")
    message = upload(page, feed)
    assert "✓ feed.jsonl\\#r1: added, 1 passage — Port strike ends" in message  # (Markdown-escaped)
    assert "✗ feed.jsonl line 2: not added — invalid JSON" in message
    assert (page.uploads / "feed.jsonl").is_file(), "kept: one of its records is indexed"


def test_a_renamed_copy_is_a_duplicate_and_takes_the_originals_place_when_it_goes(page: ChatPage, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_text((SEEDS / KHALEEJ).read_text())
    message = upload(page, copy)
    assert message == f"- = copy.txt: duplicate of {md(KHALEEJ)}, not indexed again"
    stored = page.uploads / "copy.txt"
    assert stored.is_file()

    removed = page.remove(KHALEEJ)[0]
    assert removed.startswith(f"Removed {md(KHALEEJ)}.") and "is indexed in its place" in removed
    copy_id = stored.as_posix()
    assert page.chain.index.article(copy_id) is not None and copy_id not in page.chain.index.duplicates()
    assert page.chain.ask(PESHMERGA).citations[0].doc_id == copy_id


def test_an_upload_named_like_an_article_does_not_replace_it(page: ChatPage, tmp_path: Path) -> None:
    same_name = tmp_path / KHALEEJ
    same_name.write_text("Glassworks closes after ninety years\n\nThe Vindeby glassworks will close in May, "
                         "its owners said on Thursday, after ninety years of making bottles.")
    message = upload(page, same_name)
    assert f"✓ {md(KHALEEJ)}: added" in message
    assert page.chain.index.article(KHALEEJ) is not None, "the ingested article of that name stays"
    assert len(page.chain.index.articles()) == 6
    page.remove((page.uploads / KHALEEJ).as_posix())
    assert not (page.uploads / KHALEEJ).exists(), "the stored upload goes with its article"
    assert page.chain.index.article(KHALEEJ) is not None
