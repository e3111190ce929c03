"""Lexical retrieval: BM25 over the passages of one collection (bm25s).

Embeddings blur exactly what news questions hinge on: names, numbers and rare
words ("Cavusoglu", "Su-24", "1,600"). BM25 matches them literally; qa.retrieve
combines its scores with the dense ones.

The BM25 index is derived from the Chroma collection and persisted beside it
(``DATA_DIR/lexical/COLLECTION/``) together with the store's id and write version
(:meth:`qa.index.Index.stamp`). It is rebuilt lazily, on the first search after
any ingest changed the collection (or the store was replaced), and loaded memory-mapped,
so opening it costs milliseconds. While another process holds the write lock, the copy
on disk is used as it is. A copy whose parts disagree (ids and BM25 of different sizes)
is rebuilt, never searched. Per-passage ``published_day`` and ``outlet`` arrays are kept with it
so that :class:`qa.retrieve.SearchFilters` restrict the BM25 scoring itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qa.index import Index
    from qa.retrieve import SearchFilters

# Words, with digit groups kept whole ("1,600" -> "1600", "3.5" -> "3.5", "Su-24" -> "su", "24").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
# Short, frequent English words that carry no topic (BM25's IDF would mostly ignore them anyway,
# but dropping them keeps the index small and the query loop short).
_STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i in into is it its
    of on or she so than that the their them then there these they this to was we were what when where which
    who whom whose why will with would you""".split()
)
_FORMAT = 1  # bump when the tokenizer or the stored files change, so old indexes are rebuilt


def _stem(word: str) -> str:
    """A light plural/possessive stripper (Harman's S-stemmer): 'fighters' and 'fighter' match."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    return word[:-1]


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words and whole numbers (thousands separators removed)."""
    out = []
    for match in _TOKEN.finditer(text.lower().replace("'s ", " ").replace("’s ", " ")):
        token = match.group()
        if token[0].isdigit():
            out.append(token.replace(",", ""))
        elif token not in _STOPWORDS and len(token) > 1:
            out.append(_stem(token))
    return out


@dataclass
class LexicalHit:
    passage_id: str
    score: float


class QueryScores:
    """One question's BM25 score for every passage of the index (0 outside the filters).

    Kept whole, not cut to a top list, because the fusion in :mod:`qa.retrieve` also needs
    the BM25 score of passages that only the embedding search proposed.
    """

    def __init__(self, ids: list[str], row: dict[str, int], values: np.ndarray) -> None:
        self._ids = ids
        self._row = row
        self.values = values

    def top(self, k: int, among: np.ndarray | None = None) -> list[LexicalHit]:
        """Up to ``k`` passages with a positive score, best first; ``among``: only these rows (a 0/1 mask)."""
        values = self.values if among is None else np.where(among, self.values, 0.0)
        k = min(k, len(values))
        if k <= 0:
            return []
        top = np.argpartition(-values, k - 1)[:k]
        top = top[np.argsort(-values[top], kind="stable")]
        return [LexicalHit(self._ids[i], float(values[i])) for i in top if values[i] > 0]

    def of(self, passage_id: str) -> float:
        """The score of one passage (0 for a passage the index does not hold)."""
        row = self._row.get(passage_id)
        return 0.0 if row is None else float(self.values[row])


