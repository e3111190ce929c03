"""Fit the refusal model's weights (qa/refusal.py) on one question set and check them on others.

    python eval/fit_refusal.py --fit ../shared/bench/squad_v2_dev/questions.yaml \
        --check eval/questions.yaml ../shared/bench/rgb_en_fact/questions.yaml

Each question goes through the same retrieval and answerer scoring as ``qa eval`` (its corpus
is ingested into its own collection if needed); the label is the question's ``answerable``.
The answerer refuses below ``answer.min_support`` whatever the model says, so the logistic
regression (L2-regularised, Newton's method) is fitted on the --fit sets' questions above that
floor; the threshold is the highest probability at which the fitted sets' false-refusal rate
(floor and model together) exceeds the floor's own by at most --extra-false-refusals. It prints
refusal accuracy and false-refusal rate on every set, marking which were held out, and the
constants to paste into qa/refusal.py and ``answer.min_confidence``. Numbers on the fitted sets
are in-sample; only the others judge it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from qa.chain import QAChain
from qa.evaluate import collection_for, corpus_for, load_questions
from qa.ingest import ingest_folder
from qa.refusal import FEATURES, answerable_probability, features
from qa.settings import Settings

L2 = 1.0  # ridge penalty on the weights (not the bias): a few hundred questions, seven features


def dataset(settings: Settings, questions: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1 = answerable) of the questions whose passages give any candidate sentence."""
    corpus = corpus_for(questions, None, settings)
    chain = QAChain(settings.with_overrides(collection=collection_for(corpus)))
    ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=False)
    answerer = chain.answerer
    rows, labels = [], []
    for q in load_questions(questions):
        passages = chain.retrieve(q.question)
        ranked = answerer.score(q.question, passages)  # type: ignore[attr-defined]
        if ranked:
            rows.append(features(answerer.evidence(q.question, passages, ranked)))  # type: ignore[attr-defined]
            labels.append(float(q.answerable))
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method with an L2 penalty on the weights."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.diag([L2] * x.shape[1] + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def threshold(probabilities: np.ndarray, floored: np.ndarray, y: np.ndarray, extra: float) -> float:
    """The highest cut at which floor and model together refuse at most ``extra`` more answerable questions."""
    answerable = y == 1
    limit = floored[answerable].mean() + extra
    cuts = [c for c in np.unique(probabilities) if (floored | (probabilities < c))[answerable].mean() <= limit]
    return float(max(cuts, default=0.0))


def report(name: str, probabilities: np.ndarray, floored: np.ndarray, y: np.ndarray, cut: float, held_out: bool) -> str:
    refused = floored | (probabilities < cut)
    unanswerable, answerable = y == 0, y == 1
    refusal = refused[unanswerable].mean() if unanswerable.any() else float("nan")
    false = refused[answerable].mean() if answerable.any() else float("nan")
    tag = "held out" if held_out else "in-sample"
    return f"{name:<50} {tag:<9} n={len(y):<4} refusal_accuracy={refusal:.3f} false_refusal_rate={false:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", type=Path, nargs="+", required=True, help="question files to fit on")
    parser.add_argument("--check", type=Path, nargs="*", default=[], help="question files held out")
    parser.add_argument(
        "--extra-false-refusals", type=float, default=0.01,
        help="false refusals the model may add to the support floor's, on the fitted sets (default 0.01)",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    floor = settings.answer.min_support
    support = FEATURES.index("support")
    data = {path: dataset(settings, path) for path in [*args.fit, *args.check]}
    x = np.vstack([data[p][0] for p in args.fit])
    y = np.concatenate([data[p][1] for p in args.fit])
    above = x[:, support] >= floor
    weights, bias = fit(x[above], y[above])

    def probabilities(xs: np.ndarray) -> np.ndarray:
        return np.array([answerable_probability(row, weights, bias) for row in xs])

    cut = threshold(probabilities(x), x[:, support] < floor, y, args.extra_false_refusals)
    for path, (xs, ys) in data.items():
        floored = xs[:, support] < floor
        print(report(f"{path} (floor alone)", np.ones(len(ys)), floored, ys, 0.0, path not in args.fit))
        print(report(str(path), probabilities(xs), floored, ys, cut, path not in args.fit))
    print()
    print(f"FEATURES = {FEATURES}")
    print(f"WEIGHTS = ({', '.join(f'{w:.3f}' for w in weights)})")
    print(f"BIAS = {bias:.3f}")
    print(f"answer.min_confidence = {cut:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
