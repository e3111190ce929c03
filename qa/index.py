"""Stage 4b, index: passages and their vectors in Chroma, whole articles in SQLite.

Chroma holds one record per passage (id ``doc_id#sha12#index``, the vector,
the text and the metadata a citation needs). A small SQLite table holds each
cleaned article with its content hash; an article's row is written only after
all its passages are in Chroma, so an interrupted ingest is simply resumed:
a missing row means "not ingested yet", and re-writing uses the same ids.
The fingerprint hashes the article's content together with the chunking
settings and the embedding model, so changing either re-embeds.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from langchain_core.documents import Document

from qa import vectors
from qa.chunk import Passage
from qa.clean import Article, ArticleMeta


class IndexUnusable(RuntimeError):
    """The index cannot be used as asked (wrong model, missing data folder...)."""


@dataclass(frozen=True)
class StoredArticle:
    doc_id: str
    title: str
    source: str
    fingerprint: str
    n_passages: int
    text: str
    meta: ArticleMeta = ArticleMeta()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    n_passages INTEGER NOT NULL,
    text TEXT NOT NULL,
    ingested_at REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (collection, doc_id)
)
"""
# A counter per collection, bumped on every write, so derived copies (qa.lexical, qa.vectors) know when they are stale.
_VERSION_SCHEMA = "CREATE TABLE IF NOT EXISTS versions (collection TEXT PRIMARY KEY, version INTEGER NOT NULL)"
_COLUMNS = "doc_id, title, source, fingerprint, n_passages, {text}, meta"
# Articles not indexed because they repeat another one (see qa.dedup). ``file_key`` is the
# ingest's key of the file version judged, '' while the judgement is not yet carried out.
_DUPLICATES_SCHEMA = """
CREATE TABLE IF NOT EXISTS duplicates (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    duplicate_of TEXT NOT NULL,
    source TEXT NOT NULL,
    file_key TEXT NOT NULL,
    PRIMARY KEY (collection, doc_id)
)
"""


@dataclass(frozen=True)
class LedgerEntry:
    """What ingest needs to know about a stored doc_id to decide whether to touch it."""

    source: str
    file_key: str  # ingest's key of the file version stored ('' if unknown: always re-checked)
    fingerprint: str | None  # of the indexed article; None for a duplicate
    duplicate_of: str | None = None


@dataclass(frozen=True)
class NewArticle:
    """An article ready to store: its passages, their vectors, and what ingest keys it by."""

    article: Article
    fingerprint: str
    passages: list[Passage]
    vectors: np.ndarray
    file_key: str = ""
    signature: np.ndarray | None = None


def _stored(row: tuple[Any, ...]) -> StoredArticle:
    *fields, meta = row
    return StoredArticle(*fields, meta=ArticleMeta(**json.loads(meta or "{}")))


def passage_id(doc_id: str, fingerprint: str, index: int) -> str:
    return f"{doc_id}#{fingerprint[:12]}#{index}"


