"""The real pipeline: real model, real Chroma, the seed articles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.chain import QAChain, QuestionError
from qa.cite import check_citations
from qa.ingest import ingest_folder
from qa.settings import Settings
from tests.conftest import KHALEEJ, PESHMERGA, SEEDS


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=SEEDS)
    chain = QAChain(settings)
    report = chain.ensure_ingested(log=lambda _: None)
    assert report is not None and len(report.added) == 5 and not report.skipped
    return chain


def articles(chain: QAChain) -> dict[str, str]:
    return {a.doc_id: chain.index.article(a.doc_id).text for a in chain.index.articles()}  # type: ignore[union-attr]


def test_peshmerga_answer_is_1600_citing_khaleej_times(chain: QAChain) -> None:
    answer = chain.ask(PESHMERGA)
    assert not answer.refused
    assert answer.short_answer == "1,600"
    assert answer.answer.startswith("1,600 [1]")
    first = answer.citations[0]
    assert first.doc_id == KHALEEJ and "1,600 peshmerga" in first.quote
    assert check_citations(answer, articles(chain)) == []


def test_every_passage_and_citation_points_at_the_stored_text(chain: QAChain) -> None:
    texts = articles(chain)
    for question in [PESHMERGA, "Who did Lavrov speak to by phone?", "Where did Putin and Erdogan meet?"]:
        answer = chain.ask(question, k=8)
        assert len(answer.passages) == 8
        for p in answer.passages:
            assert texts[p.doc_id][p.start : p.end] == p.text
        assert check_citations(answer, texts) == []
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_unanswerable_question_is_refused_with_closest_passages(chain: QAChain) -> None:
    answer = chain.ask("What is the capital of Australia?")
    assert answer.refused and answer.citations == [] and answer.passages
    assert "do not say" in answer.answer


def test_bad_questions_raise_clear_errors(chain: QAChain) -> None:
    with pytest.raises(QuestionError, match="empty"):
        chain.ask("   ")
    with pytest.raises(QuestionError, match="20,000 characters"):
        chain.ask("x" * 20_000)


def test_reingest_changes_nothing_and_edits_replace_old_passages(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.html").write_bytes(b"\x89PNG\x00\x00\x00binary")
    (corpus / "notes.docx").write_bytes(b"PK")
    settings = Settings(data_dir=tmp_path / "data")
    chain = QAChain(settings)
    first = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=False)
    assert len(first.added) == 5
    assert {Path(s.path).name: s.reason for s in first.skipped} == {
        "empty.txt": "empty file",
        "binary.html": "binary file (contains NUL bytes)",
        "notes.docx": "unsupported file type '.docx'",
    }
    count = chain.index.count()

    second = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=False)
    assert second.passages == 0 and len(second.unchanged) == 5 and chain.index.count() == count

    khaleej = corpus / KHALEEJ
    khaleej.write_text(khaleej.read_text().replace("1,600", "2,400"))
    third = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=False)
    assert third.updated == [KHALEEJ] and chain.index.count() == count
    answer = chain.ask(PESHMERGA)
    assert answer.short_answer == "2,400"
    assert all("1,600 peshmerga" not in p.text for p in answer.passages)
