"""Near-duplicate detection: syndicated copies are found, different reports of one event are not."""

from __future__ import annotations

from qa.dedup import NEAR_DUPLICATE_JACCARD, DuplicateFinder, shingles, signature, similarity
from qa.evaluate import Question, with_duplicate_originals
from tests.conftest import KHALEEJ, SEEDS

JPOST = "001_9c057057cff0d122.txt"


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_estimate_tracks_the_true_jaccard() -> None:
    text = (SEEDS / KHALEEJ).read_text()
    lines = text.split("\n")
    for cut in (5, 15, 25):
        variant = "\n".join(lines[:-cut])
        assert abs(similarity(signature(text), signature(variant)) - jaccard(text, variant)) < 0.12


def test_syndicated_copy_is_found_and_a_different_report_is_not() -> None:
    original = (SEEDS / KHALEEJ).read_text()
    lines = original.split("\n")
    syndicated = "\n".join(["Iraq asks Turkey for help against militants (AFP)", *lines[1:-3]])
    other_report = (SEEDS / JPOST).read_text()  # the same talks, another outlet's story
    finder = DuplicateFinder()
    finder.add(KHALEEJ, signature(original))
    assert finder.find(signature(syndicated)) == KHALEEJ
    assert finder.find(signature(original.upper())) == KHALEEJ, "case does not matter"
    assert finder.find(signature(other_report)) is None
    assert jaccard(original, other_report) < 0.2 < NEAR_DUPLICATE_JACCARD


def test_short_texts_tie_breaks_and_discard() -> None:
    finder = DuplicateFinder()
    finder.add("b.txt", signature("Storm closes port"))
    finder.add("a.txt", signature("Storm closes port"))
    assert finder.find(signature("storm closes PORT")) == "a.txt", "on a tie, the first by name"
    assert finder.find(signature("Storm closes airport")) is None
    finder.discard("a.txt")
    assert finder.find(signature("Storm closes port")) == "b.txt"
    assert finder.find(signature("Storm closes port"), exclude="b.txt") is None
    assert len(finder) == 1


def test_eval_counts_the_original_of_a_gold_duplicate() -> None:
    q = Question(id="q", question="Who?", answers=["x"], gold_docs=["copy.txt", "other.txt"], answerable=True)
    assert with_duplicate_originals(q, {"copy.txt": "first.txt"}).gold_docs == ["copy.txt", "other.txt", "first.txt"]
    assert with_duplicate_originals(q, {}) is q
