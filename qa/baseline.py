"""The common baseline, LangChain's tutorial RAG retrieval, built on the same corpus for comparison.

Exactly the tutorial's retrieval: RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200, add_start_index=True), a Chroma collection with Chroma's default
distance (L2), all-MiniLM-L6-v2 (the same packaged model, through qa.embed, so
both pipelines see identical vectors for identical text) and plain top-k
similarity search (the tutorial uses k=4). It reads the same cleaned article text
qa indexes, so any difference in the scores comes from chunking and retrieval.

``python -m qa eval --baseline`` scores it beside qa; benchmarks reuse
:meth:`Baseline.build` and :meth:`Baseline.search`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qa.embed import Embedder

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TUTORIAL_K = 4


@dataclass(frozen=True)
class Hit:
    doc_id: str
    text: str


class Baseline:
    """The tutorial pipeline over one corpus, persisted in its own Chroma folder."""

    def __init__(self, collection: object, embedder: Embedder) -> None:
        self._collection = collection
        self._embedder = embedder

    @classmethod
    def build(cls, corpus_dir: Path, persist_dir: Path, embedder: Embedder | None = None) -> Baseline:
        """Split, embed and store ``corpus_dir`` in ``persist_dir``; reuses the store when the corpus is unchanged."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from qa.clean import clean
        from qa.load import LoadError, discover, read

        if embedder is None:
            from qa.embed import get_embedder

            embedder = get_embedder("all-MiniLM-L6-v2")
        articles = []
        for path in discover(corpus_dir)[0]:
            try:
                articles.append(clean(read(path, corpus_dir)))
            except LoadError:
                continue  # qa skips (and reports) the same files
        digest = hashlib.sha256(
            "\n".join(f"{a.doc_id}\0{a.sha256}" for a in sorted(articles, key=lambda a: a.doc_id)).encode()
        ).hexdigest()[:16]
        client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
        name = f"baseline-{digest}"
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
        docs = splitter.create_documents([a.text for a in articles], metadatas=[{"doc_id": a.doc_id} for a in articles])
        collection = client.get_or_create_collection(name, embedding_function=None)
        if collection.count() != len(docs):  # new, or an interrupted build: start over
            client.delete_collection(name)
            collection = client.create_collection(name, embedding_function=None)
            for offset in range(0, len(docs), 512):
                batch = docs[offset : offset + 512]
                collection.add(
                    ids=[f"{d.metadata['doc_id']}@{d.metadata['start_index']}" for d in batch],
                    embeddings=embedder.embed([d.page_content for d in batch]),
                    documents=[d.page_content for d in batch],
                    metadatas=[d.metadata for d in batch],
                )
        return cls(collection, embedder)

    def search(self, question: str, k: int = TUTORIAL_K) -> list[Hit]:
        """The ``k`` chunks nearest to the question (the tutorial's ``similarity_search``), best first."""
        result = self._collection.query(
            query_embeddings=self._embedder.embed([question]), n_results=min(k, self._collection.count()),
            include=["documents", "metadatas"],
        )
        return [Hit(meta["doc_id"], text) for text, meta in zip(result["documents"][0], result["metadatas"][0])]
