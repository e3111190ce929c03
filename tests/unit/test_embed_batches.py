"""How the ONNX embedder groups texts into batches: little padding, every text once, longest first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.embed import MIN_FILL, OnnxEmbedder


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder(batch_size=4)  # reads the model's config only; nothing is loaded


def test_sentences_of_unlike_length_are_not_padded_to_the_longest(embedder: OnnxEmbedder) -> None:
    lengths = [89, 40, 61, 88, 20, 60, 59, 58, 57]
    assert embedder.batches(lengths) == [[0, 3], [2, 5, 6, 7], [8], [1], [4]]


@given(st.lists(st.integers(min_value=2, max_value=256), max_size=80))
def test_batches_cover_every_text_once_and_pad_little(lengths: list[int]) -> None:
    embedder = OnnxEmbedder(batch_size=4)
    batches = embedder.batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert 1 <= len(b) <= 4
        longest = lengths[b[0]]
        assert all(lengths[i] <= longest and lengths[i] >= MIN_FILL * longest for i in b)
    firsts = [lengths[b[0]] for b in batches]
    assert firsts == sorted(firsts, reverse=True)
