"""Series titles (issue 14): a title that many articles share is not embedded with their passages.

The real model and an embedded Chroma. An article's stored vectors are compared with the model's
embedding of its passages with and without the title, as the index changes around it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.chain import QAChain
from qa.ingest import SERIES_TITLE_MIN, without_title_line
from qa.settings import Settings
from tests.integration.conftest import ingest

SERIES = "Your morning news briefing"
BODIES = {
    "brief_1.txt": "The city council approved a new budget for public libraries on Monday. Opening hours will "
                   "grow on weekends, and three branches will add reading rooms for students.",
    "brief_2.txt": "A storm closed the coastal highway for six hours. Crews cleared fallen trees and power was "
                   "back for most homes by the evening, the utility said.",
    "brief_3.txt": "The national orchestra named a new conductor, who grew up in the port town and studied "
                   "violin abroad before returning to lead the youth ensemble.",
}
OTHER = ("Harbour ferry fares rise in spring", "Ferry fares across the harbour will rise by ten percent in "
         "April, the transport authority announced, citing fuel costs and new boats.")


@pytest.fixture()
def chain(tmp_path: Path) -> QAChain:
    return QAChain(Settings(data_dir=tmp_path / "data"))


def title_embedded(chain: QAChain, doc_id: str) -> bool:
    """Whether the article's stored vectors are those of its passages under its title (else without it,
    and without the page's own title line)."""
    got = chain.index._collection.get(where={"doc_id": doc_id}, include=["embeddings", "documents"])
    assert got["ids"], f"{doc_id} has no passages"
    article = chain.index.article(doc_id)
    assert article is not None
    stored = np.asarray(got["embeddings"])
    context = " — ".join(p for p in (article.meta.outlet, article.meta.published) if p)
    bare = [f"{context}\n{u}" if context else u for u in (without_title_line(t, article.title) for t in got["documents"])]
    titled = [f"{' — '.join(p for p in (article.title, context) if p)}\n{t}" for t in got["documents"]]
    with_title, without = chain.embedder.embed(titled), chain.embedder.embed(bare)
    sim_with = float(np.min(np.sum(stored * with_title, axis=1)))
    sim_without = float(np.min(np.sum(stored * without, axis=1)))
    assert max(sim_with, sim_without) > 0.999, (sim_with, sim_without)
    return sim_with > sim_without


def test_a_title_shared_by_enough_articles_is_left_out_of_their_embeddings_and_back_when_fewer(
    chain: QAChain, tmp_path: Path,
) -> None:
    assert SERIES_TITLE_MIN == 3
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(f"{OTHER[0]}\n\n{OTHER[1]}\n")
    names = sorted(BODIES)
    for name in names[:2]:
        (corpus / name).write_text(f"{SERIES}\n\n{BODIES[name]}\n")
    ingest(chain, corpus)
    assert [chain.index.article(n).title for n in names[:2]] == [SERIES, SERIES]  # type: ignore[union-attr]
    assert all(title_embedded(chain, n) for n in [*names[:2], "ferry.txt"])  # two: one story, maybe

    (corpus / names[2]).write_text(f"{SERIES}\n\n{BODIES[names[2]]}\n")
    report = ingest(chain, corpus)
    assert report.added == [names[2]] and sorted(report.unchanged) == sorted(["ferry.txt", *names[:2]])
    assert not any(title_embedded(chain, n) for n in names)  # the first two were embedded again
    assert title_embedded(chain, "ferry.txt")

    again = ingest(chain, corpus)
    assert again.passages == 0  # settled: nothing is embedded twice

    (corpus / names[0]).unlink()
    report = ingest(chain, corpus, prune=True)
    assert report.removed == [names[0]]
    assert all(title_embedded(chain, n) for n in names[1:])  # two left: a headline again
    assert ingest(chain, corpus).passages == 0
    answer = chain.ask("What did the national orchestra name?")
    assert not answer.refused and answer.citations[0].doc_id == names[2]
