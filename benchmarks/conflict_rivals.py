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

from qa.answer import same_answer
from qa.reader import Reader
from qa.train import calibration_items, f1, other_article_items

OUT = Path(__file__).parent / "results" / "conflict_rivals.json"
PASSAGES = 5


def rates(reader: Reader, ex, group: list[str]) -> tuple[bool, bool, bool] | None:  # noqa: ANN001
    """None unless the question is answered right from its own paragraph; else whether a rival clears
    the answer threshold, the support threshold, and (with a different answer) the conflict threshold."""
    readings = reader.read(ex.question, group)
    conf = [r.confidence if r.span else -np.inf for r in readings]
    top = int(np.argmax(conf))
    if group[top] != ex.context or conf[top] <= reader.threshold:
        return None
    text = group[top][readings[top].span.start:readings[top].span.end]
    if f1(text, ex.answers) < 0.5:
        return None
    rivals = [(c, group[i][r.span.start:r.span.end]) for i, (c, r) in enumerate(zip(conf, readings))
              if i != top and r.span]
    return (any(c > reader.threshold for c, _ in rivals),
            any(c > reader.support_threshold for c, _ in rivals),
            any(c > reader.conflict_threshold and not same_answer(t, text) for c, t in rivals))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True)
    ap.add_argument("--val-articles", type=int, nargs="+", default=[3, 12, 12])
    ap.add_argument("--models", type=Path, nargs="+", required=True)
    ap.add_argument("--seed", type=int, default=13, help="the split seed the models were trained and calibrated with")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    same = [it for it in calibration_items(args.data, passages=PASSAGES, val_articles=args.val_articles, seed=args.seed)
            if it[3] == "answerable"]
    other = other_article_items(args.data, passages=PASSAGES, val_articles=args.val_articles, seed=args.seed)
    assert [it[0].qid for it in same] == [it[0].qid for it in other]
    items = [(s[0], s[1], o[1]) for s, o in zip(same, other)]
    report = {"data": [str(p) for p in args.data], "val_articles": args.val_articles, "questions": len(items), "models": []}
    for model in args.models:
        reader = Reader(model)
        entry = {"model": str(model), "threshold": reader.threshold, "support_threshold": reader.support_threshold,
                 "conflict_threshold": reader.conflict_threshold}
        for name, col in (("same_article_rivals", 1), ("other_article_rivals", 2)):
            rows = [r for r in (rates(reader, it[0], it[col]) for it in items) if r]
            entry[name] = {"answered_right": len(rows),
                           "rival_above_answer_threshold": round(float(np.mean([r[0] for r in rows])), 4),
                           "rival_above_support_threshold": round(float(np.mean([r[1] for r in rows])), 4),
                           "false_conflict_rate": round(float(np.mean([r[2] for r in rows])), 4)}
        report["models"].append(entry)
        print(json.dumps(entry), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
