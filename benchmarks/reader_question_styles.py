"""How the way a question is written moves the reader, on the held-back training articles.

Each model file reads the same sample of held-back questions (answerable and unanswerable alike), each
with its own paragraph, once per style: as written, without its question mark, as a request ("Can you
tell me ..."), after a greeting, after a date ("Today is January 26, 2023."), and after a sentence of
its own article (``qa.train.with_preambles``). Each is read twice: the whole text, and what the reader
reads by default (``qa.reader_windows.question_sentence``: the question sentence that statements lead
up to). Scored at each file's calibrated threshold: F1 when always answering, share of answerable
questions answered, F1 with refusal, unanswerable refused.

    python benchmarks/reader_question_styles.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json \\
        --models epoch4.safetensors qa/models/reader.safetensors

Writes ``benchmarks/results/reader_question_styles.json``. Validation data only: no bench set is read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

import qa.reader
from qa.reader import Reader
from qa.train import Example, f1, load_squad, split_by_article, with_preambles

RESULTS = Path(__file__).parent / "results" / "reader_question_styles.json"

STYLES: dict[str, Callable[[str], str]] = {
    "as written": lambda q: q,
    "no question mark": lambda q: q.rstrip(" ?"),
    "a request": lambda q: "Can you tell me " + q[:1].lower() + q[1:],
    "after a greeting": lambda q: "Hi! Quick question. " + q,
    "after a date": lambda q: "Today is January 26, 2023. " + q,
}
PREAMBLE = "after a sentence of its article"


def sample(data: Path, n: int, seed: int) -> list[Example]:
    _, val = split_by_article(load_squad(data), 3, 13)  # the training run's split (qa.train defaults)
    rng = random.Random(seed)
    answerable = [e for e in val if e.answers]
    unanswerable = [e for e in val if not e.answers]
    return rng.sample(answerable, n) + rng.sample(unanswerable, n)


def score(reader: Reader, examples: list[Example], questions: list[str]) -> dict[str, float]:
    conf, f_answer, has = [], [], []
    for e, q in zip(examples, questions):
        r = reader.read(q, [e.context])[0]
        conf.append(r.confidence)
        f_answer.append(f1(e.context[r.span.start:r.span.end] if r.span else "", e.answers) if e.answers else 0.0)
        has.append(bool(e.answers))
    c, fa, h = np.array(conf), np.array(f_answer), np.array(has)
    answered = c > reader.threshold
    return {"has_answer_f1_forced": round(float(fa[h].mean()), 4),
            "answered": round(float(answered[h].mean()), 4),
            "has_answer_f1": round(float(np.where(answered, fa, 0.0)[h].mean()), 4),
            "unanswerable_refused": round(float((~answered)[~h].mean()), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the SQuAD 2.0 JSON the readers were trained on")
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="reader files to compare")
    parser.add_argument("--n", type=int, default=150, help="answerable and unanswerable questions each")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    examples = sample(args.data, args.n, args.seed)
    by_qid = {p.qid.removesuffix("/preamble"): p.question for p in with_preambles(examples, 1.0, args.seed)}
    kept = [e for e in examples if e.qid in by_qid]  # the few with no sentence free of the answer sit out
    results: dict = {"questions": len(examples), "models": {}}
    default = qa.reader.question_sentence
    for path in args.models:
        reader = Reader(path)
        results["models"][str(path)] = {"threshold": reader.threshold}
        for mode, reads in (("whole text", lambda q: q), ("question sentence", default)):
            qa.reader.question_sentence = reads
            row = {name: score(reader, examples, [style(e.question) for e in examples])
                   for name, style in STYLES.items()}
            row[PREAMBLE] = score(reader, kept, [by_qid[e.qid] for e in kept])
            results["models"][str(path)][mode] = row
            for name, s in row.items():
                print(f"{path.name:24s} {mode:17s} {name:32s} " + "  ".join(f"{k} {v:.3f}" for k, v in s.items()),
                      file=sys.stderr)
        qa.reader.question_sentence = default
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
