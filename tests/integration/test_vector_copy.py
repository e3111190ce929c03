"""The exact-search copy beside Chroma (qa.vectors): same passages as Chroma, and never stale."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qa.chain import QAChain, embedder_for
from qa.index import Index
from qa.ingest import ingest_folder
from qa.settings import Settings
from tests.conftest import KHALEEJ, PESHMERGA, ROOT
from tests.threads import at_once

MATCH_ALL = {"passage": {"$gte": 0}}  # a where clause sends the search to Chroma


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, seeds_copy: Path) -> QAChain:
    chain = QAChain(Settings(data_dir=tmp_path_factory.mktemp("copy-data")))
    ingest_folder(seeds_copy, chain.index, chain.embedder, chain.settings.chunk, progress=False, log=lambda _: None)
    return chain


def test_exact_search_over_the_copy_ranks_like_chroma(chain: QAChain) -> None:
    questions = [q["question"] for q in yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())]
    vectors = chain.embedder.embed(questions)
    for question, vector in zip(questions, vectors):
        copy = chain.index.search(vector, 10)
        chroma = chain.index.search(vector, 10, where=MATCH_ALL)
        assert [(d.metadata["doc_id"], d.metadata["passage"]) for d in copy] == [
            (d.metadata["doc_id"], d.metadata["passage"]) for d in chroma
        ], question
        assert [d.metadata["score"] for d in copy] == pytest.approx([d.metadata["score"] for d in chroma], abs=1e-5)
        assert [d.page_content for d in copy] == [d.page_content for d in chroma]
    assert (chain.index.data_dir / "vectors" / chain.index.name / "copy.json").exists()


def test_a_new_process_answers_from_the_copy_without_opening_chroma(chain: QAChain) -> None:
    fresh = Index(chain.index.data_dir, chain.index.name, chain.settings.embedding.model)
    docs = fresh.search(chain.embedder.embed([PESHMERGA])[0], 5)
    assert KHALEEJ in {d.metadata["doc_id"] for d in docs}
    assert [d.id for d in docs] == [d.id for d in chain.index.search(chain.embedder.embed([PESHMERGA])[0], 5)]
    assert "_collection" not in vars(fresh), "Chroma was opened"


def test_the_copy_follows_every_change_made_through_any_index(chain: QAChain, tmp_path: Path) -> None:
    reader = Index(chain.index.data_dir, chain.index.name, chain.settings.embedding.model)
    question = chain.embedder.embed(["How many ferries did the harbour authority order?"])[0]
    before = reader.search(question, 3)
    assert "harbour.txt" not in {d.metadata["doc_id"] for d in before}

    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "harbour.txt").write_text(
        "Harbour authority orders electric ferries\n\nThe harbour authority said on Monday that it had ordered "
        "fourteen electric ferries from a shipyard in Gdansk, to enter service next spring.",
        encoding="utf-8",
    )
    writer = Index(chain.index.data_dir, chain.index.name, chain.settings.embedding.model)
    ingest_folder(folder, writer, embedder_for(chain.settings), chain.settings.chunk, progress=False, log=lambda _: None)
    harbour = (folder / "harbour.txt").as_posix()  # outside the first folder ingested: named by its absolute path
    assert reader.search(question, 3)[0].metadata["doc_id"] == harbour
    assert reader.count() == chain.index.count() == writer.count()

    assert writer.remove(harbour)
    assert harbour not in {d.metadata["doc_id"] for d in reader.search(question, 3)}
    assert [d.metadata["doc_id"] for d in reader.search(question, 3)] == [d.metadata["doc_id"] for d in before]


def test_threads_asking_at_once_build_the_copy_once(chain: QAChain, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat page's first questions arrive together: one thread builds the copy, none fails."""
    import shutil

    from qa import vectors

    shutil.rmtree(chain.index.data_dir / "vectors")
    fresh = Index(chain.index.data_dir, chain.index.name, chain.settings.embedding.model)
    saved: list[str] = []
    real_save = vectors.save
    monkeypatch.setattr(vectors, "save", lambda folder, copy, model: (saved.append(copy.stamp), real_save(folder, copy, model)))
    vector = chain.embedder.embed([PESHMERGA])[0]
    results, errors = at_once(lambda: [d.id for d in fresh.search(vector, 5)])
    assert errors == [] and len(saved) == 1
    assert len(results) == 8 and all(r == results[0] for r in results)
    # two indexes of one process saving at once (two chat sessions' chains) never share a temporary file
    copy = fresh._vector_copy()
    folder = chain.index.data_dir / "vectors" / "x"
    _, errors = at_once(lambda: real_save(folder, copy, "m"))
    assert errors == [] and vectors.load(folder, copy.stamp, "m") is not None
    assert not list(folder.glob("*.tmp"))