def chroma_client(path: Path, url: str | None = None):  # noqa: ANN201 - chromadb is imported lazily
    """The embedded Chroma store in ``path``, or the Chroma server at ``url`` when one is given.

    Only the client differs: collections, ids and queries are the same, so a server gives the same
    results as the embedded store and lets several processes (or machines) write and read one index.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url is None:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise IndexUnusable(f"chroma_url {url!r} is not an http(s)://host:port URL")
    try:
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    except Exception as exc:  # chromadb raises ValueError or httpx errors when nothing answers
        raise IndexUnusable(f"cannot reach the Chroma server at {url}: {str(exc).splitlines()[0]}") from None


class Index:
    """One named collection: a Chroma collection plus its article table."""

    def __init__(
        self, data_dir: Path, collection: str, embedding_model: str, chroma_url: str | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.name = collection
        self.embedding_model = embedding_model
        self.chroma_url = chroma_url
        self._copy: vectors.VectorCopy | None = None
        self._lock = threading.Lock()  # the chat page searches from several threads
        self._copy_lock = threading.Lock()  # one thread (re)builds the vector copy; the others wait for it
        self._db = sqlite3.connect(self.data_dir / "articles.sqlite3", timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.execute(_VERSION_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if "meta" not in columns:  # an index made before article metadata existed
            self._db.execute("ALTER TABLE articles ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")
        if "file_key" not in columns:  # an index made before duplicate detection
            self._db.execute("ALTER TABLE articles ADD COLUMN file_key TEXT NOT NULL DEFAULT ''")
            self._db.execute("ALTER TABLE articles ADD COLUMN minhash BLOB")
        self._db.execute(_DUPLICATES_SCHEMA)
        self._db.commit()

    @functools.cached_property
    def _collection(self):  # noqa: ANN202 - a chromadb Collection; opened on first use (importing chromadb costs ~1 s)
        client = chroma_client(self.data_dir / "chroma", self.chroma_url)
        collection = client.get_or_create_collection(
            self.name,
            embedding_function=None,  # vectors always come from qa.embed, never Chroma's downloader
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedding_model},
        )
        stored_model = (collection.metadata or {}).get("embedding_model")
        if stored_model and stored_model != self.embedding_model:
            raise IndexUnusable(
                f"collection '{self.name}' was built with embedding model '{stored_model}', "
                f"not '{self.embedding_model}': use another --collection or re-ingest into a new data folder"
            )
        return collection

    # -- articles ---------------------------------------------------------------------------
    def article(self, doc_id: str) -> StoredArticle | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS.format(text='text')} FROM articles WHERE collection=? AND doc_id=?",
            (self.name, doc_id),
        ).fetchone()
        return _stored(row) if row else None

    def articles(self) -> list[StoredArticle]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS.format(text=repr(''))} FROM articles WHERE collection=? ORDER BY doc_id",
            (self.name,),
        ).fetchall()
        return [_stored(row) for row in rows]

    def fingerprint(self, doc_id: str) -> str | None:
        """The fingerprint of the fully indexed version of this article, or None if it is not indexed."""
        row = self._db.execute(
            "SELECT fingerprint FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id)
        ).fetchone()
        return row[0] if row else None

    def ledger(self) -> dict[str, LedgerEntry]:
        """Every stored doc_id, indexed or duplicate, in one query each (for ingest's skip decisions)."""
        entries = {
            doc_id: LedgerEntry(source, file_key, fingerprint)
            for doc_id, source, file_key, fingerprint in self._db.execute(
                "SELECT doc_id, source, file_key, fingerprint FROM articles WHERE collection=?", (self.name,)
            )
        }
        for doc_id, source, file_key, of in self._db.execute(
            "SELECT doc_id, source, file_key, duplicate_of FROM duplicates WHERE collection=?", (self.name,)
        ):
            entries[doc_id] = LedgerEntry(source, file_key, None, of)
        return entries

    def signatures(self) -> dict[str, np.ndarray]:
        """The MinHash signature (qa.dedup) of every indexed article that has one."""
        rows = self._db.execute(
            "SELECT doc_id, minhash FROM articles WHERE collection=? AND minhash IS NOT NULL", (self.name,)
        )
        return {doc_id: np.frombuffer(blob, dtype=np.uint32) for doc_id, blob in rows}

    def duplicates(self) -> dict[str, str]:
        """Each article recorded as a duplicate, and the indexed article it repeats."""
        rows = self._db.execute("SELECT doc_id, duplicate_of FROM duplicates WHERE collection=?", (self.name,))
        return dict(rows.fetchall())

    # -- writing ----------------------------------------------------------------------------
    def put(
        self, article: Article, fingerprint: str, passages: list[Passage], vectors: np.ndarray,
        *, file_key: str = "", signature: np.ndarray | None = None,
    ) -> None:
        """Store an article's passages, drop its older version, then record it as done.

        ``file_key`` lets the next ingest skip the unchanged file without cleaning it;
        ``signature`` lets it recognise near-duplicates of this article (qa.dedup).
        """
        self.put_many([NewArticle(article, fingerprint, passages, vectors, file_key, signature)])

    def put_many(self, items: list[NewArticle]) -> None:
        """:meth:`put` for several articles at once: one Chroma write and one SQLite transaction.

        The article rows are written last, so an interruption leaves none of them recorded as
        done (their passages are written again, under the same ids, by the next run).
        """
        if not items:
            return
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for item in items:
            article = item.article
            for p in item.passages:
                ids.append(passage_id(article.doc_id, item.fingerprint, p.index))
                texts.append(p.text)
                metadatas.append({
                    "doc_id": article.doc_id, "title": article.title, "passage": p.index, "start": p.start,
                    "end": p.end, "fingerprint": item.fingerprint, **article.meta.as_metadata(),
                })
        vectors = np.concatenate([item.vectors for item in items])
        self._collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)
        # older versions of these articles (any passage of theirs under another fingerprint)
        self._collection.delete(where={"$and": [
            {"doc_id": {"$in": [item.article.doc_id for item in items]}},
            {"fingerprint": {"$nin": [item.fingerprint for item in items]}},
        ]})
        now = time.time()
        with self._db:
            for item in items:
                article = item.article
                self._db.execute(
                    "INSERT OR REPLACE INTO articles (collection, doc_id, title, source, fingerprint, n_passages, "
                    "text, ingested_at, meta, file_key, minhash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self.name, article.doc_id, article.title, article.source, item.fingerprint, len(item.passages),
                     article.text, now, json.dumps(dataclasses.asdict(article.meta)), item.file_key,
                     None if item.signature is None else item.signature.astype(np.uint32).tobytes()),
                )
                self._db.execute(
                    "DELETE FROM duplicates WHERE collection=? AND doc_id=?", (self.name, article.doc_id)
                )
            self._bump_version()

    def set_file_key(self, doc_id: str, file_key: str) -> None:
        """Record that another version of the file cleans to the same indexed article."""
        self._db.execute(
            "UPDATE articles SET file_key=? WHERE collection=? AND doc_id=?", (file_key, self.name, doc_id)
        )
        self._db.commit()

    def mark_duplicate(self, doc_id: str, duplicate_of: str, source: str, file_key: str) -> None:
        """Record ``doc_id`` as a duplicate of ``duplicate_of``, un-indexing any version of it.

        Safe to interrupt: the record is kept with an empty file key (so the next ingest judges
        the file again) until its old passages are gone.
        """
        self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
        self._db.execute(
            "INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, '')", (self.name, doc_id, duplicate_of, source)
        )
        self._db.commit()
        self._collection.delete(where={"doc_id": doc_id})
        self._db.execute(
            "UPDATE duplicates SET file_key=? WHERE collection=? AND doc_id=?", (file_key, self.name, doc_id)
        )
        self._bump_version()
        self._db.commit()

    def remove(self, doc_id: str) -> bool:
        """Delete an article and all its passages; False if it was not indexed."""
        known = self.fingerprint(doc_id) is not None
        self._collection.delete(where={"doc_id": doc_id})
        self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
        self._db.execute("DELETE FROM duplicates WHERE collection=? AND doc_id=?", (self.name, doc_id))
        self._bump_version()
        self._db.commit()
        return known

    def _bump_version(self) -> None:
        self._db.execute(
            "INSERT INTO versions VALUES (?, 1) ON CONFLICT(collection) DO UPDATE SET version = version + 1",
            (self.name,),
        )

    def version(self) -> int:
        """How many writes (put/remove) this collection has had; 0 when never written."""
        row = self._db.execute("SELECT version FROM versions WHERE collection=?", (self.name,)).fetchone()
        return row[0] if row else 0

    # -- reading ----------------------------------------------------------------------------
    def count(self) -> int:
        """Number of passages in the collection."""
        copy = self._vector_copy()
        return len(copy) if copy is not None else self._collection.count()

    def search(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None, days: tuple[int, int] | None = None
    ) -> list[Document]:
        """The ``k`` nearest passages, best first, as LangChain documents with citation metadata.

        ``where`` is a Chroma metadata filter (see :meth:`qa.retrieve.SearchFilters.where`); ``days``
        keeps only articles published from its first to its last day (YYYYMMDD, inclusive). Without a
        ``where``, the search is exact, over the collection's vector copy when it has one (see
        :mod:`qa.vectors`), ``days`` included; with one, or on a Chroma server, it is Chroma's.
        """
        copy = self._vector_copy() if where is None else None
        if copy is not None:
            hits = [(h.id, h.text, h.metadata, h.score) for h in copy.search(vector, k, days)]
        else:
            if days is not None:
                span = [{"published_day": {"$gte": days[0]}}, {"published_day": {"$lte": days[1]}}]
                where = {"$and": [*([where] if where else []), *span]}
            n = self._collection.count()
            if n == 0:
                return []
            result = self._collection.query(
                query_embeddings=[vector.tolist()], n_results=min(k, n), where=where,
                include=["documents", "metadatas", "distances"],
            )
            hits = [
                (pid, text, meta, 1.0 - float(distance))
                for pid, text, meta, distance in zip(
                    result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
                )
            ]
        return [
            Document(id=pid, page_content=text, metadata={**meta, "score": score, "rank": rank})
            for rank, (pid, text, meta, score) in enumerate(hits, start=1)
        ]

    # -- the vector copy --------------------------------------------------------------------
    def _stamp(self) -> str:
        """The collection's write version (:meth:`version`), bumped in the same commit as each completed change."""
        with self._lock:
            return f"v{self.version()}"

    def _vector_copy(self) -> vectors.VectorCopy | None:
        """The collection's up-to-date copy for exact search, made from Chroma when missing or stale.

        None on a Chroma server (other machines change it without touching this article table) and
        for collections over :data:`qa.vectors.MAX_PASSAGES` passages.
        """
        if self.chroma_url is not None:
            return None
        stamp = self._stamp()
        if self._copy is not None and self._copy.stamp == stamp:
            return self._copy
        with self._copy_lock:
            if self._copy is not None and self._copy.stamp == stamp:  # another thread just built it
                return self._copy
            folder = self.data_dir / "vectors" / self.name
            copy = vectors.load(folder, stamp, self.embedding_model)
            if copy is None:
                if self._collection.count() > vectors.MAX_PASSAGES:
                    return None
                got = self._collection.get(include=["embeddings", "documents", "metadatas"])
                matrix = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1 if got["ids"] else 0)
                copy = vectors.VectorCopy(
                    stamp, matrix, list(got["ids"]), list(got["documents"]), [dict(m) for m in got["metadatas"]]
                )
                vectors.save(folder, copy, self.embedding_model)
            self._copy = copy
            return copy

    def all_passages(self, batch: int = 5000) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        """Every passage as ``(ids, texts, metadatas)`` batches, for building derived indexes."""
        for offset in range(0, self.count(), batch):
            got = self._collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            yield got["ids"], got["documents"], got["metadatas"]

    def passages(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any], np.ndarray]]:
        """Text, metadata and vector of the passages with these ids (missing ids are left out)."""
        if not ids:
            return {}
        copy = self._vector_copy()
        if copy is not None:
            return copy.passages(ids)
        got = self._collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        return {
            i: (text, meta, np.asarray(vector, dtype=np.float32))
            for i, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
        }

    def close(self) -> None:
        self._db.close()
