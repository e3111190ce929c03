"""How reader files do on held-back news pages and held-back SQuAD articles, apart.

    python benchmarks/reader_news.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json \
        training/news_qa/news_qa.json --val-articles 3 12 --models qa/models/reader.safetensors new.safetensors

Each model reads the calibration items of all the data files (``qa.train.calibration_items``: 5
passages per question, answerable / adversarial (written unanswerable) / missing-paragraph), its
decision rule and refusal threshold are chosen on all of them together (``calibration_choice``, as
``qa.train calibrate`` does), and balanced F1 is then reported at that threshold for each source
alone. Writes ``benchmarks/results/reader_news.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from qa.reader import Reader
from qa.train import answers_read, calibration_choice, calibration_items, f1, no_answer_auc, scores_at
from qa.train_news import TITLE_PREFIX

OUT = Path(__file__).parent / "results" / "reader_news.json"


def at_threshold(conf: np.ndarray, f_answer: np.ndarray, has: np.ndarray, labels: np.ndarray, t: float) -> dict:
    return {"questions": int(len(conf)), **scores_at(conf, has, f_answer, labels, t),
            "has_answer_f1_forced": round(float(f_answer[has].mean()), 4), "no_answer_auc": round(no_answer_auc(conf, has), 4)}


def score(model: Path, items: list, passages: int) -> dict:
    reader = Reader(model)
    started = time.time()
    readings = [reader.read(ex.question, group) for ex, group, _, _ in items]
    choice = calibration_choice(items, readings, passages)
    rule = choice["decision"]
    threshold = choice[rule]["threshold"]
    conf, texts = answers_read(items, readings, rule)
    f_answer = np.array([f1(t, answers) for t, (_, _, answers, _) in zip(texts, items)])
    has = np.array([bool(answers) for _, _, answers, _ in items])
    labels = np.array([kind for *_, kind in items])
    news = np.array([ex.article.startswith(TITLE_PREFIX) for ex, *_ in items])
    report = {"model": str(model), "decision": rule, "threshold": threshold,
              "all": at_threshold(conf, f_answer, has, labels, threshold), "minutes": round((time.time() - started) / 60, 1)}
    for name, mask in (("news", news), ("squad", ~news)):
        if mask.any():
            report[name] = at_threshold(conf[mask], f_answer[mask], has[mask], labels[mask], threshold)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True)
    ap.add_argument("--val-articles", type=int, nargs="+", default=[3, 12])
    ap.add_argument("--models", type=Path, nargs="+", required=True)
    ap.add_argument("--passages", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    items = calibration_items(args.data, passages=args.passages, val_articles=args.val_articles, seed=args.seed)
    reports = []
    for model in args.models:
        reports.append(score(model, items, args.passages))
        print(json.dumps(reports[-1]), file=sys.stderr)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"data": [str(d) for d in args.data], "val_articles": args.val_articles,
                                        "items": len(items), "models": reports}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
