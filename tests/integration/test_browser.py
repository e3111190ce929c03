"""The chat page in a real browser: Playwright driving Debian's Chromium against ``python app.py``.

One server (the session's ``chat_server``: fresh data folder, seeds ingested at
start) and one browser for the module; the steps run in order, as a person
would use the page, and the uploaded article is removed at the end.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import KHALEEJ, PESHMERGA
from tests.integration.chat_server import REPO, Server

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
UPLOAD = REPO / "tests" / "fixtures" / "chat" / "harbour_lighthouse.txt"
ANSWER_TIMEOUT_MS = 60_000
LIGHTHOUSE = "Historic harbour lighthouse reopens after two-year restoration"

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing and could not be installed: run 'apt-get install -y chromium' "
        "(.ci/run and 'make browser' do)", allow_module_level=True,
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(chat_server: Server) -> Server:
    return chat_server


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Page]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-background-networking"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url)
        yield page
        browser.close()


def ask(page: Page, question: str) -> None:
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")


def test_answer_citation_card_and_whole_article(page: Page, server: Server) -> None:
    from gradio_client import Client

    cited = Client(server.url, verbose=False).predict(PESHMERGA, 5, api_name="/ask")["citations"][0]

    ask(page, PESHMERGA)
    chat = page.locator("#qa-chat")
    expect(chat).to_contain_text("1,600", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#qa-panel details.qa-card").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.screenshot(path=ARTIFACTS / "chat_answer.png")

    chat.locator('a[href="#qa-cite-0-1"]').first.click()
    card = page.locator('#qa-panel details.qa-card[data-key="0-1"]')
    expect(card).to_have_attribute("open", "")
    expect(card).to_contain_text("Iraq seeks 'uninterrupted' Turkish military support against Daesh")
    expect(card).to_contain_text(KHALEEJ)
    if cited["outlet"]:  # once ingestion fills article metadata, the card shows it
        expect(card).to_contain_text(cited["outlet"])
    passage_mark = card.locator("blockquote.qa-passage mark")
    expect(passage_mark).to_contain_text("trained 1,600 peshmerga")

    card.locator("details.qa-article > summary").click()
    article_mark = card.locator(".qa-article-text mark")
    expect(article_mark).to_contain_text("trained 1,600 peshmerga")
    expect(article_mark).to_be_in_viewport()
    card.screenshot(path=ARTIFACTS / "chat_source_card.png")


def test_follow_up_is_resolved_and_old_citations_still_open(page: Page) -> None:
    ask(page, "And who announced it?")
    chat = page.locator("#qa-chat")
    expect(chat).to_contain_text("Understood as: Who announced it (peshmerga Turkey train, 1,600)?",
                                 timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#qa-panel .qa-asked")).to_contain_text("Who announced it", timeout=ANSWER_TIMEOUT_MS)
    # answered with its own source card, or refused (whether the reader is sure is not this test's subject)
    expect(page.locator('#qa-panel details.qa-card[data-key="1-1"]').or_(
        chat.get_by_text("The articles do not say.")).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "chat_follow_up.png")

    chat.locator('a[href="#qa-cite-0-1"]').first.click()  # the first answer's [1]: its panel comes back
    expect(page.locator("#qa-panel .qa-asked")).to_have_text(PESHMERGA, timeout=10_000)
    expect(page.locator('#qa-panel details.qa-card[data-key="0-1"]')).to_have_attribute("open", "")


def test_bad_questions_are_messages(page: Page) -> None:
    chat = page.locator("#qa-chat")
    ask(page, "   ")
    expect(chat).to_contain_text("Cannot ask that: the question is empty.", timeout=ANSWER_TIMEOUT_MS)
    ask(page, "why " * 5000)
    expect(chat).to_contain_text("the limit is 2,000", timeout=ANSWER_TIMEOUT_MS)
    assert "Traceback" not in chat.inner_text()


def test_date_filter_applies_to_retrieval(page: Page) -> None:
    page.get_by_text("Filters and passages").click()
    expect(page.locator("#qa-as-of textarea, #qa-as-of input").first).to_have_value(dt.date.today().isoformat())
    since = page.get_by_label("Published from")
    since.fill("yesterday")
    ask(page, PESHMERGA)
    expect(page.locator("#qa-chat")).to_contain_text("date must be YYYY-MM-DD", timeout=ANSWER_TIMEOUT_MS)
    since.fill("2999-01-01")  # no article is that recent: nothing may be retrieved
    ask(page, PESHMERGA)
    expect(page.locator("#qa-panel")).to_contain_text("No passages were found", timeout=ANSWER_TIMEOUT_MS)
    since.fill("")


def test_upload_then_ask_about_it_then_remove(page: Page, server: Server, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page.get_by_role("tab", name="Corpus").click()
    expect(page.locator("#qa-corpus")).to_contain_text(KHALEEJ)

    page.locator("#qa-upload input[type=file]").set_input_files([str(UPLOAD), str(empty)])
    page.get_by_role("button", name="Add to the index").click()
    result = page.locator("#qa-upload-result")
    expect(result).to_contain_text("harbour_lighthouse.txt: added", timeout=ANSWER_TIMEOUT_MS)
    expect(result).to_contain_text("empty.txt: not added — empty file")
    expect(page.locator("#qa-corpus")).to_contain_text(LIGHTHOUSE)
    page.screenshot(path=ARTIFACTS / "corpus_upload.png")

    page.get_by_role("tab", name="Chat").click()
    page.get_by_role("button", name="New conversation").click()
    ask(page, "How much did the lighthouse restoration cost?")
    expect(page.locator("#qa-chat")).to_contain_text("4.2 million euros", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#qa-panel")).to_contain_text("harbour_lighthouse.txt")

    page.get_by_role("tab", name="Corpus").click()
    page.get_by_label("Article to remove").click()
    uploads = server.log.parent / "data" / "uploads"
    uploaded = (uploads / "harbour_lighthouse.txt").resolve().as_posix()  # an upload is named by its stored path
    page.get_by_role("option", name=f"{LIGHTHOUSE} — {uploaded}").click()
    page.get_by_role("button", name="Remove article").click()
    expect(page.locator("#qa-corpus")).not_to_contain_text("harbour_lighthouse.txt", timeout=ANSWER_TIMEOUT_MS)
    assert not (uploads / "harbour_lighthouse.txt").exists()  # the stored copy goes with the article
    assert not (uploads / "empty.txt").exists()  # a rejected file is not kept
