"""Stage 4b, index: passages and their vectors in Chroma, whole articles in SQLite.

Chroma holds one record per passage (id ``doc_id#sha12#index``, the vector,
the text and the metadata a citation needs, and the id of the article table that
wrote it). A small SQLite table (the catalogue) holds each cleaned article with its
content hash and passage count; an article's row is written only after all its
passages are in Chroma, so an interrupted ingest is simply resumed: a missing row
means "not ingested yet", and re-writing uses the same ids. Every change first
records its articles in a ``pending`` table and clears them in the commit that
completes it, so what a kill leaves half done is known and repaired (qa.consistency)
by the next ingest or ``qa check``.
The fingerprint hashes the article's content together with the chunking
settings and the embedding model, so changing either re-embeds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
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
    """The index cannot be used as asked (wrong model, missing data folder, a damaged file...)."""


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
# Per collection: the catalogue's own id (written into every passage it stores, so that on a shared
# Chroma server it knows its passages from other machines'), the id of the Chroma collection it
# was last in step with, and the root folder article ids are relative to (qa.load.doc_id_for).
_STORES_SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    collection TEXT PRIMARY KEY,
    catalogue TEXT NOT NULL,
    store_id TEXT NOT NULL DEFAULT '',
    root TEXT NOT NULL DEFAULT ''
)
"""
# Articles whose change (put, duplicate, remove) has begun in Chroma but not been committed here.
_PENDING_SCHEMA = "CREATE TABLE IF NOT EXISTS pending (collection TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (collection, doc_id))"
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


def parse_passage_id(pid: str) -> tuple[str, str, int] | None:
    """``(doc_id, fingerprint[:12], index)`` of a passage id, or None for an id qa did not make."""
    doc_id, _, rest = pid.rpartition("#")
    doc_id, _, fp = doc_id.rpartition("#")
    if not doc_id or len(fp) != 12 or not rest.isdigit():
        return None
    return doc_id, fp, int(rest)


