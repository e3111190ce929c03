"""The chat page under load: N questions from C concurrent gradio_client clients against a real server.

    python benchmarks/chat_load.py [-n 50] [--clients 10] [--url http://127.0.0.1:7860/] [--out FILE]

Without --url it starts ``python app.py`` on a free loopback port with a fresh data folder (the
seeds are ingested at start, before timing begins). Questions are eval/questions.yaml in order,
repeated if needed; each client has its own ``gradio_client.Client`` and takes the next question
until none are left. A question counts as an error when the call raises or the answer is not
JSON with an ``answer`` field. Prints p50/p95 latency (seconds, per question, including queueing)
and writes the numbers as JSON (default benchmarks/results/chat_load.json).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's qa and its test helpers


@contextmanager
def started_server() -> Iterator[tuple[str, dict[str, object]]]:
    """A fresh ``python app.py`` on loopback (the chat tests' own); yields its URL and its settings."""
    from qa.settings import Settings
    from tests.integration.chat_server import running_server

    with tempfile.TemporaryDirectory(prefix="chat_load_") as tmp:
        with running_server(Path(tmp)) as server:
            yield server.url, Settings().server.model_dump(include={"concurrency", "max_queue"})


def load_questions(path: Path, n: int) -> list[str]:
    questions = [q["question"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return [questions[i % len(questions)] for i in range(n)]


def run_load(url: str, questions: list[str], clients: int) -> tuple[list[float], list[str], float]:
    """(latencies of the successful questions, error messages, wall seconds)."""
    from gradio_client import Client

    pending = list(reversed(questions))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client_loop() -> None:
        client = Client(url, verbose=False)
        while True:
            with lock:
                if not pending:
                    return
                question = pending.pop()
            start = time.perf_counter()
            try:
                result = client.predict(question, 5, api_name="/ask")
                ok = isinstance(result, dict) and isinstance(result.get("answer"), str)
                error = None if ok else f"{question!r}: unexpected result {str(result)[:200]}"
            except Exception as exc:  # counted, not raised: the point is to count them
                error = f"{question!r}: {type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            with lock:
                (errors.append(error) if error else latencies.append(elapsed))

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="questions in all (default 50)")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients (default 10)")
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "chat_load.json")
    args = parser.parse_args(argv)

    questions = load_questions(args.questions, args.n)
    load_before = os.getloadavg()[0]  # a busy machine inflates latency: recorded beside the numbers
    if args.url:
        latencies, errors, wall = run_load(args.url, questions, args.clients)
        server: dict[str, object] = {"url": args.url}
    else:
        with started_server() as (url, server):
            latencies, errors, wall = run_load(url, questions, args.clients)
    result = {
        "questions": len(questions),
        "clients": args.clients,
        "errors": len(errors),
        "error_messages": errors[:10],
        "latency_s": {
            "p50": round(percentile(latencies, 50), 3) if latencies else None,
            "p95": round(percentile(latencies, 95), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
        },
        "wall_s": round(wall, 2),
        "questions_per_s": round(len(latencies) / wall, 2),
        "server": server,
        "machine": {
            "cpus": os.cpu_count(), "load_average_1m_before": round(load_before, 2),
            "python": platform.python_version(), "platform": platform.platform(),
        },
    }
    print(f"{len(questions)} questions, {args.clients} clients: {len(errors)} errors; latency p50 "
          f"{result['latency_s']['p50']} s, p95 {result['latency_s']['p95']} s, max {result['latency_s']['max']} s; "
          f"{result['questions_per_s']} questions/s over {result['wall_s']} s")
    for message in errors[:10]:
        print("  error:", message)
    write_results(args.out, result)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
