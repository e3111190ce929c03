"""Stage 4c, sentence vectors: every sentence the answerer may score, embedded once at ingest.

The offline answerer (:mod:`qa.answer`) scores each candidate sentence of a question's passages
with :func:`qa.embed.sentence_scorer` (for ONNX the int8 model), then re-scores the few that
decide the answer with the full model. Embedding the candidates at question time was most of a
warm answer's time, so ingest embeds every sentence once and keeps its vector here, keyed by the
scorer's name and a hash of the sentence's text (the same sentence in two articles is one row).

Vectors are stored as int8 with one scale per vector (388 bytes a sentence); the rounding moves a
similarity by less than 0.004, far inside the answerer's re-scoring margin. A sentence missing
here (an index made before this store, an article that another machine ingested into a Chroma
server) is embedded by the answerer as before: the store saves time and never changes an answer.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from qa.chunk import split_sentences
from qa.embed import Embedder

# Sentences shorter than this many words are never candidates ("Read more.").
MIN_WORDS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    model TEXT NOT NULL,
    key BLOB NOT NULL,
    scale REAL NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID
"""
# Articles (by fingerprint) whose every sentence has a vector of this model: ingest fills in the rest.
_DONE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_articles (
    model TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (model, fingerprint)
) WITHOUT ROWID
"""
# SQLite's default limit on the parameters of one statement is 999 on old builds.
_CHUNK = 900


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` the answerer scores: every one of ``MIN_WORDS`` words or more."""
    return [(s.start, s.end) for s in split_sentences(text) if len(text[s.start : s.end].split()) >= MIN_WORDS]


def sentence_texts(passages: Iterable[str]) -> list[str]:
    """The distinct candidate sentences of these passage texts, in order."""
    return list(dict.fromkeys(text[a:b] for text in passages for a, b in candidate_spans(text)))


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row as int8 times a scale of its own (its largest absolute value over 127)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return codes.astype(np.float32) * scales[:, None]


class SentenceStore:
    """Sentence vectors by (model, text) in one SQLite file of the data folder.

    The file only saves time, so a damaged one never stops a command: it is set aside (renamed
    ``*.damaged-<time>``) with a warning and a new, empty one takes its place, which the next ingest
    fills; a lookup that fails (the file locked for longer than the timeout) finds nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # the chat page answers from several threads
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:  # not a database, malformed: set it aside, start again
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{self.path}{suffix}").exists():
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            warnings.warn(f"{self.path} could not be read ({exc}); set aside as {aside.name}, starting a new one",
                          stacklevel=2)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            db.execute(_DONE_SCHEMA)
            db.execute("SELECT 1 FROM sentence_articles LIMIT 1").fetchone()  # reads a page, not the table
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _select(self, columns: str, model: str, keys: list[bytes]) -> list[tuple]:
        """Rows (``columns``) of these keys of ``model``; none when the file cannot be read."""
        rows: list[tuple] = []
        with self._lock:
            try:
                for i in range(0, len(keys), _CHUNK):
                    part = keys[i : i + _CHUNK]
                    rows += self._db.execute(
                        f"SELECT {columns} FROM sentence_vectors WHERE model=? AND key IN ({','.join('?' * len(part))})",
                        (model, *part),
                    ).fetchall()
            except sqlite3.Error:
                return []  # the caller embeds what it does not find
        return rows

    def get(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``texts`` that have one."""
        by_key = {text_key(t): t for t in texts}
        rows = self._select("key, scale, vector", model, list(by_key))
        if not rows:
            return {}
        codes = np.stack([np.frombuffer(blob, dtype=np.int8) for _, _, blob in rows])
        vectors = dequantize(codes, np.array([scale for _, scale, _ in rows], dtype=np.float32))
        return {by_key[key]: vector for (key, _, _), vector in zip(rows, vectors)}

    def missing(self, model: str, texts: Sequence[str]) -> list[str]:
        """Those ``texts`` that have no vector of ``model`` yet (their keys looked up, no vector read)."""
        keys = [text_key(t) for t in texts]
        have = {key for (key,) in self._select("key", model, keys)}
        return [t for t, key in zip(texts, keys) if key not in have]

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        if not len(texts):
            return
        codes, scales = quantize(np.asarray(vectors, dtype=np.float32))
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors VALUES (?, ?, ?, ?)",
                [(model, text_key(t), float(s), c.tobytes()) for t, s, c in zip(texts, scales, codes)],
            )

    def done(self, model: str) -> set[str]:
        """Fingerprints of the articles whose sentences all have vectors of ``model``."""
        with self._lock:
            rows = self._db.execute("SELECT fingerprint FROM sentence_articles WHERE model=?", (model,))
            return {fp for (fp,) in rows}

    def mark_done(self, model: str, fingerprints: Iterable[str]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO sentence_articles VALUES (?, ?)", [(model, fp) for fp in fingerprints]
            )

    def close(self) -> None:
        self._db.close()


def fill(store: SentenceStore, scorer: Embedder, articles: Sequence[tuple[str, Sequence[str]]]) -> int:
    """Embed and store the candidate sentences of ``articles`` ((fingerprint, passage texts)) that lack a vector.

    The articles are then marked done, so a later ingest does not look at them again. Returns how
    many sentences were embedded.
    """
    texts = store.missing(scorer.name, sentence_texts(text for _, passages in articles for text in passages))
    if texts:
        store.put(scorer.name, texts, scorer.embed(texts))
    store.mark_done(scorer.name, [fp for fp, _ in articles])
    return len(texts)
