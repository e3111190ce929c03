"""How often a reader shows a false "the sources differ" when the rival passages come from other articles.

    python benchmarks/conflict_rivals.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json \
        training/news_qa/news_qa.json training/news_qa/news_qa_2.json --val-articles 3 12 12 \
        --models qa/models/reader.safetensors

``qa.train calibrate`` sets the conflict threshold (the confidence a second, *different* answer must
exceed to be shown beside the first) so that at most ``FALSE_CONFLICT_RATE`` of the held-back questions
answered right from their own paragraph would show one, with the rivals drawn from look-alike
paragraphs of the question's own article. At question time the other passages mostly come from other
articles. This reads each held-back answerable question twice, with its paragraph among 4 look-alikes
of its own article (as calibrated) and among the 4 paragraphs of *other* held-back articles nearest to
it by embedding (as retrieval would put them beside it; none of them answers it), at each model's own
thresholds, and reports, of the questions answered right from their own paragraph: the share that
would show a different answer from a rival (a false conflict) and the share where a rival clears the
answer threshold at all (an extra citation). Writes ``benchmarks/results/conflict_rivals.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from qa.answer import same_answer
from qa.chain import embedder_for
from qa.reader import Reader
from qa.settings import Settings
from qa.train import distractors, f1, paragraphs_by_article, split_files

OUT = Path(__file__).parent / "results" / "conflict_rivals.json"
RIVALS = 4


def groups(data: list[Path], val_articles: list[int], seed: int) -> list[tuple]:
    """(example, same-article group, other-article group) for every held-back answerable question."""
    _, val = split_files(data, val_articles, seed)
    by_article = paragraphs_by_article(val)
    paragraphs = [(a, p) for a, ps in by_article.items() for p in ps]
    embedder = embedder_for(Settings())
    p_vecs = embedder.embed([p for _, p in paragraphs])
    answerable = [ex for ex in val if ex.answers]
    q_vecs = embedder.embed([ex.question for ex in answerable])
    rng = random.Random(seed)
    out = []
    for ex, q in zip(answerable, q_vecs):
        order = np.argsort(-(p_vecs @ q))
        others = [paragraphs[i][1] for i in order if paragraphs[i][0] != ex.article][:RIVALS]
        same = [ex.context, *distractors(ex, by_article[ex.article], RIVALS)]
        other = [ex.context, *others]
        rng.shuffle(same)
        rng.shuffle(other)
        out.append((ex, same, other))
    return out


def rates(reader: Reader, ex, group: list[str]) -> tuple[bool, bool] | None:  # noqa: ANN001
    """None unless the question is answered right from its own paragraph; else (a rival clears the
    answer threshold, a rival's different answer clears the conflict threshold)."""
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
            any(c > reader.conflict_threshold and not same_answer(t, text) for c, t in rivals))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True)
    ap.add_argument("--val-articles", type=int, nargs="+", default=[3, 12, 12])
    ap.add_argument("--models", type=Path, nargs="+", required=True)
    ap.add_argument("--seed", type=int, default=13, help="the split seed the models were trained and calibrated with")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    items = groups(args.data, args.val_articles, args.seed)
    report = {"data": [str(p) for p in args.data], "val_articles": args.val_articles, "questions": len(items), "models": []}
    for model in args.models:
        reader = Reader(model)
        entry = {"model": str(model), "threshold": reader.threshold, "conflict_threshold": reader.conflict_threshold}
        for name, col in (("same_article_rivals", 1), ("other_article_rivals", 2)):
            rows = [r for r in (rates(reader, it[0], it[col]) for it in items) if r]
            entry[name] = {"answered_right": len(rows),
                           "rival_above_answer_threshold": round(float(np.mean([r[0] for r in rows])), 4),
                           "false_conflict_rate": round(float(np.mean([r[1] for r in rows])), 4)}
        report["models"].append(entry)
        print(json.dumps(entry), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
