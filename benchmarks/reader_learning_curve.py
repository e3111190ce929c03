"""Learning curve of the span reader: training questions vs validation scores, has-answer and no-answer apart.

Issue 13 asks for it where the targets look out of reach. Each point trains the reader from the
packaged base for one epoch on a seeded sample of the training questions (``--limit``), with no
added negatives and the training command's defaults otherwise, and scores the held-back articles
(the same three the shipped model was validated on). ``--models`` adds already-trained files
(e.g. the shipped reader) scored the same way. Nothing here reads an eval set.

    python benchmarks/reader_learning_curve.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json \
        --sizes 1000 2000 4000 --models qa/models/reader.safetensors

Writes ``benchmarks/results/reader_learning_curve.json`` after every point (a long run can be stopped).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "reader_learning_curve.json"
# per decision rule: the separation (no_answer_auc), and these scores at the balanced-F1 threshold and at
# the one that refuses the target share of the unanswerable questions (qa.train.TARGET_REFUSAL)
AT_THRESHOLD = ("threshold", "has_answer_f1", "false_refusal_rate", "refused_unanswerable", "balanced_f1")


def summary(report: dict) -> dict:
    """The validation report's numbers that a curve plots: forced F1, and per decision rule the separation."""
    return {"has_answer_f1_forced": report["has_answer_f1_forced"], "decision": report["decision"],
            **{k: {"no_answer_auc": report[k]["no_answer_auc"], **{f: report[k][f] for f in AT_THRESHOLD},
                   "at_target_refusal": {f: report[k]["at_target_refusal"][f] for f in AT_THRESHOLD}}
               for k in ("margin", "answerable", "sum")}}


def score_file(data: Path, model_file: Path, val_articles: int, seed: int) -> dict:
    """Validate a trained model file exactly as training validates after each epoch."""
    from tokenizers import Tokenizer

    from qa.embed import PACKAGED_MODEL, resolve_model_path
    from qa.reader_model import load_reader
    from qa.train import featurise, load_squad, split_by_article, validate

    base = resolve_model_path(PACKAGED_MODEL)
    tokenizer = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    _, val_ex = split_by_article(load_squad(data), val_articles, seed)
    model, meta = load_reader(base, model_file)
    report = validate(model, val_ex, featurise(tokenizer, val_ex))
    report["training"] = {k: meta.get(k) for k in ("train_questions", "epoch", "init", "lr", "missing_negatives")}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000])
    parser.add_argument("--models", type=Path, nargs="*", default=[], help="trained files to score as well")
    parser.add_argument("--work", type=Path, default=Path("/tmp/reader_curve"), help="where the curve's models go")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--val-articles", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from qa.train import train_reader

    points: list[dict] = json.loads(args.out.read_text()) if args.out.exists() else []

    def record(point: dict) -> None:
        points[:] = [p for p in points if p["label"] != point["label"]] + [point]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(points, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(point), file=sys.stderr)

    for path in args.models:
        report = score_file(args.data, path, args.val_articles, args.seed)
        record({"label": path.name, "train_questions": report["training"]["train_questions"],
                "training": report["training"], **summary(report)})
    args.work.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        started = time.time()
        report = train_reader([args.data], args.work / f"reader_{n}.safetensors", epochs=1, batch_size=16, lr=args.lr,
                              rank=16, val_articles=[args.val_articles], seed=args.seed, limit=n, log=None, missing=0.0)
        record({"label": f"one epoch, {n} questions", "train_questions": report["train_questions"],
                "train_windows": report["train_windows"], "minutes": round((time.time() - started) / 60, 1),
                **summary(report)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
