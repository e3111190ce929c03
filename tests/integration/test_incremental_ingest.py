"""Incremental ingest with the real model and Chroma: unchanged, updated, duplicates, JSONL, --prune."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from qa.chain import QAChain
from qa.cite import render_text
from qa.ingest import ingest_folder
from qa.settings import Settings
from tests.conftest import KHALEEJ, SEEDS
from tests.unit.test_formats import tiny_pdf

JPOST = "001_9c057057cff0d122.txt"
ALAKHBAR = "002_ccf924def72a9c46.txt"


def syndicated(text: str) -> str:
    """Wire copy as another site runs it: its own headline and a last paragraph cut."""
    paragraphs = text.strip().split("\n")
    return "\n".join(["Iraq asks Turkey for more military help", *paragraphs[1:-3]])


def passages_of(chain: QAChain, doc_id: str) -> int:
    return len(chain.index._collection.get(where={"doc_id": doc_id}, include=[])["ids"])


def test_duplicates_updates_jsonl_and_prune(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "wire").mkdir()
    (corpus / "wire" / "copy_of_khaleej.txt").write_text((SEEDS / KHALEEJ).read_text())
    (corpus / "wire" / "syndicated.txt").write_text(syndicated((SEEDS / KHALEEJ).read_text()))
    records = [{"id": "r1", "title": "Port strike ends after two weeks", "published": "2023-06-02", "source": "Reuters",
                "text": "Dock workers returned to work on Friday after a two-week strike over pay ended with a deal."},
               {"title": "no text"}]
    (corpus / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    settings = Settings(data_dir=tmp_path / "data")
    chain = QAChain(settings)

    def run(prune: bool = False):  # noqa: ANN202
        return ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, prune=prune, progress=False)

    first = run()
    assert sorted(first.added) == sorted([*(p.name for p in SEEDS.iterdir()), "feed.jsonl#r1"])
    assert sorted(first.duplicates) == [("wire/copy_of_khaleej.txt", KHALEEJ), ("wire/syndicated.txt", KHALEEJ)]
    assert [(Path(s.path).name, s.reason) for s in first.skipped] == [("feed.jsonl:2", "record has no 'text'")]
    assert chain.index.duplicates() == dict(first.duplicates)
    assert passages_of(chain, "wire/syndicated.txt") == 0
    stored = chain.index.article("feed.jsonl#r1")
    assert stored is not None and (stored.meta.outlet, stored.meta.published) == ("Reuters", "2023-06-02")
    count = chain.index.count()

    second = run()
    assert second.passages == 0 and not second.added and not second.updated and chain.index.count() == count
    assert len(second.unchanged) == 6 and sorted(second.duplicates) == sorted(first.duplicates)
    assert second.summary().startswith(
        "added 0, updated 0, unchanged 6, duplicates 2, skipped 1, removed 0; 0 passages embedded"
    )

    (corpus / ALAKHBAR).unlink()
    assert run().removed == [], "without --prune nothing is removed"
    third = run(prune=True)
    assert third.removed == [ALAKHBAR] and passages_of(chain, ALAKHBAR) == 0
    assert chain.index.article(ALAKHBAR) is None

    # The original goes: its first duplicate is indexed in its place, the other now repeats that one.
    (corpus / KHALEEJ).unlink()
    fourth = run(prune=True)
    assert fourth.removed == [KHALEEJ]
    assert fourth.added == ["wire/copy_of_khaleej.txt"]
    assert fourth.duplicates == [("wire/syndicated.txt", "wire/copy_of_khaleej.txt")]
    answer = chain.ask("How many peshmerga did Turkey train?")
    assert answer.citations and answer.citations[0].doc_id == "wire/copy_of_khaleej.txt"
    assert "[1] Iraq seeks 'uninterrupted' Turkish military support against Daesh — Khaleej Times, 2015-07-14 — " \
        "wire/copy_of_khaleej.txt — “" in render_text(answer)

    # An article edited into a copy of another becomes its duplicate and leaves the index.
    (corpus / "edited.txt").write_text("Unrelated first version of this file, about the weather in Oslo today.")
    assert run().added == ["edited.txt"]
    (corpus / "edited.txt").write_text((corpus / JPOST).read_text())
    fifth = run()
    assert ("edited.txt", JPOST) in fifth.duplicates and "edited.txt" not in fifth.updated and passages_of(chain, "edited.txt") == 0


def test_bad_files_are_reported_and_the_rest_ingests(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Harbour reopens after storm\n\nThe harbour reopened on Monday, officials said.")
    (corpus / "latin1.txt").write_bytes("Le port rouvre\n\nLe café du port a rouvert lundi.".encode("latin-1"))
    (corpus / "utf16.txt").write_bytes("Ferry resumes\n\nThe ferry to Erdek resumed on Sunday.".encode("utf-16"))
    (corpus / "report.pdf").write_bytes(tiny_pdf(["Bridge inspection ordered", "Engineers will inspect the bridge."]))
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    with (corpus / "huge.txt").open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "table.csv").write_text("a,b")
    settings = Settings(data_dir=tmp_path / "data")
    chain = QAChain(settings)
    report = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=False)
    assert sorted(report.added) == ["good.txt", "latin1.txt", "report.pdf", "utf16.txt"]
    assert {Path(s.path).name: s.reason for s in report.skipped} == {
        "empty.txt": "empty file",
        "binary.txt": "binary file (contains NUL bytes)",
        "huge.txt": "file too large (52 MB > 21 MB)",
        "loop.txt": "Too many levels of symbolic links",
        "table.csv": "unsupported file type '.csv'",
    }
    assert "café" in chain.index.article("latin1.txt").text  # type: ignore[union-attr]
