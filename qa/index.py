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
        # check_same_thread=False: the chat page reads and writes from its worker threads (SQLite is built
        # serialized here: sqlite3.threadsafety == 3).
        self._db = sqlite3.connect(self.data_dir / "articles.sqlite3", timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if "meta" not in columns:  # an index made before article metadata existed
            self._db.execute("ALTER TABLE articles ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")
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

    # -- writing ----------------------------------------------------------------------------
    def put(self, article: Article, fingerprint: str, passages: list[Passage], vectors: np.ndarray) -> None:
        """Store an article's passages, drop its older version, then record it as done."""
        ids = [passage_id(article.doc_id, fingerprint, p.index) for p in passages]
        metadatas: list[dict[str, Any]] = [
            {
                "doc_id": article.doc_id,
                "title": article.title,
                "passage": p.index,
                "start": p.start,
                "end": p.end,
                "fingerprint": fingerprint,
                **article.meta.as_metadata(),
            }
            for p in passages
        ]
        self._collection.upsert(
            ids=ids, embeddings=vectors, documents=[p.text for p in passages], metadatas=metadatas
        )
        self._collection.delete(
            where={"$and": [{"doc_id": article.doc_id}, {"fingerprint": {"$ne": fingerprint}}]}
        )
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.name, article.doc_id, article.title, article.source, fingerprint, len(passages),
             article.text, time.time(), json.dumps(dataclasses.asdict(article.meta))),
        )
        self._db.commit()

    def remove(self, doc_id: str) -> bool:
        """Delete an article and all its passages; False if it was not indexed."""
        known = self.fingerprint(doc_id) is not None
        self._collection.delete(where={"doc_id": doc_id})
        self._db.execute("DELETE FROM articles WHERE collection=? AND doc_id=?", (self.name, doc_id))
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
