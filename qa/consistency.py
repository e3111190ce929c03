"""Keep the store (Chroma) and the catalogue (the article table) in step, and repair them when not.

The catalogue says which articles are indexed, under which fingerprint, with how many passages;
the store holds the passages. They agree when every passage of this catalogue belongs to a
recorded article's current version and every recorded article has all its passages. A kill
between the two writes, a data folder moved to another Chroma server, or a replaced store
breaks that; :func:`reconcile` repairs it: passages no recorded article owns are deleted, and
articles whose passages the store lacks are embedded again from their stored text (the source
file is not needed).

``qa ingest`` runs it first, cheaply: only the articles a kill left pending, unless the store is
not the one the catalogue was last in step with (then all of them). ``qa check`` runs it on all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from qa.chunk import chunk
from qa.clean import Article
from qa.embed import Embedder
from qa.index import Index, NewArticle, parse_passage_id
from qa.settings import ChunkSettings

# Articles re-embedded per Chroma write when the store lacks many.
_BATCH_ARTICLES = 32


@dataclass
class Repairs:
    """What :func:`reconcile` found and did."""

    checked: int = 0  # articles compared with the store
    orphans: int = 0  # passages deleted: no recorded article (or version of it) owns them
    restored: list[str] = field(default_factory=list)  # articles whose missing passages were embedded again
    store_changed: bool = False  # the store is not the one the catalogue was last in step with

    def lines(self) -> list[str]:
        out = []
        if self.store_changed:
            out.append("  the store is not the one this article table was last written with: checked every article")
        if self.orphans:
            out.append(f"  removed {self.orphans} passages that no recorded article owns (left by an interrupted write)")
        if self.restored:
            out.append(f"  embedded again {len(self.restored)} articles whose passages the store lacked")
        return out

    @property
    def repaired(self) -> bool:
        return bool(self.orphans or self.restored)


def reconcile(
    index: Index, embedder: Embedder, chunking: ChunkSettings, *, everything: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> Repairs:
    """Make store and catalogue agree; ``everything`` checks all articles, else what needs it.

    Cheap when nothing is wrong: the pending articles (none after a clean run) and the store's id.
    Call it holding the index's write lock.
    """
    pending = index.pending()
    recorded = index.recorded_store_id()
    current = index.store_id()
    changed = bool(recorded) and current != recorded or (not recorded and bool(index.expected()))
    repairs = Repairs(store_changed=changed and not everything)
    if not (everything or changed or pending):
        return repairs
    scope = None if (everything or changed) else pending
    ids = index.own_passage_ids(scope)
    expected = index.expected()
    if scope is not None:
        expected = {doc_id: expected[doc_id] for doc_id in scope if doc_id in expected}
    repairs.checked = len(expected)
    have: Counter[str] = Counter()
    orphans = []
    for pid in ids:
        parsed = parse_passage_id(pid)
        if parsed is None:
            continue  # not written by qa: not ours to judge
        doc_id, fp, n = parsed
        want = expected.get(doc_id)
        if want is None or want[0] != fp or n >= want[1]:
            orphans.append(pid)
        else:
            have[doc_id] += 1
    if orphans:
        index.delete_passages(orphans)
        repairs.orphans = len(orphans)
    lacking = sorted(doc_id for doc_id, (_, n) in expected.items() if have[doc_id] < n)
    if lacking:
        log(f"embedding again {len(lacking)} articles whose passages the store lacks")
    if lacking:
        from qa.ingest import index_series_titles

        restore(index, embedder, chunking, lacking, index_series_titles(index))
    repairs.restored = lacking
    index.clear_pending(pending)
    if index.store_id() is not None or expected:
        index.record_store()
    return repairs


def restore(
    index: Index, embedder: Embedder, chunking: ChunkSettings, doc_ids: list[str], series: frozenset[str],
) -> None:
    """Embed these recorded articles again from their stored text, as ingest stores them (``series``:
    the index's series titles, qa.ingest.series_titles), a batch of articles per write."""
    for start in range(0, len(doc_ids), _BATCH_ARTICLES):
        _restore(index, embedder, chunking, doc_ids[start : start + _BATCH_ARTICLES], series)


def _restore(
    index: Index, embedder: Embedder, chunking: ChunkSettings, doc_ids: list[str], series: frozenset[str],
) -> None:
    from qa.ingest import embedding_text, fingerprint, title_key

    items = []
    for doc_id in doc_ids:
        found = index.stored_article(doc_id)
        if found is None:
            continue
        stored, file_key, signature = found
        article = Article(stored.doc_id, stored.title, stored.text, stored.source, stored.meta)
        # with its title, or without it as a series title: one of the two is this run's
        titled, untitled = (fingerprint(article, chunking, embedder.name, s)
                            for s in (frozenset(), frozenset({title_key(article.title)})))
        fp = untitled if title_key(article.title) in series else titled
        if stored.fingerprint[:12] not in (titled[:12], untitled[:12]):
            file_key = ""  # cut or embedded another way than it was: the next ingest judges its file again
        passages = chunk(doc_id, article.text, chunking)
        vectors = embedder.embed([embedding_text(article, p, series) for p in passages])
        items.append(NewArticle(article, fp, passages, vectors, file_key, signature))
    index.put_many(items)


def check(
    index: Index, embedder: Embedder, chunking: ChunkSettings, log: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """``qa check``: compare every article with the store, repair, and rebuild the derived copies.

    A damaged embedded store (``chroma/``) is moved aside and rebuilt from the article table.
    Returns the lines to print.
    """
    import shutil
    import time

    from qa.index import IndexUnusable
    from qa.lexical import LexicalIndex

    lines = []
    with index.writing(wait=lambda: log(f"waiting for the ingest into {index.data_dir} to finish")):
        try:
            index.store_id()
            index.store_count()
        except IndexUnusable:
            if index.chroma_url is not None:
                raise
            aside = index.chroma_path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            index.reopen_store()
            shutil.move(str(index.chroma_path), aside)
            lines.append(f"  the store {index.chroma_path} could not be opened: moved it to {aside}, rebuilding it")
        repairs = reconcile(index, embedder, chunking, everything=True, log=log)
        lines += repairs.lines()
        for folder in (index.data_dir / "vectors" / index.name, LexicalIndex.folder_for(index)):
            shutil.rmtree(folder, ignore_errors=True)  # derived: made again below, from the store as it is now
    passages = index.count()
    LexicalIndex.open(index)
    articles = len(index.articles())
    verdict = "repaired" if repairs.repaired or len(lines) > len(repairs.lines()) else "consistent"
    head = f"{verdict}: {articles} articles, {passages} passages in {index.data_dir} (checked {repairs.checked} articles against the store)"
    return [head, *lines]
