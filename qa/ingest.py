"""The ingest pipeline: load → clean → chunk → embed → index, with a report.

Unchanged articles (same content hash) are skipped without embedding; a
changed article replaces its old passages; a bad file is reported and skipped.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.chunk import Passage, chunk
from qa.clean import Article, clean
from qa.embed import Embedder
from qa.index import Index
from qa.load import LoadError, Skipped, discover, read
from qa.settings import ChunkSettings

# Articles are embedded and stored together in batches of about this many passages: what an
# interrupted ingest can lose, at most.
_EMBED_BATCH_PASSAGES = 64
# Bump when embedding_text() changes, so that existing indexes re-embed.
_EMBEDDING_TEXT_VERSION = 1


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passages: int = 0

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"skipped {len(self.skipped)}; {self.passages} passages embedded"
        ]
        lines += [f"  skipped {s.path}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def fingerprint(article: Article, chunking: ChunkSettings, model: str) -> str:
    """Changes when the article, the way it is cut, or the model that embeds it changes."""
    key = f"{article.sha256}|{chunking.model_dump_json()}|{model}|{_EMBEDDING_TEXT_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()


def embedding_text(article: Article, passage: Passage) -> str:
    """What the model sees for a passage: the headline gives context to 'he said' sentences."""
    return f"{article.title}\n{passage.text}" if article.title else passage.text


def ingest_folder(
    folder: Path,
    index: Index,
    embedder: Embedder,
    chunking: ChunkSettings,
    *,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> IngestReport:
    """Bring ``index`` up to date with the articles in ``folder``."""
    paths, skipped = discover(folder)
    report = IngestReport(skipped=list(skipped))
    pending: list[tuple[Article, str, list[Passage], bool]] = []

    for path in paths:
        try:
            article = clean(read(path, folder))
        except LoadError as exc:
            report.skipped.append(Skipped(str(path), str(exc)))
            continue
        fp = fingerprint(article, chunking, embedder.name)
        stored = index.fingerprint(article.doc_id)
        if stored == fp:
            report.unchanged.append(article.doc_id)
            continue
        passages = chunk(article.doc_id, article.text, chunking)
        pending.append((article, fp, passages, stored is not None))

    total = sum(len(p) for _, _, p, _ in pending)
    if total:
        log(f"embedding {total} passages from {len(pending)} articles")
    bar = _progress(total, enabled=progress)
    batch: list[tuple[Article, str, list[Passage], bool]] = []
    batched = 0
    for item in pending:
        batch.append(item)
        batched += len(item[2])
        if batched >= _EMBED_BATCH_PASSAGES:
            _flush(batch, index, embedder, report, bar)
            batched = 0
    _flush(batch, index, embedder, report, bar)
    if bar is not None:
        bar.close()
    return report


def _flush(batch, index: Index, embedder: Embedder, report: IngestReport, bar) -> None:  # noqa: ANN001
    if not batch:
        return
    texts = [embedding_text(article, p) for article, _, passages, _ in batch for p in passages]
    vectors = embedder.embed(texts)
    offset = 0
    for article, fp, passages, existed in batch:
        index.put(article, fp, passages, vectors[offset : offset + len(passages)])
        offset += len(passages)
        (report.updated if existed else report.added).append(article.doc_id)
    report.passages += offset
    if bar is not None:
        bar.update(offset)
    batch.clear()


def _progress(total: int, *, enabled: bool):  # noqa: ANN202
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="passage", desc="ingest", file=sys.stderr, disable=None)