def damaged(path: Path, exc: BaseException, fix: str) -> IndexUnusable:
    """The one-line error for a store file that cannot be read."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return IndexUnusable(f"{path} is damaged ({reason}): {fix}")


def chroma_client(path: Path, url: str | None = None):  # noqa: ANN201 - chromadb is imported lazily
    """The embedded Chroma store in ``path``, or the Chroma server at ``url`` when one is given.

    Only the client differs: collections, ids and queries are the same, so a server gives the same
    results as the embedded store and lets several processes (or machines) write and read one index.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url is None:
        # A client of its own, not chromadb's shared one for this path: an embedded client does not see
        # what other clients write (its searches then fail with "Error finding id"), so each Index
        # opens its own and opens it again when the store has changed under it (Index._fresh_collection).
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
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
        self._synced: str | None = None  # the stamp this process last saw Chroma at (see _fresh_collection)
        self._store_id_cache: tuple[tuple[int, int], str | None] | None = None
        self._expected_cache: tuple[int, dict[str, tuple[str, int]]] | None = None  # (version, expected())
        self.db_path = self.data_dir / "articles.sqlite3"
        try:
            self._open_catalogue()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.db_path, exc, "move it away and run 'qa ingest FOLDER' again to rebuild it") from None

    def _open_catalogue(self) -> None:
        self._db = sqlite3.connect(self.db_path, timeout=30, check_same_thread=False)
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
        self._db.execute(_STORES_SCHEMA)
        self._db.execute(_PENDING_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO stores (collection, catalogue) VALUES (?, ?)", (self.name, uuid.uuid4().hex))
        self._db.commit()
        self.catalogue = self._db.execute("SELECT catalogue FROM stores WHERE collection=?", (self.name,)).fetchone()[0]

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @functools.cached_property
    def _collection(self):  # noqa: ANN202 - a chromadb Collection; opened on first use (importing chromadb costs ~1 s)
        try:
            client = chroma_client(self.chroma_path, self.chroma_url)
            collection = client.get_or_create_collection(
                self.name,
                embedding_function=None,  # vectors always come from qa.embed, never Chroma's downloader
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.embedding_model},
            )
        except IndexUnusable:
            raise
        except Exception as exc:  # chromadb's errors for a damaged store have no common base class
            if self.chroma_url is not None:
                raise IndexUnusable(f"the Chroma server at {self.chroma_url} failed: {str(exc).splitlines()[0]}") from None
            raise damaged(self.chroma_path / "chroma.sqlite3", exc, "run 'qa check' to rebuild the store from the article table") from None
        stored_model = (collection.metadata or {}).get("embedding_model")
        if stored_model and stored_model != self.embedding_model:
            raise IndexUnusable(
                f"collection '{self.name}' was built with embedding model '{stored_model}', "
                f"not '{self.embedding_model}': use another --collection or re-ingest into a new data folder"
            )
        if self.chroma_url is None:
            self._synced = self.stamp()  # what this client has seen (see _fresh_collection)
        return collection

    def reopen_store(self) -> None:
        """Forget this index's Chroma client, so that the next use reads the store as it is on disk now.

        An embedded Chroma client keeps its vector index in memory and does not see what another process
        (or another Index) writes: its searches then fail with "Error finding id", and its writes would
        save its stale index over theirs. A fresh client does see them.
        """
        self.__dict__.pop("_collection", None)

    # -- the store's identity and the write lock --------------------------------------------
    def store_id(self) -> str | None:
        """The id of the Chroma collection this index stores passages in; None when it does not exist yet.

        For the embedded store it is read from ``chroma.sqlite3`` directly (a millisecond, where opening
        Chroma costs a second), cached while that file is the same file.
        """
        if self.chroma_url is not None:
            return str(self._collection.id)
        db = self.chroma_path / "chroma.sqlite3"
        try:
            info = db.stat()
        except OSError:
            return None
        key = (info.st_dev, info.st_ino)
        if self._store_id_cache is not None and self._store_id_cache[0] == key:
            return self._store_id_cache[1]
        try:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
                row = conn.execute("SELECT id FROM collections WHERE name=?", (self.name,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise damaged(db, exc, "run 'qa check' to rebuild the store from the article table") from None
        found = str(uuid.UUID(str(row[0]))) if row else None
        self._store_id_cache = (key, found)
        return found

    def recorded_store_id(self) -> str:
        """The store id recorded after the last completed write or check ('' when none was)."""
        return self._db.execute("SELECT store_id FROM stores WHERE collection=?", (self.name,)).fetchone()[0]

    def record_store(self) -> None:
        """Record the store this catalogue is now in step with (after a completed write or repair)."""
        self._db.execute("UPDATE stores SET store_id=? WHERE collection=?", (str(self._collection.id), self.name))
        self._db.commit()

    def root(self) -> Path | None:
        """The folder that article ids are relative to, recorded by the first ingest; None before it."""
        row = self._db.execute("SELECT root FROM stores WHERE collection=?", (self.name,)).fetchone()
        return Path(row[0]) if row and row[0] else None

    def set_root(self, folder: Path) -> None:
        self._db.execute("UPDATE stores SET root=? WHERE collection=?", (str(folder), self.name))
        self._db.commit()

    @contextlib.contextmanager
    def writing(self, wait: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Hold this data folder's write lock (one writer at a time; readers then keep their last copies).

        ``wait`` is called once if another process holds it. The lock is a ``flock`` on ``write.lock``:
        the kernel releases it when its holder dies, even by SIGKILL.
        """
        with (self.data_dir / "write.lock").open("a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                wait()
                fcntl.flock(f, fcntl.LOCK_EX)
            try:
                if self.chroma_url is None and "_collection" in self.__dict__ and self.stamp() != self._synced:
                    self.reopen_store()  # another writer came first: write on top of what it wrote
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def writer_active(self) -> bool:
        """Whether a writer (in this process or another) holds the write lock now."""
        try:
            with (self.data_dir / "write.lock").open("a") as f:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False

    # -- consistency (qa.consistency) --------------------------------------------------------
    def pending(self) -> list[str]:
        """Articles whose last change was interrupted between Chroma and this table."""
        rows = self._db.execute("SELECT doc_id FROM pending WHERE collection=? ORDER BY doc_id", (self.name,))
        return [row[0] for row in rows]

    def _begin(self, doc_ids: list[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO pending VALUES (?, ?)", [(self.name, doc_id) for doc_id in doc_ids]
        )
        self._db.commit()

    def _end(self, doc_ids: list[str]) -> None:
        """In the caller's transaction: the change to these articles is complete."""
        self._db.executemany(
            "DELETE FROM pending WHERE collection=? AND doc_id=?", [(self.name, doc_id) for doc_id in doc_ids]
        )

    def expected(self) -> dict[str, tuple[str, int]]:
        """Each indexed article's ``(fingerprint[:12], passage count)``: what the store must hold."""
        rows = self._db.execute("SELECT doc_id, fingerprint, n_passages FROM articles WHERE collection=?", (self.name,))
        return {doc_id: (fp[:12], n) for doc_id, fp, n in rows}

    def own_passage_ids(self, doc_ids: list[str] | None = None) -> list[str]:
        """Ids of the passages this catalogue wrote to the store (of these articles, or all).

        On a Chroma server, those marked with this catalogue's id (other machines' are not ours to
        judge); in the embedded store, all of them.
        """
        clauses: list[dict[str, Any]] = []
        if self.chroma_url is not None:
            clauses.append({"catalogue": self.catalogue})
        ids: list[str] = []
        for part in [None] if doc_ids is None else [doc_ids[i : i + 500] for i in range(0, len(doc_ids), 500)]:
            where = clauses + ([{"doc_id": {"$in": part}}] if part else [])
            if not where:
                got = self._collection.get(include=[])
            else:
                got = self._collection.get(where=where[0] if len(where) == 1 else {"$and": where}, include=[])
            ids += got["ids"]
        return ids

    def store_count(self) -> int:
        """Passages in the store itself (all writers'), opening it: raises IndexUnusable when it cannot be."""
        return self._collection.count()

    def delete_passages(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 5000):
            self._collection.delete(ids=ids[i : i + 5000])

    def clear_pending(self, doc_ids: list[str]) -> None:
        with self._db:
            self._end(doc_ids)
            self._bump_version()

    def stored_article(self, doc_id: str) -> tuple[StoredArticle, str, np.ndarray | None] | None:
        """An indexed article with its file key and MinHash signature (to store it again as it was)."""
        row = self._db.execute(
            f"SELECT {_COLUMNS.format(text='text')}, file_key, minhash FROM articles WHERE collection=? AND doc_id=?",
            (self.name, doc_id),
        ).fetchone()
        if row is None:
            return None
        *fields, file_key, minhash = row
        return _stored(tuple(fields)), file_key, None if minhash is None else np.frombuffer(minhash, dtype=np.uint32)

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

        The articles are first recorded as pending; their new passages are written, then their rows
        (so a reader sees the old version complete, or the new one), then the old versions' passages
        are deleted and the articles cleared. A kill anywhere leaves them pending, for qa.consistency
        to repair; readers never see the passages of a version the table does not record.
        """
        if not items:
            return
        doc_ids = [item.article.doc_id for item in items]
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
                    "end": p.end, "fingerprint": item.fingerprint, "catalogue": self.catalogue,
                    **article.meta.as_metadata(),
                })
        self._fresh_collection()
        self._begin(doc_ids)
        if ids:
            vectors = np.concatenate([item.vectors for item in items])
            self._collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)
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
            self._db.execute("UPDATE stores SET store_id=? WHERE collection=?", (str(self._collection.id), self.name))
            self._bump_version()
        # older versions of these articles (any passage of each under another fingerprint than its own:
        # two articles may swap contents, and so fingerprints)
        older = [{"$and": [{"doc_id": item.article.doc_id}, {"fingerprint": {"$ne": item.fingerprint}}]} for item in items]
        self._collection.delete(where=older[0] if len(older) == 1 else {"$or": older})
        with self._db:
            self._end(doc_ids)
        self._synced = self._stamp_now()

    def set_file_key(self, doc_id: str, file_key: str) -> None:
        """Record that another version of the file cleans to the same indexed article."""
        self._db.execute(
            "UPDATE articles SET file_key=? WHERE collection=? AND doc_id=?", (file_key, self.name, doc_id)
        )
        self._db.commit()

    def mark_duplicate(self, doc_id: str, duplicate_of: str, source: str, file_key: str) -> None:
        """Record ``doc_id`` as a duplicate of ``duplicate_of``, un-indexing any version of it.

        Safe to interrupt: the article stays pending until its old passages are gone.
        """
        self._fresh_collection()
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", [(self.name, doc_id)])
            self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
            self._db.execute(
                "INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, '')", (self.name, doc_id, duplicate_of, source)
            )
            self._bump_version()
        self._collection.delete(where={"doc_id": doc_id})
        with self._db:
            self._db.execute(
                "UPDATE duplicates SET file_key=? WHERE collection=? AND doc_id=?", (file_key, self.name, doc_id)
            )
            self._end([doc_id])
            self._bump_version()
        self._synced = self._stamp_now()

    def remove(self, doc_id: str) -> bool:
        """Delete an article and all its passages; False if it was not indexed.

        The row goes first (pending until the passages are gone), so no article is left without passages.
        """
        known = self.fingerprint(doc_id) is not None
        self._fresh_collection()
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", [(self.name, doc_id)])
            self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
            self._db.execute("DELETE FROM duplicates WHERE collection=? AND doc_id=?", (self.name, doc_id))
            self._bump_version()
        self._collection.delete(where={"doc_id": doc_id})
        with self._db:
            self._end([doc_id])
            self._bump_version()
        self._synced = self._stamp_now()
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

    def stamp(self) -> str:
        """What derived copies (qa.vectors, qa.lexical) are stamped with: the store and its version.

        The catalogue's write version and the store's id, so a copy made from another store (a data
        folder moved to a Chroma server, a replaced ``chroma`` folder) is stale; on a Chroma server also
        its passage count, which changes when other machines write.
        """
        with self._lock:
            version = self.version()
        if self.chroma_url is not None:
            return f"{self.store_id()}:{self._collection.count()}:v{version}"
        return f"{self.store_id()}:v{version}"

    def _stamp_now(self) -> str:
        return self.stamp()

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
        :mod:`qa.vectors`), ``days`` included; with one, or on a Chroma server, it is Chroma's. Passages
        of this catalogue that it does not record (left by an interrupted write) are never returned.
        """
        copy = self._vector_copy() if where is None else None
        if copy is not None:
            hits = [(h.id, h.text, h.metadata, h.score) for h in copy.search(vector, k, days=days)]
        else:
            if days is not None:
                span = [{"published_day": {"$gte": days[0]}}, {"published_day": {"$lte": days[1]}}]
                where = {"$and": [*([where] if where else []), *span]}
            try:
                hits = self._chroma_search(vector, k, where)
            except Exception as exc:  # noqa: BLE001 - chromadb's InternalError
                if "Error finding id" not in str(exc):
                    raise
                # Chroma is mid-change by another process: a fresh client, else the last consistent copy
                self.reopen_store()
                try:
                    hits = self._chroma_search(vector, k, where)
                except Exception as again:  # noqa: BLE001
                    last = None if self.chroma_url else self._copy or vectors.load(
                        self.data_dir / "vectors" / self.name, None, self.embedding_model)
                    if "Error finding id" not in str(again) or last is None:
                        raise
                    hits = [(h.id, h.text, h.metadata, h.score) for h in last.search(vector, k, where)]
        return [
            Document(id=pid, page_content=text, metadata={**meta, "score": score, "rank": rank})
            for rank, (pid, text, meta, score) in enumerate(hits, start=1)
        ]

    def _chroma_search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[tuple[str, str, dict[str, Any], float]]:
        collection = self._fresh_collection()
        n = collection.count()
        if n == 0:
            return []
        result = collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, n), where=where,
            include=["documents", "metadatas", "distances"],
        )
        keep = self._recorded_filter()
        return [
            (pid, text, meta, 1.0 - float(distance))
            for pid, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
            if keep(pid, meta)
        ]

    def _recorded_filter(self) -> Callable[[str, dict[str, Any]], bool]:
        """A test for "this passage may be shown": another catalogue's, or one of an article this one records."""
        with self._lock:
            version = self.version()
        cached = self._expected_cache
        if cached is None or cached[0] != version:  # every write to the article table bumps the version
            cached = self._expected_cache = (version, self.expected())
        expected = cached[1]

        def keep(pid: str, meta: dict[str, Any]) -> bool:
            if self.chroma_url is not None and meta.get("catalogue") not in (None, self.catalogue):
                return True
            parsed = parse_passage_id(pid)
            if parsed is None:
                return True
            doc_id, fp, n = parsed
            want = expected.get(doc_id)
            return want is not None and want[0] == fp and n < want[1]

        return keep

    def _fresh_collection(self):  # noqa: ANN202
        """The Chroma collection, reopened first when another process has written since this one last read it."""
        if self.chroma_url is None and "_collection" in self.__dict__:
            stamp = self.stamp()
            if stamp != self._synced and not self.writer_active():  # (mid-write: wait until it is done)
                self.reopen_store()
                self._synced = stamp
        return self._collection

    # -- the vector copy --------------------------------------------------------------------
    def _vector_copy(self) -> vectors.VectorCopy | None:
        """The collection's up-to-date copy for exact search, made from Chroma when missing or stale.

        While another writer holds the write lock, the last copy (this process's, else the one saved)
        is used as it is: it is the last consistent state, and Chroma is mid-change. None on a Chroma
        server (other machines change it without touching this article table) and for collections
        over :data:`qa.vectors.MAX_PASSAGES` passages.
        """
        if self.chroma_url is not None:
            return None
        stamp = self.stamp()
        if self._copy is not None and self._copy.stamp == stamp:
            return self._copy
        with self._copy_lock:
            if self._copy is not None and self._copy.stamp == stamp:  # another thread just built it
                return self._copy
            folder = self.data_dir / "vectors" / self.name
            copy = vectors.load(folder, stamp, self.embedding_model)
            if copy is None and self.writer_active():
                copy = self._copy or vectors.load(folder, None, self.embedding_model)
                if copy is not None:
                    return copy
            if copy is None:
                collection = self._fresh_collection()
                if collection.count() > vectors.MAX_PASSAGES:
                    return None
                got = collection.get(include=["embeddings", "documents", "metadatas"])
                keep = self._recorded_filter()
                rows = [i for i, (pid, meta) in enumerate(zip(got["ids"], got["metadatas"])) if keep(pid, meta)]
                matrix = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1 if got["ids"] else 0)
                copy = vectors.VectorCopy(
                    stamp, matrix[rows], [got["ids"][i] for i in rows], [got["documents"][i] for i in rows],
                    [dict(got["metadatas"][i]) for i in rows],
                )
                vectors.save(folder, copy, self.embedding_model)
            self._copy = copy
            return copy

    def all_passages(self, batch: int = 5000) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        """Every passage this index may show as ``(ids, texts, metadatas)`` batches, for derived indexes."""
        copy = self._vector_copy()
        if copy is not None:
            for offset in range(0, len(copy), batch):
                end = offset + batch
                yield copy.ids[offset:end], copy.texts[offset:end], copy.metadatas[offset:end]
            return
        collection = self._fresh_collection()
        keep = self._recorded_filter()
        for offset in range(0, collection.count(), batch):
            got = collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            rows = [i for i, (pid, meta) in enumerate(zip(got["ids"], got["metadatas"])) if keep(pid, meta)]
            yield [got["ids"][i] for i in rows], [got["documents"][i] for i in rows], [got["metadatas"][i] for i in rows]

    def passages(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any], np.ndarray]]:
        """Text, metadata and vector of the passages with these ids (missing ids are left out)."""
        if not ids:
            return {}
        copy = self._vector_copy()
        if copy is not None:
            return copy.passages(ids)
        got = self._fresh_collection().get(ids=ids, include=["documents", "metadatas", "embeddings"])
        return {
            i: (text, meta, np.asarray(vector, dtype=np.float32))
            for i, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
        }

    def close(self) -> None:
        self._db.close()