class LexicalIndex:
    """A persisted BM25 index of one collection's passages. Use :meth:`open`."""

    def __init__(self, folder: Path, version: str, ids: list[str], days: np.ndarray, outlets: np.ndarray,
                 outlet_names: list[str], bm25: object) -> None:
        self.folder = folder
        self.version = version
        self.ids = ids
        self._days = days  # int32 YYYYMMDD, 0 when unknown
        self._outlets = outlets  # int32 index into outlet_names, -1 when unknown
        self._outlet_names = outlet_names
        self._bm25 = bm25
        self._vocab: dict[str, int] = getattr(bm25, "vocab_dict", {}) or {}
        self._row: dict[str, int] | None = None  # passage id -> position, made on the first query

    # -- building and loading ---------------------------------------------------------------
    @staticmethod
    def folder_for(index: Index) -> Path:
        return index.data_dir / "lexical" / index.name

    @classmethod
    def open(cls, index: Index, previous: LexicalIndex | None = None) -> LexicalIndex:
        """The BM25 index for ``index``: loaded if it is up to date, else rebuilt and saved first.

        While a writer holds the index's write lock, ``previous`` (or else the saved copy, whatever its
        stamp) is returned as it is: the last consistent state.
        """
        folder = cls.folder_for(index)
        version = index.stamp()
        try:
            state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        fresh = state.get("version") == version and state.get("format") == _FORMAT
        if fresh or (index.writer_active() and state.get("format") == _FORMAT):
            if not fresh and previous is not None:
                return previous
            try:
                return cls._load(folder, state.get("version"))
            except (OSError, ValueError, KeyError):
                pass  # a damaged copy: rebuild it
        return cls.build(index)

    @classmethod
    def build(cls, index: Index) -> LexicalIndex:
        """Tokenise every passage of ``index``, fit BM25 and save it (atomically) beside the collection."""
        import bm25s

        version = index.stamp()
        ids: list[str] = []
        corpus: list[list[str]] = []
        days: list[int] = []
        outlets: list[str | None] = []
        for batch_ids, texts, metas in index.all_passages():
            for pid, text, meta in zip(batch_ids, texts, metas):
                ids.append(pid)
                # The headline, as the dense side embeds it (qa.ingest.embedding_text); a series title's
                # words, repeated by many articles, weigh little here by their document frequency.
                corpus.append(tokenize(f"{meta.get('title', '')}\n{text}"))
                days.append(int(meta.get("published_day") or 0))
                outlets.append(meta.get("outlet"))
        names = sorted({o for o in outlets if o})
        codes = {name: i for i, name in enumerate(names)}
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)

        folder = cls.folder_for(index)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{index.name}-", dir=folder.parent))
        if bm25 is not None:
            bm25.save(str(staging / "bm25"), show_progress=False)
        (staging / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
        (staging / "outlets.json").write_text(json.dumps(names), encoding="utf-8")
        np.save(staging / "days.npy", np.asarray(days, dtype=np.int32))
        np.save(staging / "outlet_codes.npy", np.asarray([codes.get(o, -1) if o else -1 for o in outlets], dtype=np.int32))
        (staging / "state.json").write_text(json.dumps({"version": version, "format": _FORMAT}), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
        return cls._load(folder, version)

    @classmethod
    def _load(cls, folder: Path, version: str) -> LexicalIndex:
        """The saved copy; ValueError when its parts disagree (a file replaced or cut short)."""
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        bm25 = None
        if ids:
            import bm25s

            bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        days, outlets = np.load(folder / "days.npy"), np.load(folder / "outlet_codes.npy")
        documents = bm25.scores.get("num_docs") if bm25 is not None else 0
        if not len(ids) == documents == len(days) == len(outlets):
            raise ValueError(f"{folder}: {len(ids)} ids, {documents} BM25 documents, {len(days)} days")
        return cls(folder, version, ids, days, outlets,
                   json.loads((folder / "outlets.json").read_text(encoding="utf-8")), bm25)

    # -- searching --------------------------------------------------------------------------
    def allowed(self, filters: SearchFilters | None) -> np.ndarray | None:
        """A 0/1 mask of the passages the filters allow (the same rules as the Chroma where clause), or None."""
        if filters is None or filters.is_empty():
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.since is not None:
            mask &= self._days >= int(filters.since.strftime("%Y%m%d"))
        if filters.until is not None:
            mask &= (self._days > 0) & (self._days <= int(filters.until.strftime("%Y%m%d")))
        if filters.outlets:
            wanted = [i for i, name in enumerate(self._outlet_names) if name in set(filters.outlets)]
            mask &= np.isin(self._outlets, wanted)
        return mask

    def published_between(self, days: tuple[int, int]) -> np.ndarray:
        """A 0/1 mask of the passages of articles published from ``days[0]`` to ``days[1]`` (YYYYMMDD, inclusive)."""
        return (self._days >= days[0]) & (self._days <= days[1])

    def scores(self, query: str, filters: SearchFilters | None = None) -> QueryScores:
        """The BM25 score of every passage for ``query``; passages outside the filters score 0."""
        if self._row is None:
            self._row = {pid: i for i, pid in enumerate(self.ids)}
        token_ids = [self._vocab[t] for t in dict.fromkeys(tokenize(query)) if t in self._vocab]
        if self._bm25 is None or not token_ids:
            return QueryScores(self.ids, self._row, np.zeros(len(self.ids), dtype=np.float32))
        values = self._bm25.get_scores(token_ids)
        mask = self.allowed(filters)
        if mask is not None:
            values = np.where(mask, values, 0.0)
        return QueryScores(self.ids, self._row, values)

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[LexicalHit]:
        """Up to ``k`` passages that share words with ``query``, best BM25 score first, within the filters."""
        return self.scores(query, filters).top(k)
