"""How strong the recency prior should be, measured on training data (never an eval set).

The prior (``retrieval.recency_boost``, :mod:`qa.recency`) adds a fixed amount to the score of passages
from articles published in the window a question names ("this week"). It should decide between passages
that match the question about equally well (the same subject, told in different weeks) and never lift a
passage on another subject over the one that answers. This measures both gaps in cosine similarity, on
SQuAD 2.0 training questions (``../shared/train/squad2_dev_train``: not among the bench sets),
with the packaged all-MiniLM-L6-v2:

* ``same_subject``: the answering paragraph's cosine to the question minus that of the best other
  paragraph of the same article (same subject, another passage), when the answering one is ahead;
* ``other_subject``: the answering paragraph's cosine minus that of the best paragraph of any other
  article, when the answering one is ahead.

The rule that sets the default: the prior may lift another subject's passage over the answering one in
at most one case in ten, so ``recency_boost`` is the 10th percentile of ``other_subject``
(``suggested_boost``). The hybrid score weighs the cosine by ``1 - lexical_weight``, and so the prior too.

    python benchmarks/recency_boost.py ../shared/train/squad2_dev_train/squad2_dev_train.json

Writes benchmarks/results/recency_boost.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

import numpy as np
from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chain import embedder_for  # noqa: E402
from qa.settings import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "recency_boost.json"


def quantiles(values: list[float]) -> dict[str, float]:
    q = np.quantile(np.asarray(values), [0.1, 0.25, 0.5, 0.75, 0.9])
    return {f"p{p}": round(float(v), 4) for p, v in zip((10, 25, 50, 75, 90), q)} | {"n": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a SQuAD 2.0 JSON file (training data)")
    parser.add_argument("--questions", type=int, default=800, help="answerable questions sampled (seeded)")
    args = parser.parse_args()

    settings = Settings()
    articles = json.loads(args.data.read_text(encoding="utf-8"))["data"]
    paragraphs: list[str] = []
    article_of: list[int] = []
    asked: list[tuple[str, int]] = []  # (question, its paragraph's row)
    for a, article in enumerate(articles):
        for paragraph in article["paragraphs"]:
            row = len(paragraphs)
            paragraphs.append(paragraph["context"])
            article_of.append(a)
            asked += [(qa["question"], row) for qa in paragraph["qas"] if qa.get("answers") and not qa.get("is_impossible")]
    sample = random.Random(13).sample(asked, min(args.questions, len(asked)))
    embedder = embedder_for(settings)
    passage_vectors = np.asarray(embedder.embed(paragraphs), dtype=np.float32)
    question_vectors = np.asarray(embedder.embed([q for q, _ in sample]), dtype=np.float32)
    owner = np.asarray(article_of)
    same: list[float] = []
    other: list[float] = []
    for vector, (_, row) in zip(question_vectors, sample):
        cos = passage_vectors @ vector
        gold = cos[row]
        same_article = (owner == owner[row]) & (np.arange(len(cos)) != row)
        best_same = cos[same_article].max() if same_article.any() else None
        best_other = cos[owner != owner[row]].max()
        if best_same is not None and gold > best_same:
            same.append(float(gold - best_same))
        if gold > best_other:
            other.append(float(gold - best_other))
    results = {
        "date": dt.date.today().isoformat(),
        "data": str(args.data),
        "paragraphs": len(paragraphs),
        "questions": len(sample),
        "gap_same_subject": quantiles(same),
        "gap_other_subject": quantiles(other),
        "suggested_boost": quantiles(other)["p10"],
        "default_boost": settings.retrieval.recency_boost,
    }
    print(json.dumps(results, indent=2))
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
