"""Which titles are series titles, and what is embedded for an article that carries one."""

from __future__ import annotations

from qa.chunk import Passage
from qa.clean import Article
from qa.ingest import SERIES_TITLE_MIN, embedding_text, fingerprint, series_titles, title_key
from qa.metadata import ArticleMeta
from qa.settings import ChunkSettings


def test_a_title_counts_as_a_series_title_from_the_minimum_on_whatever_its_case_and_spacing() -> None:
    titles = ["Live updates", "live  UPDATES", "Live updates ", "Storm closes highway", "Storm closes highway", ""]
    assert series_titles(titles) == frozenset({"live updates"})
    assert series_titles(titles[:SERIES_TITLE_MIN - 1]) == frozenset()
    assert series_titles(["", "", "", ""]) == frozenset()


def test_a_series_title_is_left_out_of_the_embedded_text_and_changes_the_fingerprint() -> None:
    meta = ArticleMeta(outlet="Daily Planet", published="2024-05-01")
    article = Article("a.txt", "Live updates", "The dam held overnight.", "/tmp/a.txt", meta)
    passage = Passage(doc_id="a.txt", index=0, start=0, end=23, text="The dam held overnight.")
    series = frozenset({title_key("LIVE updates")})
    assert embedding_text(article, passage) == "Live updates — Daily Planet — 2024-05-01\nThe dam held overnight."
    assert embedding_text(article, passage, series) == "Daily Planet — 2024-05-01\nThe dam held overnight."
    chunking = ChunkSettings()
    assert fingerprint(article, chunking, "m") == fingerprint(article, chunking, "m", frozenset({"other"}))
    assert fingerprint(article, chunking, "m") != fingerprint(article, chunking, "m", series)


def test_a_series_title_is_also_left_out_where_it_is_the_passages_own_first_line() -> None:
    text = "Live updates\n\nThe dam held overnight."
    article = Article("a.txt", "Live updates", text, "/tmp/a.txt", ArticleMeta())
    passage = Passage(doc_id="a.txt", index=0, start=0, end=len(text), text=text)
    series = frozenset({title_key("Live updates")})
    assert embedding_text(article, passage, series) == "The dam held overnight."
    # a headline that is not a series title stays, in the prefix and in the passage
    assert embedding_text(article, passage) == "Live updates\n" + text
    # a passage that is the title line alone keeps it: something must be embedded
    alone = Passage(doc_id="a.txt", index=0, start=0, end=12, text="Live updates")
    assert embedding_text(article, alone, series) == "Live updates"
    # only a first line that is the title goes
    other = Passage(doc_id="a.txt", index=1, start=0, end=23, text="The dam held overnight.\nLive updates")
    assert embedding_text(article, other, series) == other.text
