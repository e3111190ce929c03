"""The sentence vector store: int8 rows that keep similarities, lookups by text, done marks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.sentences import SentenceStore, candidate_spans, dequantize, fill, quantize, sentence_texts


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_int8_rows_keep_similarities_within_0_004() -> None:
    rows, queries = unit_rows(2000), unit_rows(50, seed=1)
    codes, scales = quantize(rows)
    assert codes.dtype == np.int8 and np.abs(codes).max() == 127
    error = np.abs(dequantize(codes, scales) @ queries.T - rows @ queries.T)
    assert error.max() < 0.004, error.max()
    zero_codes, zero_scales = quantize(np.zeros((1, 384), dtype=np.float32))
    assert not dequantize(zero_codes, zero_scales).any()


def test_candidate_sentences_skip_short_ones_and_repeats() -> None:
    text = "Read more. Turkey trained 2,000 peshmerga fighters in Iraq. Share this! Turkey trained 2,000 peshmerga fighters in Iraq."
    assert [text[a:b] for a, b in candidate_spans(text)] == ["Turkey trained 2,000 peshmerga fighters in Iraq."] * 2
    assert sentence_texts([text, "Another passage with four words."]) == [
        "Turkey trained 2,000 peshmerga fighters in Iraq.", "Another passage with four words."]


class CountingEmbedder:
    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:  # noqa: ANN001
        self.seen += list(texts)
        return unit_rows(len(texts), seed=len(self.seen))


def test_store_gets_what_was_put_by_model_and_fill_embeds_each_sentence_once(tmp_path: Path) -> None:
    store = SentenceStore(tmp_path / "s.sqlite3")
    embedder = CountingEmbedder()
    a = ("fp-a", ["One two three four. Five six seven eight."])
    b = ("fp-b", ["Five six seven eight. Nine ten eleven twelve."])
    assert fill(store, embedder, [a]) == 2
    assert fill(store, embedder, [b]) == 1  # the shared sentence is not embedded again
    assert embedder.seen == ["One two three four.", "Five six seven eight.", "Nine ten eleven twelve."]
    assert store.done("counting") == {"fp-a", "fp-b"} and store.done("other") == set()
    texts = ["Nine ten eleven twelve.", "never stored", "One two three four."]
    got = store.get("counting", texts)
    assert sorted(got) == ["Nine ten eleven twelve.", "One two three four."]
    assert store.get("other", texts) == {}
    assert store.missing("counting", texts) == ["never stored"]
    assert all(v.dtype == np.float32 and abs(np.linalg.norm(v) - 1) < 0.01 for v in got.values())
    many = [f"sentence number {i} here" for i in range(2500)]  # more than one statement's parameters
    store.put("counting", many, unit_rows(len(many)))
    assert len(store.get("counting", many)) == len(many)
    store.close()
    again = SentenceStore(tmp_path / "s.sqlite3")
    assert sorted(again.get("counting", texts)) == sorted(got)


def test_a_damaged_store_is_set_aside_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "sentences.sqlite3"
    path.write_bytes(b"this is not a database, it was cut short by a full disk" * 100)
    with pytest.warns(UserWarning, match="could not be read"):
        store = SentenceStore(path)
    assert store.get("m", ["One two three four."]) == {}
    fill(store, CountingEmbedder(), [("fp", ["One two three four."])])
    assert list(store.get("counting", ["One two three four."])) == ["One two three four."]
    (aside,) = tmp_path.glob("sentences.sqlite3.damaged-*")
    assert aside.read_bytes().startswith(b"this is not a database")
