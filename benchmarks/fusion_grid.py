"""Retrieval quality of score fusion over a grid of BM25 weights and per-article caps, on several sets at once.

The fusion settings are chosen on all question sets together, never per set; this prints, for each
(``retrieval.lexical_weight``, ``retrieval.max_per_article``), doc recall@5 and answer-in-passages@5 on
every set, the same metrics ``python -m qa eval`` reports (weight 0 is the embedding order alone).

    python benchmarks/fusion_grid.py eval/questions.yaml ../shared/bench/*/questions.yaml

Each set's corpus is ingested into its eval collection first if needed, as ``qa eval`` does.
Writes benchmarks/results/fusion_grid.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chain import QAChain  # noqa: E402
from qa.evaluate import (  # noqa: E402
    collection_for,
    corpus_for,
    load_questions,
    metrics,
    retrieval_row,
    with_duplicate_originals,
)
from qa.ingest import ingest_folder  # noqa: E402
from qa.retrieve import hybrid_search  # noqa: E402
from qa.settings import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "fusion_grid.json"
WEIGHTS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
CAPS = (2, 3)


def grid(question_file: Path, settings: Settings) -> dict[str, dict[str, float]]:
    """``{"w=0.2 cap=3": {"doc_recall_at_k": ..., "answer_in_passages": ..., "mrr": ...}, ...}`` for one set."""
    corpus = corpus_for(question_file, None, settings)
    chain = QAChain(settings.with_overrides(collection=collection_for(corpus)))
    ingest_folder(corpus, chain.index, chain.embedder, chain.settings.chunk, progress=False)
    duplicates = chain.index.duplicates()
    questions = [with_duplicate_originals(q, duplicates) for q in load_questions(question_file)]
    configs = {
        f"w={w} cap={cap}": chain.settings.retrieval.model_copy(update={"lexical_weight": w, "max_per_article": cap})
        for w in WEIGHTS for cap in CAPS
    }
    rows: dict[str, list] = {name: [] for name in configs}
    for q in questions:
        for name, retrieval in configs.items():  # one question at a time: its embedding is computed once
            docs = hybrid_search(
                chain.index, chain.embedder, chain.lexical(), retrieval, q.question, retrieval.k, as_of=q.question_date
            )
            rows[name].append(retrieval_row(q, [d.metadata["doc_id"] for d in docs], [d.page_content for d in docs], 0.0))
    return {
        name: {key: metrics(r)[key] for key in ("doc_recall_at_k", "answer_in_passages", "mrr")}
        for name, r in rows.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, nargs="+", help="question files (YAML, as for qa eval)")
    args = parser.parse_args()
    settings = Settings()
    results = {"date": dt.date.today().isoformat(), "sets": {}}
    for path in args.questions:
        name = path.parent.name if path.parent.name != "eval" else "seeds"
        results["sets"][name] = grid(path, settings)  # type: ignore[index]
    sets = list(results["sets"])  # type: ignore[call-overload]
    print("config".ljust(16) + "".join(s[:14].ljust(16) for s in sets) + "(doc recall@5 / answer in passages@5)")
    for config in next(iter(results["sets"].values())):  # type: ignore[attr-defined]
        cells = [results["sets"][s][config] for s in sets]  # type: ignore[index]
        print(config.ljust(16) + "".join(f"{c['doc_recall_at_k']:.3f} / {c['answer_in_passages']:.3f}".ljust(16) for c in cells))
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
