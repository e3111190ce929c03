"""Part of ingest: recognise the same story filed twice (syndicated wire copy under another name).

Each article's cleaned text becomes a set of word 5-shingles (lower-cased word sequences); two
articles are near-duplicates when the Jaccard similarity of those sets is at least
:data:`NEAR_DUPLICATE_JACCARD` (0.8). Wire copy republished by another outlet keeps nearly all of
its shingles (a new headline, dateline or a trimmed last paragraph cost a few percent), while
two different reports of the same event share well under half of theirs. The Jaccard similarity
is estimated from a MinHash signature (:data:`PERMUTATIONS` hashes, standard error about 0.04
near 0.8), and candidate pairs are found by locality-sensitive hashing over bands of the
signature, so checking one article against thousands costs a few dictionary lookups.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

NEAR_DUPLICATE_JACCARD = 0.8
SHINGLE_WORDS = 5
PERMUTATIONS = 128
_BANDS, _ROWS = 32, 4  # 32 bands of 4 rows: pairs at Jaccard 0.8 collide in some band with p > 0.9999
_PRIME = (1 << 31) - 1
_rng = np.random.default_rng(20261121)  # fixed: signatures are stored and compared across runs
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    """32-bit hashes of the article's overlapping 5-word sequences (the whole text if shorter)."""
    words = _WORD.findall(text.lower())
    n = max(1, len(words) - SHINGLE_WORDS + 1)
    return {zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode()) for i in range(n)}


def signature(text: str) -> np.ndarray:
    """The MinHash signature of ``text``: for each of the hash functions, the least shingle hash."""
    values = np.fromiter(shingles(text), dtype=np.uint64)
    hashed = (np.outer(_A, values) + _B[:, None]) % _PRIME  # < 2**63: no overflow
    return hashed.min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.mean(a == b))


class DuplicateFinder:
    """The signatures of articles already accepted, searchable for near-duplicates of a new one."""

    def __init__(self) -> None:
        self._signatures: dict[str, np.ndarray] = {}
        self._buckets: dict[tuple[int, bytes], list[str]] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, doc_id: str, sig: np.ndarray) -> None:
        self.discard(doc_id)
        self._signatures[doc_id] = sig
        for key in _bands(sig):
            self._buckets.setdefault(key, []).append(doc_id)

    def discard(self, doc_id: str) -> None:
        sig = self._signatures.pop(doc_id, None)
        if sig is not None:
            for key in _bands(sig):
                self._buckets[key].remove(doc_id)

    def find(self, sig: np.ndarray, exclude: str | None = None) -> str | None:
        """The accepted article most similar to ``sig`` at or above the threshold, if any."""
        candidates = {doc for key in _bands(sig) for doc in self._buckets.get(key, ()) if doc != exclude}
        best, best_score = None, 0.0
        for doc in sorted(candidates):  # on a tie, the first by name
            score = similarity(sig, self._signatures[doc])
            if score >= NEAR_DUPLICATE_JACCARD and score > best_score:
                best, best_score = doc, score
        return best


def _bands(sig: np.ndarray) -> list[tuple[int, bytes]]:
    return [(band, sig[band * _ROWS : (band + 1) * _ROWS].tobytes()) for band in range(_BANDS)]
