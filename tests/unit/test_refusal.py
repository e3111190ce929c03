"""The refusal model's features and its logistic decision (qa/refusal.py)."""

from __future__ import annotations

from langchain_core.documents import Document

from qa.refusal import FEATURES, WEIGHTS, Evidence, answerable_probability, features

PASSAGE = Document(
    "Turkey had trained 1,600 peshmerga fighters, Cavusoglu said in Ankara.",
    metadata={"doc_id": "a.txt", "start": 0, "score": 0.6, "title": "Turkey trains peshmerga"},
)
OTHER = Document("The talks in Baghdad ended on Tuesday.", metadata={"doc_id": "b.txt", "start": 0, "score": 0.3})


def evidence(question: str, *, span_found: bool = True, runner_up: float = 0.4) -> Evidence:
    return Evidence(
        question=question, passages=[PASSAGE, OTHER], best_passage=PASSAGE, support=0.6, runner_up=runner_up,
        typed=True, span_found=span_found, idf={"peshmerga": 1.0, "turkey": 0.5, "train": 0.5},
    )


def named(values: list[float]) -> dict[str, float]:
    return dict(zip(FEATURES, values, strict=True))


def test_a_question_word_no_passage_uses_lowers_coverage_and_counts_as_unseen() -> None:
    answered = named(features(evidence("How many peshmerga did Turkey train?")))
    swapped = named(features(evidence("How many Yazidi volunteers did Turkey train?")))
    assert answered["coverage"] == 1.0 and answered["unseen"] == 0.0
    assert swapped["coverage"] < 0.5 and swapped["unseen"] == 2 / 4  # "yazidi", "volunteer" are in no passage


def test_span_presence_and_margin_are_features() -> None:
    found = named(features(evidence("How many peshmerga did Turkey train?")))
    missing = named(features(evidence("How many peshmerga did Turkey train?", span_found=False, runner_up=0.55)))
    assert (found["span_found"], found["span_missing"]) == (1.0, 0.0)
    assert (missing["span_found"], missing["span_missing"]) == (0.0, 1.0)
    assert round(found["margin"], 6) == 0.2 and round(missing["margin"], 6) == 0.05


def test_the_fitted_model_trusts_support_and_a_found_span() -> None:
    assert len(WEIGHTS) == len(FEATURES)
    base = features(evidence("How many peshmerga did Turkey train?"))
    weaker = list(base)
    weaker[FEATURES.index("support")] -= 0.2
    assert answerable_probability(weaker) < answerable_probability(base)
    no_span = features(evidence("How many peshmerga did Turkey train?", span_found=False))
    assert answerable_probability(no_span) < answerable_probability(base)
    assert answerable_probability([0.0] * len(FEATURES), [1.0] * len(FEATURES), 0.0) == 0.5
