"""When to refuse: a small logistic model over features of the best answer candidate.

One support threshold cannot tell an on-topic question the passages do not answer from one
they do: both find a similar sentence. A few cheap features separate them better: whether
the passage that holds the best sentence names the question's rare words (an unanswerable
question often swaps in a name or detail the articles never use), whether the kind of span
the question asks for is there at all, how far the best sentence stands above the next, and
how well retrieval matched. They are combined by a logistic model whose weights are the
constants below, fitted by ``eval/fit_refusal.py`` on one question set and checked on the
others (README, "Refusal"). No model call is added: every feature comes from scores the
answerer already has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.documents import Document

from qa.text import content_terms

FEATURES = ("support", "margin", "coverage", "unseen", "span_found", "span_missing", "retrieval")

# Fitted by `python eval/fit_refusal.py --fit eval/questions.yaml ../shared/bench/squad_v2_dev/questions.yaml
# ../shared/bench/rgb_en_fact/questions.yaml --check ../shared/bench/multihop_rag/questions.yaml` on the
# questions above the support floor (answer.min_support); the cut is answer.min_confidence (README, "Refusal").
WEIGHTS = (1.849, -0.711, -0.120, -0.445, 0.938, 0.589, 1.013)
BIAS = -1.569


@dataclass(frozen=True)
class Evidence:
    """What the answerer knows about its best candidate, for the refusal decision."""

    question: str
    passages: Sequence[Document]
    best_passage: Document
    support: float  # the best sentence's support
    runner_up: float  # the next sentence's support (0 when there is none)
    typed: bool  # the question asks for a number, date, name or place
    span_found: bool  # ... and the best sentence has one
    idf: dict[str, float]  # over the candidate sentences


def features(evidence: Evidence) -> list[float]:
    """The feature vector, in the order of ``FEATURES``."""
    terms = list(dict.fromkeys(content_terms(evidence.question)))
    unseen_weight = math.log(1 + len(evidence.idf) + 1)
    weights = {t: evidence.idf.get(t, unseen_weight) for t in terms}
    total = sum(weights.values()) or 1.0
    best = _terms_of(evidence.best_passage)
    everywhere = set().union(*(_terms_of(d) for d in evidence.passages)) if evidence.passages else set()
    return [
        evidence.support,
        evidence.support - evidence.runner_up,
        sum(w for t, w in weights.items() if t in best) / total,
        sum(1 for t in terms if t not in everywhere) / len(terms) if terms else 0.0,
        float(evidence.typed and evidence.span_found),
        float(evidence.typed and not evidence.span_found),
        float(evidence.best_passage.metadata.get("score", 0.0)),
    ]


def answerable_probability(values: Sequence[float], weights: Sequence[float] = WEIGHTS, bias: float = BIAS) -> float:
    """The model's probability that the passages answer the question."""
    z = bias + sum(w * x for w, x in zip(weights, values, strict=True))
    return 1 / (1 + math.exp(-z))


def _terms_of(doc: Document) -> set[str]:
    return set(content_terms(f"{doc.metadata.get('title', '')} {doc.page_content}"))
