"""A validation set for retrieval settings made of training data only, never of the eval sets.

    python benchmarks/training_val.py build --out /tmp/val \\
        --squad ../shared/train/squad2_dev_train/squad2_dev_train.json
    QA_CHUNK__TARGET_CHARS=500 QA_DATA_DIR=/tmp/val-data-500 python -m qa eval \\
        --questions /tmp/val/questions.yaml --thresholds /dev/null --json /tmp/val/t500.json
    python benchmarks/training_val.py report /tmp/val/t500.json /tmp/val/t700.json

``build`` writes ``corpus/`` (the written news pages of ``training/news_qa``, as scraped, and the
SQuAD-train articles whole, long pages) and ``questions.yaml`` beside it (answerable and unanswerable
questions sampled from each, seeded), so ``qa eval`` indexes and scores it like any bench set.
``report`` prints the metrics of ``qa eval --json`` outputs for the news and SQuAD halves apart, with
the retrieval score used to choose settings: the mean over the halves of (doc recall + answer in
passages) / 2. Results go to ``benchmarks/results/training_val.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import fields
from pathlib import Path

import yaml

from bench_output import write_results
from qa.evaluate import Row, metrics

ROOT = Path(__file__).resolve().parents[1]
NEWS_PAGES = [ROOT / "training" / "news_qa" / name for name in ("pages.json", "pages_2.json")]
RESULTS = Path(__file__).parent / "results" / "training_val.json"
HALVES = {"news": "news_", "squad": "squad_"}
SHOWN = ("doc_recall_at_k", "answer_in_passages", "mrr", "answer_accuracy", "answer_f1", "refusal_accuracy",
         "false_refusal_rate", "citation_precision", "seconds_per_question")


def question(qid: str, text: str, answers: list[str], doc: str) -> dict:
    return {"id": qid, "question": text, "answers": answers, "gold_docs": [doc] if answers else [],
            "answerable": bool(answers)}


def news_questions(corpus: Path) -> list[dict]:
    out = []
    for pages in NEWS_PAGES:
        for i, page in enumerate(json.loads(pages.read_text(encoding="utf-8"))["articles"]):
            name = f"news_{pages.stem}_{i:03d}.txt"
            (corpus / name).write_text(page["title"] + "\n\n" + page["text"], encoding="utf-8")
            out += [question(f"{name[:-4]}_q{j}", q["question"], [q["answer"]] if q["answer"] else [], name)
                    for j, q in enumerate(page["qas"])]
    return out


def squad_questions(corpus: Path, squad: Path) -> list[dict]:
    out = []
    for article in json.loads(squad.read_text(encoding="utf-8"))["data"]:
        name = "squad_" + re.sub(r"[^A-Za-z0-9]+", "_", article["title"]).strip("_") + ".txt"
        text = "\n\n".join(p["context"] for p in article["paragraphs"])
        (corpus / name).write_text(article["title"].replace("_", " ") + "\n\n" + text, encoding="utf-8")
        out += [question(f"squad_{q['id']}", q["question"], list(dict.fromkeys(a["text"] for a in q["answers"])), name)
                for p in article["paragraphs"] for q in p["qas"]]
    return out


def build(out: Path, squad: Path, answerable: int, unanswerable: int, seed: int) -> None:
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    picked = []
    for items in (news_questions(corpus), squad_questions(corpus, squad)):
        picked += rng.sample([q for q in items if q["answerable"]], answerable)
        picked += rng.sample([q for q in items if not q["answerable"]], unanswerable)
    (out / "questions.yaml").write_text(yaml.safe_dump(picked, sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"{out}: {len(picked)} questions over {sum(1 for _ in corpus.iterdir())} articles")


def report(outputs: list[Path]) -> None:
    names = {f.name for f in fields(Row)}
    results = {}
    for path in outputs:
        rows = [Row(**{k: v for k, v in r.items() if k in names})
                for r in json.loads(path.read_text(encoding="utf-8"))["per_question"]]
        halves = {half: metrics([r for r in rows if r.id.startswith(prefix)]) for half, prefix in HALVES.items()}
        score = sum((m["doc_recall_at_k"] + m["answer_in_passages"]) / 2 for m in halves.values()) / len(halves)
        results[path.name] = {"score": round(score, 4), **{h: {k: m[k] for k in SHOWN} for h, m in halves.items()}}
        print(f"{path.name}: score {score:.4f}")
        for half, m in halves.items():
            print(f"  {half:6} " + " ".join(f"{k}={m[k]}" for k in SHOWN))
    write_results(RESULTS, results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write corpus/ and questions.yaml")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--squad", type=Path, required=True, help="squad2_dev_train.json")
    b.add_argument("--answerable", type=int, default=300, help="answerable questions per half")
    b.add_argument("--unanswerable", type=int, default=100, help="unanswerable questions per half")
    b.add_argument("--seed", type=int, default=17)
    r = sub.add_parser("report", help="metrics per half of qa eval --json outputs")
    r.add_argument("outputs", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.squad, args.answerable, args.unanswerable, args.seed)
    else:
        report(args.outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
