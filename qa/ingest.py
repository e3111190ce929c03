"""The ingest pipeline: load → clean → chunk → embed → index, with a report.

An article is named by its file's path relative to the index's recorded root (the first folder
ingested), or by its absolute path when it lies outside it (qa.load.doc_id_for), so two folders
never share a name. Each article is keyed by a hash of its file's content and the settings that
shape its passages: an unchanged article is recognised from that key alone (no cleaning, no
embedding); a changed one replaces its old passages; an exact or near-duplicate of another
article (qa.dedup), judged against the index as this run leaves it, is recorded as a duplicate of
it, not indexed twice; a bad file is reported and skipped; with ``prune``, articles whose files
are gone are removed, and their duplicates indexed in their place.

Ingest holds the data folder's write lock and first repairs what an interrupted run left
(qa.consistency): a kill at any point (even SIGKILL) leaves an index that answers from what was
recorded, and the next run finishes the job, with the same passage ids and no duplicates.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qa.chunk import Passage, chunk
from qa.clean import Article, clean
from qa.consistency import reconcile
from qa.dedup import DuplicateFinder, signature
from qa.embed import Embedder
from qa.index import Index, NewArticle
from qa.load import LoadError, RawDocument, Skipped, discover, read_all, shown
from qa.settings import ChunkSettings

# Articles are embedded and stored together in batches of about this many passages: what an
# interrupted ingest can lose, at most.
_EMBED_BATCH_PASSAGES = 64
# Bump when embedding_text() changes, so that existing indexes re-embed.
_EMBEDDING_TEXT_VERSION = 2
# Bump when cleaning or metadata rules change, so that unchanged files are cleaned again.
_CLEANING_VERSION = 7
# A title that this many indexed articles carry is a series or site name ("CNN news quiz answer note
# (2023/01/26)", "Live updates", "Home"), not a headline: it says nothing about a passage, so it is
# not embedded with it. Two are often one story under one headline (syndicated copies, updates).
SERIES_TITLE_MIN = 3


@dataclass
class IngestReport:
    """What one ingest did; every article found lands in exactly one of the lists."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, the indexed article it repeats)
    skipped: list[Skipped] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    passages: int = 0
    repairs: list[str] = field(default_factory=list)  # what qa.consistency repaired first, one line each

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"duplicates {len(self.duplicates)}, skipped {len(self.skipped)}, removed {len(self.removed)}; "
            f"{self.passages} passages embedded"
        ]
        lines += self.repairs
        lines += [f"  duplicate {doc_id} of {of}" for doc_id, of in self.duplicates]
        lines += [f"  skipped {shown(s.path)}: {s.reason}" for s in self.skipped]
        lines += [f"  removed {doc_id}" for doc_id in self.removed]
        return "\n".join(lines)


def title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def series_titles(titles: Iterable[str]) -> frozenset[str]:
    """The titles (as :func:`title_key`) that at least ``SERIES_TITLE_MIN`` indexed articles carry."""
    counts = Counter(title_key(t) for t in titles)
    counts.pop("", None)
    return frozenset(t for t, n in counts.items() if n >= SERIES_TITLE_MIN)


def index_series_titles(index: Index) -> frozenset[str]:
    return series_titles(a.title for a in index.articles())


def headline(article: Article, series: frozenset[str]) -> str:
    """The article's title, unless it is a series or site name that many articles share."""
    return "" if title_key(article.title) in series else article.title


def fingerprint(article: Article, chunking: ChunkSettings, model: str, series: frozenset[str] = frozenset()) -> str:
    """Changes when the article, the way it is cut, the model that embeds it, or whether its title is
    embedded with it (not when it is a series title) changes."""
    key = f"{article.sha256}|{chunking.model_dump_json()}|{model}|{_EMBEDDING_TEXT_VERSION}"
    if not headline(article, series) and article.title:
        key += "|series title, left out of the prefix and the passage"
    return hashlib.sha256(key.encode()).hexdigest()


