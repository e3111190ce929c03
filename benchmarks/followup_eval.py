"""Follow-up questions as typed vs. as rewritten by qa.followup: gold-article recall@k and answer accuracy.

    python benchmarks/followup_eval.py [--conversations eval/followups.yaml] [--corpus seeds] [--out FILE]

Each conversation has a first question, asked as is, and a follow-up scored against its own gold
articles and accepted answers twice: as typed, and rewritten from the first turn (its question and
short answer), as the chat page does. Uses the same cached collection per corpus as ``qa eval``.
Prints one row per conversation and the totals; writes them as JSON
(default benchmarks/results/followup_eval.json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=Path, default=ROOT / "eval" / "followups.yaml")
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "followup_eval.json")
    args = parser.parse_args(argv)

    from qa.chain import QAChain
    from qa.evaluate import collection_for, is_correct
    from qa.followup import Turn, resolve
    from qa.ingest import ingest_folder
    from qa.settings import Settings

    settings = Settings().with_overrides(collection=collection_for(args.corpus))
    chain = QAChain(settings)
    ingest_folder(args.corpus, chain.index, chain.embedder, settings.chunk, progress=False, log=lambda _: None)

    rows = []
    for conv in yaml.safe_load(args.conversations.read_text(encoding="utf-8")):
        first = chain.ask(conv["first"])
        rewrite = resolve(conv["followup"], Turn(first.question, "" if first.refused else first.short_answer))
        row = {"first": conv["first"], "followup": conv["followup"], "rewritten": rewrite.question}
        for variant, question in (("typed", rewrite.typed), ("rewritten", rewrite.question)):
            answer = chain.ask(question)
            row[variant] = {
                "gold_retrieved": any(p.doc_id in conv["gold_docs"] for p in answer.passages),
                "correct": not answer.refused and is_correct(answer.short_answer, conv["answers"]),
                "short_answer": answer.short_answer[:120],
            }
        rows.append(row)
        mark = {True: "✓", False: "·"}
        print(f"{mark[row['typed']['gold_retrieved']]}{mark[row['typed']['correct']]} → "
              f"{mark[row['rewritten']['gold_retrieved']]}{mark[row['rewritten']['correct']]}  "
              f"{conv['followup']!r} → {rewrite.question!r}: {row['rewritten']['short_answer'][:60]!r}")

    n = len(rows)
    totals = {
        variant: {
            "doc_recall_at_k": round(sum(r[variant]["gold_retrieved"] for r in rows) / n, 3),
            "answer_accuracy": round(sum(r[variant]["correct"] for r in rows) / n, 3),
        }
        for variant in ("typed", "rewritten")
    }
    totals["rewritten_share"] = round(sum(r["rewritten"] != r["followup"] for r in rows) / n, 3)
    print(f"{n} follow-ups, k={settings.retrieval.k}: as typed {totals['typed']}; rewritten {totals['rewritten']}")
    write_results(args.out, {"k": settings.retrieval.k, "totals": totals, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
