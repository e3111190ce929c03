"""How often a reader cites a second article's passage that does not answer, and shows a false "the
sources differ", with rival passages from its own article and from other articles.

    python benchmarks/conflict_rivals.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json \
        training/news_qa/news_qa.json training/news_qa/news_qa_2.json --val-articles 3 12 12 \
        --models qa/models/reader.safetensors

Each held-back answerable question is read twice, as ``qa.train calibrate`` reads it: with its paragraph
among 4 look-alikes of its own article (``calibration_items``) and among the 4 paragraphs of *other*
held-back articles nearest to it by embedding (``other_article_items``: as retrieval would put them
beside it; none of them answers it), at each model's own thresholds. Of the questions answered right
from their own paragraph it reports the share where a rival clears the answer threshold, the share
where one clears the support threshold (an other-article rival cited beside the answer), and the share
that would show a rival's different answer as a conflict. Writes ``benchmarks/results/conflict_rivals.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from qa.reader import Reader
from qa.train import Item, calibration_items, other_article_items, rival_confidences

OUT = Path(__file__).parent / "results" / "conflict_rivals.json"
PASSAGES = 5


def rates(reader: Reader, items: list[Item]) -> dict:
    """Of the items answered right from their own paragraph (at the reader's own thresholds): the share
    where a rival clears the answer threshold, the support threshold, and (with a different answer) the
    conflict threshold."""
    readings = [reader.read(ex.question, group) for ex, group, _, _ in items]
    rivals = rival_confidences(items, readings, reader.decision, reader.threshold, different_only=False)
    different = rival_confidences(items, readings, reader.decision, reader.threshold, different_only=True)
    return {"answered_right": len(rivals),
            "rival_above_answer_threshold": round(float(np.mean(rivals > reader.threshold)), 4),
            "rival_above_support_threshold": round(float(np.mean(rivals > reader.support_threshold)), 4),
            "false_conflict_rate": round(float(np.mean(different > reader.conflict_threshold)), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True)
    ap.add_argument("--val-articles", type=int, nargs="+", default=[3, 12, 12])
    ap.add_argument("--models", type=Path, nargs="+", required=True)
    ap.add_argument("--seed", type=int, default=13, help="the split seed the models were trained and calibrated with")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    groups = {
        "same_article_rivals": [it for it in calibration_items(args.data, passages=PASSAGES, val_articles=args.val_articles,
                                                               seed=args.seed) if it[3] == "answerable"],
        "other_article_rivals": other_article_items(args.data, passages=PASSAGES, val_articles=args.val_articles,
                                                    seed=args.seed),
    }
    report = {"data": [str(p) for p in args.data], "val_articles": args.val_articles,
              "questions": len(groups["other_article_rivals"]), "models": []}
    for model in args.models:
        reader = Reader(model)
        entry = {"model": str(model), "threshold": reader.threshold, "support_threshold": reader.support_threshold,
                 "conflict_threshold": reader.conflict_threshold}
        entry.update({name: rates(reader, items) for name, items in groups.items()})
        report["models"].append(entry)
        print(json.dumps(entry), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
