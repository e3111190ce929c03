"""Warm per-question time of each stage: retrieval, the offline answerer, verification.

    python benchmarks/answer_latency.py [--questions eval/questions.yaml] [--out benchmarks/results/answer_latency.json]

Indexes seeds/ once in a temporary data folder, then, in one process with the model loaded, asks
every question of the file three times, timing each stage: "cold" gives each question a new
answerer (an empty sentence cache: every candidate sentence is embedded, as for passages never seen
before); "first" keeps one answerer across the questions (the seeds are small, so later questions
find many sentences of earlier ones); "cached" asks them all again (as a long-running `serve` or
`eval` does for passages seen before). Prints medians and p90s in ms and writes them as JSON. The
answerer's target: at most 50 ms added to retrieval.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chain import QAChain, make_answerer  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.verify import verify_answer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "eval/questions.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/answer_latency.json")
    args = parser.parse_args()
    questions = [q.question for q in load_questions(args.questions)]
    with tempfile.TemporaryDirectory() as data:
        chain = QAChain(Settings(data_dir=Path(data), corpus_dir=ROOT / "seeds", answer={"backend": "extractive"}))
        chain.ensure_ingested(log=lambda _: None)
        chain.retriever().invoke("warm-up")
        runs: dict[str, dict[str, list[float]]] = {}
        for run in ("cold", "first", "cached"):
            times: dict[str, list[float]] = runs.setdefault(run, {"retrieve": [], "answer": [], "verify": []})
            for q in questions:
                if run == "cold":
                    chain.answerer = make_answerer(chain.settings)
                t0 = time.perf_counter()
                passages = chain.retriever().invoke(q)
                t1 = time.perf_counter()
                answer = chain.answerer.answer(q, passages)
                t2 = time.perf_counter()
                verify_answer(answer, chain.verifier)
                t3 = time.perf_counter()
                for stage, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2)):
                    times[stage].append(seconds * 1000)
    result: dict[str, object] = {
        f"{run}_{stage}": {"median_ms": round(statistics.median(v), 1), "p90_ms": round(sorted(v)[int(0.9 * len(v))], 1)}
        for run, times in runs.items() for stage, v in times.items()
    }
    result |= {"questions": len(questions), "k": chain.settings.retrieval.k, "machine": platform.platform(),
               "cpus": __import__("os").cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M")}
    for name, value in result.items():
        if isinstance(value, dict):
            print(f"{name:<16} median {value['median_ms']:7.1f} ms   p90 {value['p90_ms']:7.1f} ms")
    write_results(args.out, result)


if __name__ == "__main__":
    main()
