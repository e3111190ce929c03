"""Cold `python -m qa ask` per embedding backend: wall time and peak RSS of fresh processes.

    python benchmarks/cold_ask.py [-n 5] [--question "..."] [--out benchmarks/results/cold_ask.json]

Builds an index of seeds/ once in a temporary data folder (and exports the ONNX model once into a
temporary cache folder), then runs N new `ask` processes per backend, alternating
QA_EMBEDDING__BACKEND=torch and onnx, after one untimed warm-up each. Peak RSS is the child's
ru_maxrss from os.wait4. Prints a table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How many peshmerga did Turkey train?"
BACKENDS = ("torch", "onnx")


def run_once(args: list[str], env: dict[str, str], expect: str | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one new process; fails loudly if it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0 or (expect is not None and expect not in stdout):
        raise SystemExit(f"{' '.join(args)} failed (exit {proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # Linux: KiB


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5, help="timed runs per backend (default 5)")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--expect", default="1,600", help="text the answer must contain (default '1,600')")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cold_ask.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="qa-cold-ask-") as tmp:
        data_dir, cache_dir = Path(tmp) / "data", Path(tmp) / "cache"
        base = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "QA_DATA_DIR": str(data_dir),
            "QA_EMBEDDING__CACHE_DIR": str(cache_dir),
        }
        envs = {backend: {**base, "QA_EMBEDDING__BACKEND": backend} for backend in BACKENDS}

        print(f"building the index of seeds/ in {data_dir} (and the ONNX export in {cache_dir}) ...", flush=True)
        wall, _ = run_once(["-m", "qa", "ingest", "seeds", "--quiet"], envs["onnx"])
        print(f"  done in {wall:.1f} s", flush=True)

        ask = ["-m", "qa", "ask", args.question]
        for backend in BACKENDS:  # untimed: page cache, .pyc files
            run_once(ask, envs[backend], args.expect)

        runs: dict[str, list[tuple[float, float]]] = {backend: [] for backend in BACKENDS}
        for i in range(args.n):
            for backend in BACKENDS:
                wall, rss = run_once(ask, envs[backend], args.expect)
                runs[backend].append((wall, rss))
                print(f"  run {i + 1}/{args.n} {backend:5s} {wall:6.2f} s {rss:7.1f} MiB", flush=True)

    results = {
        backend: {
            "wall_s": summary([w for w, _ in runs[backend]]),
            "peak_rss_mib": summary([r for _, r in runs[backend]]),
            "runs": [{"wall_s": round(w, 3), "peak_rss_mib": round(r, 1)} for w, r in runs[backend]],
        }
        for backend in BACKENDS
    }
    torch, onnx = results["torch"], results["onnx"]
    report = {
        "question": args.question,
        "runs_per_backend": args.n,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "backends": results,
        "torch_over_onnx": {
            "wall_median": round(torch["wall_s"]["median"] / onnx["wall_s"]["median"], 2),
            "peak_rss_median": round(torch["peak_rss_mib"]["median"] / onnx["peak_rss_mib"]["median"], 2),
        },
    }

    print(f"\ncold `python -m qa ask` ({args.n} runs each, {os.cpu_count()} CPUs)")
    print(f"{'backend':8s} {'wall median':>12s} {'min':>7s} {'max':>7s} {'peak RSS median':>16s} {'max':>8s}")
    for backend in BACKENDS:
        w, r = results[backend]["wall_s"], results[backend]["peak_rss_mib"]
        print(
            f"{backend:8s} {w['median']:10.2f} s {w['min']:7.2f} {w['max']:7.2f} "
            f"{r['median']:12.0f} MiB {r['max']:8.0f}"
        )
    ratio = report["torch_over_onnx"]
    print(f"torch / onnx: wall {ratio['wall_median']}x, peak RSS {ratio['peak_rss_median']}x")

    write_results(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
