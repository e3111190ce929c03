"""The "as of" date on the real model and a real Chroma: two dated articles answer a "this week" question
differently, and the day the question is asked on picks the right one (a prior, not a filter)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qa.chain import QAChain
from qa.evaluate import evaluate, load_questions
from qa.ingest import ingest_folder
from qa.settings import Settings
from tests.conftest import ROOT

# Two weeks of the same story, as scraped: the date is only in the page's own "Published:" line.
ARTICLES = {
    "january.txt": (
        "Harbourton council elects a new mayor\n\nURL: https://example.com/news/harbourton-mayor-january\n"
        "Published: 2023/01/10\n\nThe Harbourton town council elected Maria Lopez as mayor this week, after a "
        "close vote of seven to six. Lopez, a former harbour pilot, said her first task would be the ferry pier.\n"
    ),
    "february.txt": (
        "Harbourton council elects a new mayor after resignation\n\nURL: https://example.com/news/harbourton-mayor-february\n"
        "Published: 2023/02/14\n\nThe Harbourton town council elected Tom Becker as mayor this week, a month after "
        "Maria Lopez resigned. Becker, a baker, won the vote eight to five and promised to reopen the market hall.\n"
    ),
    "background.txt": (
        "A short history of Harbourton\n\nHarbourton grew around its fishing harbour in the 1800s. The town council "
        "has eleven members, who choose the mayor from among themselves.\n"
    ),
}
QUESTION = "Who did the Harbourton council elect as mayor this week?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("as_of") / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def chain(corpus: Path) -> QAChain:
    chain = QAChain(Settings(data_dir=corpus.parent / "data", corpus_dir=corpus))
    ingest_folder(corpus, chain.index, chain.embedder, chain.settings.chunk, progress=False)
    return chain


def _first(chain: QAChain, as_of: dt.date | None, question: str = QUESTION) -> str:
    return chain.retrieve(question, k=3, as_of=as_of)[0].metadata["doc_id"]


def test_the_articles_dates_come_from_their_pages(chain: QAChain) -> None:
    assert chain.index.article("january.txt").meta.published == "2023-01-10"  # type: ignore[union-attr]
    assert chain.index.article("february.txt").meta.published == "2023-02-14"  # type: ignore[union-attr]
    assert chain.index.article("background.txt").meta.published is None  # type: ignore[union-attr]


def test_the_as_of_date_picks_that_weeks_article(chain: QAChain) -> None:
    assert _first(chain, dt.date(2023, 1, 12)) == "january.txt"
    assert _first(chain, dt.date(2023, 2, 16)) == "february.txt"
    # the passages say whether their article is of that week, for the answerer to prefer
    docs = chain.retrieve(QUESTION, k=3, as_of=dt.date(2023, 2, 16))
    assert {d.metadata["doc_id"]: d.metadata["in_window"] for d in docs} == {
        "february.txt": True, "january.txt": False, "background.txt": False}
    assert not any("in_window" in d.metadata for d in chain.retrieve(QUESTION, k=3))
    # the answer quotes that week's article, and says as of when
    answer = chain.ask(QUESTION, k=3, as_of=dt.date(2023, 2, 16))
    assert answer.passages[0].doc_id == "february.txt"
    if not answer.refused:
        assert "Becker" in answer.short_answer and "(as of 2023-02-14)" in answer.answer


def test_a_prior_not_a_filter(chain: QAChain) -> None:
    # nothing was published in the week before: every article still comes back, undated background included
    docs = chain.retrieve(QUESTION, k=3, as_of=dt.date(2024, 6, 1))
    assert {d.metadata["doc_id"] for d in docs} == set(ARTICLES)
    assert [d.metadata["doc_id"] for d in docs] == [d.metadata["doc_id"] for d in chain.retrieve(QUESTION, k=3)]
    # a question with no relative time is not reordered by the as-of date
    plain = "Who did the Harbourton council elect as mayor?"
    assert _first(chain, dt.date(2023, 1, 12), plain) == _first(chain, dt.date(2023, 2, 16), plain) == _first(chain, None, plain)
    # and with the prior turned off, the as-of date changes nothing
    settings = chain.settings
    chain.settings = settings.with_overrides(**{"retrieval.recency_boost": 0.0})
    try:
        assert _first(chain, dt.date(2023, 1, 12)) == _first(chain, dt.date(2023, 2, 16))
    finally:
        chain.settings = settings


def test_the_dense_mode_has_the_prior_too(chain: QAChain) -> None:
    settings = chain.settings
    chain.settings = settings.with_overrides(**{"retrieval.mode": "dense"})
    try:
        assert _first(chain, dt.date(2023, 1, 12)) == "january.txt"
        assert _first(chain, dt.date(2023, 2, 16)) == "february.txt"
    finally:
        chain.settings = settings


def test_eval_asks_each_question_on_its_question_date(chain: QAChain, corpus: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump([
        {"id": "jan", "question": QUESTION, "answers": ["Maria Lopez"], "gold_docs": ["january.txt"],
         "question_date": "2023/01/12"},
        {"id": "feb", "question": QUESTION, "answers": ["Tom Becker"], "gold_docs": ["february.txt"],
         "question_date": "2023-02-16"},
    ]))
    qs = load_questions(questions)
    assert [q.question_date for q in qs] == [dt.date(2023, 1, 12), dt.date(2023, 2, 16)]
    settings = chain.settings
    rows = evaluate(settings, qs, corpus, progress=False)
    assert [r.gold_rank for r in rows] == [1, 1]
    # --as-of overrides every question's date: both are then asked in February
    rows = evaluate(settings, qs, corpus, progress=False, as_of=dt.date(2023, 2, 16))
    assert [r.gold_rank for r in rows] == [2, 1]


def test_ask_as_of_on_the_command_line(corpus: Path) -> None:
    def first(*flags: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "qa", "ask", QUESTION, "--json", "-k", "3", "--data-dir", str(corpus.parent / "data"),
             *flags],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        import json

        return json.loads(result.stdout)["passages"][0]["doc_id"]

    assert first("--as-of", "2023-01-12") == "january.txt"
    assert first("--as-of", "2023-02-16") == "february.txt"
    bad = subprocess.run([sys.executable, "-m", "qa", "ask", QUESTION, "--as-of", "12/01/2023"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a date like" in bad.stderr