def file_key(raw: RawDocument, chunking: ChunkSettings, model: str) -> str:
    """Changes when the file's content, the cleaning rules, the chunking or the model change."""
    head = json.dumps([_CLEANING_VERSION, _EMBEDDING_TEXT_VERSION, chunking.model_dump(), model, raw.format,
                       raw.title, asdict(raw.meta)])
    digest = hashlib.sha256(head.encode())
    digest.update(raw.text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def embedding_text(article: Article, passage: Passage, series: frozenset[str] = frozenset()) -> str:
    """What the model sees for a passage: headline, outlet and date give context to 'he said' sentences.
    A series title (``series``, see :func:`series_titles`) is left out, of that prefix and of the
    passage where it is the passage's first line (a page's own title line): it names no subject."""
    title = headline(article, series)
    text = passage.text if title or not article.title else without_title_line(passage.text, article.title)
    context = " — ".join(part for part in (title, article.meta.outlet, article.meta.published) if part)
    return f"{context}\n{text}" if context else text


def without_title_line(text: str, title: str) -> str:
    """``text`` without its first line where that line is ``title`` and more text follows."""
    first, _, rest = text.partition("\n")
    rest = rest.lstrip()
    return rest if rest and title_key(first) == title_key(title) else text


@dataclass
class _Pending:
    article: Article
    fingerprint: str
    file_key: str
    signature: np.ndarray
    passages: list[Passage]
    existed: bool


def ingest_folder(
    folder: Path,
    index: Index,
    embedder: Embedder,
    chunking: ChunkSettings,
    *,
    prune: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> IngestReport:
    """Bring ``index`` up to date with the articles in ``folder`` (a folder or one file).

    With ``prune``, articles whose files are gone from ``folder`` (or gone altogether) are removed.
    Runs under the index's write lock, after :func:`qa.consistency.reconcile` has repaired what an
    interrupted run left.
    """
    paths, skipped = discover(folder)  # raises FileNotFoundError before anything is written
    with index.writing(wait=lambda: log(f"waiting for another ingest into {index.data_dir} to finish")):
        repairs = reconcile(index, embedder, chunking, log=log)
        report = _ingest(folder, paths, skipped, index, embedder, chunking, prune=prune, progress=progress, log=log)
        report.repairs = repairs.lines()
    return report


def root_for(index: Index, folder: Path) -> Path:
    """The folder article ids are relative to: the index's recorded root, else (recorded now) this one."""
    root = index.root()
    if root is None:
        given = Path(os.path.abspath(folder))
        root = given if given.is_dir() else given.parent
        index.set_root(root)
    return root


def _within(source: str, folder: Path) -> bool:
    """Whether the file ``source`` (an article's recorded source) is ``folder`` or lies under it."""
    path, top = os.path.abspath(source), os.path.abspath(folder)
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _ingest(
    folder: Path, paths: list[Path], skipped: list[Skipped], index: Index, embedder: Embedder,
    chunking: ChunkSettings, *, prune: bool, progress: bool, log: Callable[[str], None],
) -> IngestReport:
    report = IngestReport(skipped=list(skipped))
    root = root_for(index, folder)
    ledger = index.ledger()
    series_before = index_series_titles(index)

    # 1. Read every file; recognise unchanged articles and known duplicates by their key alone.
    seen: set[str] = set()
    unreadable: set[str] = set()  # files that exist but could not be read: their articles stay
    to_clean: list[tuple[RawDocument, str]] = []
    known_duplicates: list[tuple[RawDocument, str]] = []
    for path in paths:
        try:
            docs, bad = read_all(path, root)
        except LoadError as exc:
            report.skipped.append(Skipped(str(path), str(exc)))
            unreadable.add(os.path.abspath(path))
            continue
        report.skipped += bad
        for raw in docs:
            if raw.doc_id in seen:
                report.skipped.append(Skipped(str(path), f"second record with id {raw.doc_id!r}"))
                continue
            seen.add(raw.doc_id)
            key = file_key(raw, chunking, embedder.name)
            entry = ledger.get(raw.doc_id)
            if entry is not None and entry.file_key == key:
                if entry.duplicate_of is None:
                    report.unchanged.append(raw.doc_id)
                else:
                    known_duplicates.append((raw, key))
            else:
                to_clean.append((raw, key))

    # 2. Prune articles whose files are gone (from this folder, or from the disk altogether).
    if prune:
        for doc_id, entry in sorted(ledger.items()):
            if doc_id in seen or os.path.abspath(entry.source) in unreadable:
                continue
            if _within(entry.source, folder) or not os.path.exists(entry.source):
                index.remove(doc_id)
                report.removed.append(doc_id)

    # 3. Clean what changed, and keep out what repeats another article, judged against the state
    # after this run: what it leaves unchanged, plus what it accepts, in name order (the first of
    # two copies is indexed). The old versions of the articles judged here are not in it, so
    # swapping two files' contents swaps their articles.
    judged = {raw.doc_id for raw, _ in to_clean} | {raw.doc_id for raw, _ in known_duplicates}
    finder = DuplicateFinder()
    signatures = index.signatures()
    for doc_id, sig in signatures.items():
        if doc_id not in judged:
            finder.add(doc_id, sig)
    removed = set(report.removed)
    pending: list[_Pending] = []
    for raw, key in sorted(to_clean, key=lambda item: item[0].doc_id):
        _judge(raw, key, ledger, index, finder, signatures, chunking, embedder.name, report, pending, series_before)
    accepted = set(report.unchanged) | {p.article.doc_id for p in pending if not p.existed}
    for raw, key in known_duplicates:  # still a duplicate while what it repeats is there unchanged
        of = ledger[raw.doc_id].duplicate_of
        if of in accepted and of not in removed:
            report.duplicates.append((raw.doc_id, of))
            finder.discard(raw.doc_id)
        else:
            _judge(raw, key, ledger, index, finder, signatures, chunking, embedder.name, report, pending, series_before)

    # 4. Which titles are series titles once this run is done; articles indexed before whose title
    # became one (or stopped being one) are embedded again, from their stored text.
    titles = {a.doc_id: a.title for a in index.articles()} | {p.article.doc_id: p.article.title for p in pending}
    series = series_titles(titles.values())
    for item in pending:
        item.fingerprint = fingerprint(item.article, chunking, embedder.name, series)
    flipped = _series_changed(index, titles, series_before | series, series, chunking, embedder.name,
                              skip={p.article.doc_id for p in pending})
    if flipped:
        log(f"embedding again {len(flipped)} articles whose title became or stopped being a series title")
        from qa.consistency import restore

        restore(index, embedder, chunking, flipped, series)

    # 5. Embed and store, a batch of articles at a time; articles with passages of like length
    # go together, so that the model pads little (each batch is sorted by length again inside).
    pending.sort(key=lambda item: -max(len(p.text) for p in item.passages))
    total = sum(len(p.passages) for p in pending)
    if total:
        log(f"embedding {total} passages from {len(pending)} articles")
    bar = _progress(total, enabled=progress)
    batch: list[_Pending] = []
    batched = 0
    for item in pending:
        batch.append(item)
        batched += len(item.passages)
        if batched >= _EMBED_BATCH_PASSAGES:
            _flush(batch, index, embedder, report, bar, series)
            batched = 0
    _flush(batch, index, embedder, report, bar, series)
    if bar is not None:
        bar.close()

    # 6. Duplicates (elsewhere) of articles removed here take their place.
    if report.removed:
        _promote(set(report.removed), seen, index, embedder, chunking, report, log)
    return report


def _promote(
    removed: set[str], seen: set[str], index: Index, embedder: Embedder, chunking: ChunkSettings,
    report: IngestReport, log: Callable[[str], None],
) -> None:
    """Ingest again the files of recorded duplicates of ``removed`` articles (not read in this run)."""
    sources = sorted({entry.source for doc_id, entry in index.ledger().items()
                      if entry.duplicate_of in removed and doc_id not in seen and os.path.isfile(entry.source)})
    for source in sources:
        paths, skipped = discover(Path(source))
        more = _ingest(Path(source), paths, skipped, index, embedder, chunking, prune=False, progress=False, log=log)
        report.added += more.added
        report.updated += more.updated
        report.duplicates += more.duplicates
        report.passages += more.passages


def promote_duplicates_of(
    doc_id: str, index: Index, embedder: Embedder, chunking: ChunkSettings,
    log: Callable[[str], None] = lambda _: None,
) -> IngestReport:
    """After ``doc_id`` was removed: its first recorded duplicate is indexed in its place (the others repeat that one)."""
    report = IngestReport()
    with index.writing():
        _promote({doc_id}, set(), index, embedder, chunking, report, log)
    return report


def _judge(
    raw: RawDocument, key: str, ledger: dict, index: Index, finder: DuplicateFinder,
    signatures: dict[str, np.ndarray], chunking: ChunkSettings, model: str, report: IngestReport,
    pending: list[_Pending], series: frozenset[str],
) -> None:
    """Clean a new or changed article and decide: unchanged after all, duplicate, or to be embedded."""
    try:
        article = clean(raw)
    except LoadError as exc:
        report.skipped.append(Skipped(raw.doc_id if "#" in raw.doc_id else str(raw.path), str(exc)))
        return
    entry = ledger.get(raw.doc_id)
    fp = fingerprint(article, chunking, model, series)
    if entry is not None and entry.fingerprint == fp:  # the file changed, the article did not
        index.set_file_key(article.doc_id, key)
        report.unchanged.append(article.doc_id)
        sig = signatures.get(article.doc_id)
        finder.add(article.doc_id, sig if sig is not None else signature(article.text))
        return
    sig = signature(article.text)
    original = finder.find(sig, exclude=article.doc_id)
    if original is not None:
        index.mark_duplicate(article.doc_id, original, article.source, key)
        report.duplicates.append((article.doc_id, original))
        return
    finder.add(article.doc_id, sig)
    passages = chunk(article.doc_id, article.text, chunking)
    pending.append(_Pending(article, fp, key, sig, passages, entry is not None and entry.fingerprint is not None))


def _series_changed(
    index: Index, titles: dict[str, str], candidates: frozenset[str], series: frozenset[str],
    chunking: ChunkSettings, model: str, skip: set[str],
) -> list[str]:
    """Indexed articles (not in ``skip``) with a title in ``candidates`` whose stored fingerprint is
    not the one ``series`` now gives them: embedded with or without their title the other way."""
    out = []
    for doc_id, title in sorted(titles.items()):
        if doc_id in skip or title_key(title) not in candidates:
            continue
        stored = index.article(doc_id)
        if stored is None:
            continue
        article = Article(stored.doc_id, stored.title, stored.text, stored.source, stored.meta)
        if fingerprint(article, chunking, model, series) != stored.fingerprint:
            out.append(doc_id)
    return out


def _flush(
    batch: list[_Pending], index: Index, embedder: Embedder, report: IngestReport, bar,  # noqa: ANN001
    series: frozenset[str],
) -> None:
    if not batch:
        return
    texts = [embedding_text(item.article, p, series) for item in batch for p in item.passages]
    vectors = embedder.embed(texts)
    stored: list[NewArticle] = []
    offset = 0
    for item in batch:
        n = len(item.passages)
        stored.append(NewArticle(item.article, item.fingerprint, item.passages, vectors[offset : offset + n],
                                 item.file_key, item.signature))
        offset += n
    index.put_many(stored)
    for item in batch:
        (report.updated if item.existed else report.added).append(item.article.doc_id)
    report.passages += offset
    if bar is not None:
        bar.update(offset)
    batch.clear()


def _progress(total: int, *, enabled: bool, unit: str = "passage", desc: str = "ingest"):  # noqa: ANN202
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=None)
