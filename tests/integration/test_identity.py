"""Article identity (issue 15, reproductions 1, 2 and 5): swaps, two folders, JSONL records that move.

The real model and an embedded Chroma; every article ingested must stay answerable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa.chain import QAChain
from qa.settings import Settings
from tests.conftest import SEEDS
from tests.integration.conftest import ingest

SEED_FILES = sorted(SEEDS.iterdir())


@pytest.fixture()
def chain(tmp_path: Path) -> QAChain:
    return QAChain(Settings(data_dir=tmp_path / "data"))


def stored_texts(chain: QAChain) -> dict[str, str]:
    return {a.doc_id: chain.index.article(a.doc_id).text for a in chain.index.articles()}  # type: ignore[union-attr]


def passages_by_article(chain: QAChain) -> dict[str, int]:
    got = chain.index._collection.get(include=["metadatas"])
    counts: dict[str, int] = {}
    for meta in got["metadatas"]:
        counts[meta["doc_id"]] = counts.get(meta["doc_id"], 0) + 1
    return counts


def assert_consistent(chain: QAChain) -> None:
    assert passages_by_article(chain) == {a.doc_id: a.n_passages for a in chain.index.articles()}


def test_swapping_two_files_contents_swaps_their_articles(chain: QAChain, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(SEED_FILES[:3], 1):
        (corpus / f"00{i}.txt").write_text(seed.read_text())
    ingest(chain, corpus)
    before = stored_texts(chain)
    a, b = (corpus / "001.txt").read_text(), (corpus / "002.txt").read_text()
    (corpus / "001.txt").write_text(b)
    (corpus / "002.txt").write_text(a)
    report = ingest(chain, corpus)
    assert report.duplicates == [] and sorted(report.updated) == ["001.txt", "002.txt"]
    after = stored_texts(chain)
    assert after["001.txt"] == before["002.txt"] and after["002.txt"] == before["001.txt"] and len(after) == 3
    assert_consistent(chain)
    again = ingest(chain, corpus)
    assert len(again.unchanged) == 3 and not again.duplicates


def test_a_file_edited_into_a_copy_of_one_edited_away_is_no_duplicate(chain: QAChain, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SEED_FILES[0].read_text())
    (corpus / "b.txt").write_text(SEED_FILES[1].read_text())
    ingest(chain, corpus)
    (corpus / "b.txt").write_text(SEED_FILES[0].read_text())  # b becomes what a was...
    (corpus / "a.txt").write_text(SEED_FILES[2].read_text())  # ...while a becomes something new
    report = ingest(chain, corpus)
    assert report.duplicates == [] and len(stored_texts(chain)) == 2


def test_the_same_file_name_in_two_folders_is_two_articles(chain: QAChain, tmp_path: Path) -> None:
    for name, seed in (("fa", SEED_FILES[0]), ("fb", SEED_FILES[1])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "article.txt").write_text(seed.read_text())
    first = ingest(chain, tmp_path / "fa")
    second = ingest(chain, tmp_path / "fb")
    other = (tmp_path / "fb" / "article.txt").as_posix()
    assert first.added == ["article.txt"]  # relative to the first folder ingested, the recorded root
    assert second.added == [other] and second.updated == []
    assert set(stored_texts(chain)) == {"article.txt", other}
    assert chain.index.root() == tmp_path / "fa"
    assert_consistent(chain)
    # --prune on one folder leaves the other folder's articles alone
    (tmp_path / "fb" / "article.txt").unlink()
    assert ingest(chain, tmp_path / "fb", prune=True).removed == [other]
    assert set(stored_texts(chain)) == {"article.txt"}
    assert ingest(chain, tmp_path / "fa", prune=True).removed == []


def test_inserting_a_record_at_the_top_of_a_jsonl_file_moves_no_passage(chain: QAChain, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [{"title": f"Story {i}", "text": SEED_FILES[i].read_text()} for i in range(3)]
    feed = corpus / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in records[1:]))
    first = ingest(chain, corpus)
    assert len(first.added) == 2
    feed.write_text("\n".join(json.dumps(r) for r in records))
    second = ingest(chain, corpus)
    assert len(second.added) == 1 and len(second.unchanged) == 2 and not second.updated and not second.duplicates
    texts = stored_texts(chain)
    assert len(texts) == 3
    got = chain.index._collection.get(include=["metadatas", "documents"])
    for meta, passage in zip(got["metadatas"], got["documents"]):  # every passage is of its own article's text
        assert passage in texts[meta["doc_id"]]
    assert_consistent(chain)
    feed.write_text("\n".join(json.dumps(r) for r in records[:2]))  # the last record goes
    assert len(ingest(chain, corpus, prune=True).removed) == 1 and len(stored_texts(chain)) == 2


def test_prune_removes_articles_whose_files_are_gone_from_the_disk(chain: QAChain, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SEED_FILES[0].read_text())
    ingest(chain, corpus)
    moved = tmp_path / "moved"
    os.rename(corpus, moved)
    report = ingest(chain, moved, prune=True)  # the folder moved: the old ids' files are gone
    assert report.removed == ["a.txt"] and report.added == [(moved / "a.txt").as_posix()]
    assert_consistent(chain)
