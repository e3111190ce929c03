"""A read-only copy of a collection for exact search without opening Chroma.

Importing chromadb and opening its store costs over a second: most of a cold
``ask``. For the collections one machine holds (up to :data:`MAX_PASSAGES`), the
passages' vectors, texts and metadata are copied beside the store into two
files, and a question is a matrix product over them (10,000 × 384 float32: ~1 ms).

Chroma stays the source of truth. The copy is stamped with the store's id and the
collection's write version (:meth:`qa.index.Index.stamp`), which the index bumps in the same
commit that records each completed change to the collection; a copy whose stamp differs is
stale and is not used, and the index rebuilds it from Chroma on its next search (while
another process holds the write lock, the last copy is used as it is). The stamp is
read *before* the passages are copied, so a change made during the copy leaves
the copy marked stale, never wrongly fresh. Only passages of articles the catalogue
records are copied: what an interrupted write left behind is never searched.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Above this many passages the copy's JSON costs more to load than opening Chroma (~1 s),
# and Chroma's HNSW index beats a full matrix product: such collections are searched in Chroma.
MAX_PASSAGES = 50_000
FORMAT = 2


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float


class VectorCopy:
    """The passages of one collection as a matrix, with their texts and metadata."""

    def __init__(
        self, stamp: str, vectors: np.ndarray, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]]
    ) -> None:
        self.stamp = stamp
        self.vectors = vectors
        self.ids = ids
        self.texts = texts
        self.metadatas = metadatas
        self._row = {pid: i for i, pid in enumerate(ids)}
        self._days: np.ndarray | None = None  # published_day per passage (0: undated), made on first use

    def __len__(self) -> int:
        return len(self.texts)

    def published_days(self) -> np.ndarray:
        """Each passage's ``published_day`` (YYYYMMDD) as an int32 array, 0 for undated articles."""
        if self._days is None:
            self._days = np.asarray([int(m.get("published_day") or 0) for m in self.metadatas], dtype=np.int32)
        return self._days

    def search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None,
               days: tuple[int, int] | None = None) -> list[Hit]:
        """The ``k`` passages most similar to ``vector`` (cosine: all vectors are unit length), best first.

        ``where``: only passages whose metadata match this Chroma filter (see :func:`matches`);
        ``days``: only passages of articles published from the first to the last day (YYYYMMDD, inclusive).
        """
        if not len(self):
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        allowed = None
        if days is not None:
            published = self.published_days()
            allowed = (published >= days[0]) & (published <= days[1])
        if where is not None:
            matching = np.fromiter((matches(m, where) for m in self.metadatas), dtype=bool, count=len(self))
            allowed = matching if allowed is None else allowed & matching
        if allowed is not None:
            rows = np.flatnonzero(allowed)
            k = min(k, len(rows))
            if k <= 0:
                return []
            top = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        else:
            k = min(k, len(self))
            top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(self.ids[i], self.texts[i], self.metadatas[i], float(scores[i])) for i in top]

    def passages(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any], np.ndarray]]:
        """Text, metadata and vector of the passages with these ids (ids not in the copy are left out)."""
        rows = [(pid, self._row[pid]) for pid in ids if pid in self._row]
        return {pid: (self.texts[i], self.metadatas[i], self.vectors[i]) for pid, i in rows}


_COMPARE = {
    "$eq": lambda v, a: v == a, "$ne": lambda v, a: v != a, "$gt": lambda v, a: v > a, "$gte": lambda v, a: v >= a,
    "$lt": lambda v, a: v < a, "$lte": lambda v, a: v <= a, "$in": lambda v, a: v in a, "$nin": lambda v, a: v not in a,
}


def matches(metadata: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether passage metadata satisfy a Chroma ``where`` filter ($and, $or, $eq, $ne, $gt(e), $lt(e), $in, $nin)."""
    for key, condition in where.items():
        if key == "$and":
            if not all(matches(metadata, part) for part in condition):
                return False
        elif key == "$or":
            if not any(matches(metadata, part) for part in condition):
                return False
        else:
            value = metadata.get(key)
            for op, arg in (condition.items() if isinstance(condition, dict) else [("$eq", condition)]):
                try:
                    if value is None or not _COMPARE[op](value, arg):
                        return False
                except TypeError:
                    return False
    return True


def load(folder: Path, stamp: str | None, embedding_model: str) -> VectorCopy | None:
    """The copy kept in ``folder`` (one per collection) if it is of exactly this ``stamp`` and model, else None.

    ``stamp=None`` takes the saved copy whatever its stamp (the last consistent state, while a writer works).
    """
    try:
        meta = json.loads((folder / "copy.json").read_text(encoding="utf-8"))
        if (meta.get("format"), meta.get("embedding_model")) != (FORMAT, embedding_model):
            return None
        if stamp is not None and meta.get("stamp") != stamp:
            return None
        stamp = meta["stamp"]
        vectors = np.load(folder / meta["matrix"], allow_pickle=False)
    except (OSError, ValueError, KeyError):
        return None
    if not vectors.shape[0] == len(meta["ids"]) == len(meta["texts"]):
        return None
    return VectorCopy(stamp, vectors, meta["ids"], meta["texts"], meta["metadatas"])


def save(folder: Path, copy: VectorCopy, embedding_model: str) -> None:
    """Write the copy: the matrix under a name of its own stamp, then the JSON that points to it.

    Each file is replaced atomically, and a matrix is never overwritten by another state's, so
    processes saving at once cannot pair one copy's JSON with another's matrix. Temporary files
    are named after the process and thread, so that no two writers share one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    matrix = f"{hashlib.sha256(copy.stamp.encode()).hexdigest()[:16]}.npy"
    writer = f"{os.getpid()}-{threading.get_ident()}"
    tmp = folder / f"{matrix}.{writer}.tmp"
    with tmp.open("wb") as f:
        np.save(f, copy.vectors.astype(np.float32), allow_pickle=False)
    os.replace(tmp, folder / matrix)
    payload = {
        "format": FORMAT, "stamp": copy.stamp, "embedding_model": embedding_model, "matrix": matrix,
        "ids": copy.ids, "texts": copy.texts, "metadatas": copy.metadatas,
    }
    tmp = folder / f"copy.json.{writer}.tmp"
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, folder / "copy.json")
    for old in folder.glob("*.npy"):
        if old.name != matrix:
            old.unlink(missing_ok=True)
