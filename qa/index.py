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

import json
import sqlite3
import time
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

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


class Index:
    """One named collection: a Chroma collection plus its article table."""

    def __init__(self, data_dir: Path, collection: str, embedding_model: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.name = collection
        client = chromadb.PersistentClient(
            path=str(self.data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._collection = client.get_or_create_collection(
            collection,
            embedding_function=None,  # vectors always come from qa.embed, never Chroma's downloader
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": embedding_model},
        )
        stored_model = (self._collection.metadata or {}).get("embedding_model")
        if stored_model and stored_model != embedding_model:
            raise IndexUnusable(
                f"collection '{collection}' was built with embedding model '{stored_model}', "
                f"not '{embedding_model}': use another --collection or re-ingest into a new data folder"
            )
        self._db = sqlite3.connect(self.data_dir / "articles.sqlite3", timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if "meta" not in columns:  # an index made before article metadata existed
            self._db.execute("ALTER TABLE articles ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")
        if "file_key" not in columns:  # an index made before duplicate detection
            self._db.execute("ALTER TABLE articles ADD COLUMN file_key TEXT NOT NULL DEFAULT ''")
            self._db.execute("ALTER TABLE articles ADD COLUMN minhash BLOB")
        self._db.execute(_DUPLICATES_SCHEMA)
        self._db.commit()

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
        self._db.commit()

    def remove(self, doc_id: str) -> bool:
        """Delete an article and all its passages; False if it was not indexed."""
        known = self.fingerprint(doc_id) is not None
        self._collection.delete(where={"doc_id": doc_id})
        self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
        self._db.execute("DELETE FROM duplicates WHERE collection=? AND doc_id=?", (self.name, doc_id))
        self._db.commit()
        return known

    # -- reading ----------------------------------------------------------------------------
    def count(self) -> int:
        """Number of passages in the collection."""
        return self._collection.count()

    def search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Document]:
        """The ``k`` nearest passages, best first, as LangChain documents with citation metadata.

        ``where`` is a Chroma metadata filter (see :meth:`qa.retrieve.SearchFilters.where`).
        """
        n = self.count()
        if n == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, n), where=where,
            include=["documents", "metadatas", "distances"],
        )
        docs = []
        for rank, (text, meta, distance) in enumerate(
            zip(result["documents"][0], result["metadatas"][0], result["distances"][0]), start=1
        ):
            docs.append(Document(page_content=text, metadata={**meta, "score": 1.0 - float(distance), "rank": rank}))
        return docs

    def close(self) -> None:
        self._db.close()
