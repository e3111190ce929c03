"""Every speed benchmark in one run, with the LangChain tutorial pipeline measured beside qa.

    python benchmarks/run_all.py                       # everything (slow: ~15-30 min on 2 cores)
    python benchmarks/run_all.py --only cold,memory    # some parts: cold, warm, memory, growth
    python benchmarks/run_all.py --sizes 1000,10000 -n 5

Parts:
* cold: wall time and peak RSS of a new ``python -m qa ask`` process with the index already built,
  alternating with ``benchmarks/tutorial_baseline.py ask`` (median of -n runs each, after one untimed
  warm-up each).
* warm: in-process question latency (retrieval + answer, and retrieval alone) over eval/questions.yaml,
  on the seeds and on the generated 10,000-passage collection.
* memory: peak RSS of ``ask`` (from the cold runs) and of ``python -m qa serve`` idle after start-up.
* growth: a corpus generated from the seeds' sentences at each size. Embedding it for real takes
  ~40 min at 50,000 passages on 2 cores, so every size is ingested with random unit vectors (which
  measures everything but the model: reading, cleaning, chunking, Chroma writes), the model's
  throughput is measured on a sample, and ingest time = measured + passages / throughput. The
  smallest size is also ingested for real, to check that estimate. Index size is measured on disk;
  query latency is measured with real query embeddings against the random-vector index.

Writes benchmarks/results/run_all.json (merged with earlier parts), run_all.md and growth.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cold_ask import run_once  # noqa: E402  (a sibling script, not a package)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUESTION = "How many peshmerga did Turkey train?"
PARTS = ("cold", "warm", "memory", "growth")
TARGETS = {"cold_ask_s": 2.0, "cold_ratio": 0.5, "warm_p50_ms_10k": 60.0, "ask_rss_mib": 600.0}


def quiet(_: str) -> None:
    """A log that drops ingest's progress lines."""


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
        "n": len(ordered),
    }


def questions() -> list[str]:
    import yaml

    return [q["question"] for q in yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())]


def du_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


# -- cold ask and memory ----------------------------------------------------------------------
def cold(work: Path, env: dict[str, str], n: int) -> dict:
    qa_ask = ["-m", "qa", "ask", QUESTION]
    baseline_dir = work / "tutorial"
    base_ask = ["benchmarks/tutorial_baseline.py", "ask", "--persist", str(baseline_dir), QUESTION]
    print("cold: building the tutorial baseline's index of seeds/ ...", flush=True)
    run_once(["benchmarks/tutorial_baseline.py", "build", "--persist", str(baseline_dir), "seeds"], env)
    run_once(qa_ask, env, "1,600")
    run_once(base_ask, env, "peshmerga")
    runs: dict[str, list[tuple[float, float]]] = {"qa": [], "tutorial": []}
    for i in range(n):
        for name, args, expect in (("qa", qa_ask, "1,600"), ("tutorial", base_ask, "peshmerga")):
            wall, rss = run_once(args, env, expect)
            runs[name].append((wall, rss))
            print(f"  cold {i + 1}/{n} {name:8s} {wall:6.2f} s {rss:6.0f} MiB", flush=True)
    out = {
        name: {
            "wall_s_median": round(statistics.median(w for w, _ in r), 2),
            "wall_s_runs": [round(w, 2) for w, _ in r],
            "peak_rss_mib_median": round(statistics.median(m for _, m in r)),
        }
        for name, r in runs.items()
    }
    out["qa_over_tutorial"] = round(out["qa"]["wall_s_median"] / out["tutorial"]["wall_s_median"], 2)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_memory(env: dict[str, str], idle_s: float = 5.0) -> dict:
    """Peak and current RSS of the chat server, idle after it answers its first page request."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        start = time.perf_counter()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - start > 300:
                    raise SystemExit("the chat server did not start") from None
                time.sleep(0.5)
        ready = time.perf_counter() - start
        time.sleep(idle_s)
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines() if ":" in line
        )
        mib = {key: round(int(status[key].split()[0]) / 1024) for key in ("VmHWM", "VmRSS")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"ready_s": round(ready, 1), "peak_rss_mib": mib["VmHWM"], "idle_rss_mib": mib["VmRSS"]}


# -- warm latency -----------------------------------------------------------------------------
def latency(chain, qs: list[str]) -> dict:  # noqa: ANN001 - a QAChain
    """Retrieval alone and retrieval + answer per question, then the answers again with the cache cold.

    ``ask_cold_ms`` gives each question a new answerer, as a fresh process would.
    """
    from qa.chain import make_answerer

    chain.ask(qs[0])  # load the models
    retrieve_ms, ask_ms, cold_ms = [], [], []
    for q in qs:
        t0 = time.perf_counter()
        chain.retrieve(q)
        t1 = time.perf_counter()
        chain.ask(q)
        t2 = time.perf_counter()
        retrieve_ms.append((t1 - t0) * 1000)
        ask_ms.append((t2 - t1) * 1000)
    for q in qs:
        chain.answerer = make_answerer(chain.settings)
        t0 = time.perf_counter()
        chain.ask(q)
        cold_ms.append((time.perf_counter() - t0) * 1000)
    return {"ask_ms": percentiles(ask_ms), "ask_cold_ms": percentiles(cold_ms), "retrieve_ms": percentiles(retrieve_ms)}


# -- generated corpora ------------------------------------------------------------------------
class RandomUnitEmbedder:
    """Random unit vectors under the real model's name: indexes at scale without the model's cost."""

    def __init__(self, name: str, dim: int = 384, seed: int = 0) -> None:
        self.name = name
        self.dim = dim
        self.rng = np.random.default_rng(seed)

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:  # noqa: ANN001
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def generate_corpus(folder: Path, passages: int, chunking, seed: int = 0) -> int:  # noqa: ANN001
    """Articles of 20-30 sentences drawn from the seeds' sentences until ``passages`` passages; returns articles."""
    from qa.chunk import chunk, split_sentences
    from qa.clean import clean
    from qa.load import read

    pool = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = clean(read(path, path.parent)).text
        pool += [text[s.start : s.end] for s in split_sentences(text) if len(text[s.start : s.end].split()) >= 5]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    total = articles = 0
    while total < passages:
        sentences = rng.sample(pool, rng.randint(20, 30))
        title = " ".join(sentences[0].split()[:8])
        body = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))
        text = f"{title} (story {articles})\n\n{body}\n"
        total += len(chunk(f"g{articles}", text, chunking))
        (folder / f"g{articles:06d}.txt").write_text(text, encoding="utf-8")
        articles += 1
    return articles


def embedding_throughput(embedder, texts: list[str]) -> float:  # noqa: ANN001
    embedder.embed(texts[:32])
    start = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - start)


def growth(work: Path, sizes: list[int], qs: list[str], real_up_to: int = 1000) -> dict:
    """One row per size; sizes up to ``real_up_to`` passages are also ingested with the real model."""
    from qa.chain import QAChain, embedder_for
    from qa.chunk import chunk
    from qa.clean import clean
    from qa.ingest import embedding_text, ingest_folder
    from qa.load import read
    from qa.settings import Settings

    settings = Settings(data_dir=work / "growth-data")
    real = embedder_for(settings)
    rows = []
    throughput = None
    for size in sizes:
        corpus = work / f"corpus-{size}"
        articles = generate_corpus(corpus, size, settings.chunk)
        s = settings.with_overrides(data_dir=work / f"index-{size}", collection=f"g{size}")
        chain = QAChain(s, embedder=real)
        start = time.perf_counter()
        # random passage vectors: the growth rows time the index, not the model (estimated below)
        report = ingest_folder(corpus, chain.index, RandomUnitEmbedder(real.name), s.chunk, progress=False, log=quiet)
        without_model = time.perf_counter() - start
        if throughput is None:
            sample = []
            for path in sorted(corpus.glob("*.txt"))[:60]:
                article = clean(read(path, corpus))
                sample += [embedding_text(article, p) for p in chunk(article.doc_id, article.text, s.chunk)]
            throughput = embedding_throughput(real, sample[:256])
        estimate = without_model + report.passages / throughput
        row = {
            "passages": report.passages,
            "articles": articles,
            "ingest_without_model_s": round(without_model, 1),
            "ingest_estimated_s": round(estimate, 1),
            "embed_passages_per_s": round(throughput, 1),
            "index_mib": du_mib(s.data_dir),
            **latency(chain, qs),
        }
        if size <= real_up_to:
            real_dir = work / f"index-{size}-real"
            real_chain = QAChain(s.with_overrides(data_dir=real_dir), embedder=real)
            start = time.perf_counter()
            ingest_folder(corpus, real_chain.index, real, s.chunk, progress=False, log=quiet)
            row["ingest_real_s"] = round(time.perf_counter() - start, 1)
            real_chain.index.close()
            shutil.rmtree(real_dir)
        chain.index.close()
        rows.append(row)
        print(f"  growth {json.dumps(row)}", flush=True)
        shutil.rmtree(corpus)
    return {"sizes": rows}


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["passages"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    ax.plot(x, [r["ingest_estimated_s"] / 60 for r in rows], "o-", label="estimated, with embedding")
    ax.plot(x, [r["ingest_without_model_s"] / 60 for r in rows], "s--", label="measured, without the model")
    real = [(r["passages"], r["ingest_real_s"] / 60) for r in rows if "ingest_real_s" in r]
    if real:
        ax.plot(*zip(*real), "k^", label="measured, real embedding")
    ax.set(title="ingest time", ylabel="minutes")
    ax.legend(fontsize=8)
    axes[1].plot(x, [r["index_mib"] for r in rows], "o-")
    axes[1].set(title="index size on disk", ylabel="MiB")
    axes[2].plot(x, [r["retrieve_ms"]["p50"] for r in rows], "o-", label="retrieval p50")
    axes[2].plot(x, [r["ask_ms"]["p50"] for r in rows], "s-", label="retrieval + answer p50")
    axes[2].set(title="warm question latency", ylabel="ms")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("passages")
        ax.grid(alpha=0.3)
    fig.suptitle(f"qa on {os.cpu_count()} CPU cores: growth with the number of passages (generated corpus)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


# -- report -----------------------------------------------------------------------------------
def markdown(r: dict) -> str:
    lines = [f"Measured {r['date']} on {r['machine']['cpus']} CPU cores (load average at start: {r['machine']['load']}).", ""]
    lines += ["| measure | qa | tutorial LangChain pipeline | target |", "|---|---|---|---|"]
    if "cold" in r:
        c = r["cold"]
        lines.append(
            f"| cold `ask`, median wall of {len(c['qa']['wall_s_runs'])} new processes | {c['qa']['wall_s_median']} s | "
            f"{c['tutorial']['wall_s_median']} s (retrieval only) | ≤ 2.0 s and ≤ 0.5× tutorial: "
            f"{c['qa_over_tutorial']}× |"
        )
        lines.append(
            f"| peak RSS of `ask` | {c['qa']['peak_rss_mib_median']} MiB | {c['tutorial']['peak_rss_mib_median']} MiB | ≤ 600 MiB |"
        )
    if "memory" in r:
        m = r["memory"]
        lines.append(
            f"| chat server idle (`serve`) | {m['idle_rss_mib']} MiB now, {m['peak_rss_mib']} MiB peak, ready in {m['ready_s']} s | | |"
        )
    if "warm" in r:
        for name, w in r["warm"].items():
            lines.append(
                f"| warm question, {name}: retrieval + answer p50 / p95 | {w['ask_ms']['p50']} / {w['ask_ms']['p95']} ms | | "
                f"{'≤ 60 ms p50' if name.startswith('10') else ''} |"
            )
            if "ask_cold_ms" in w:
                lines.append(
                    f"| warm question, {name}: retrieval + answer, sentence cache emptied before each question, "
                    f"p50 / p95 | {w['ask_cold_ms']['p50']} / {w['ask_cold_ms']['p95']} ms | | |"
                )
            lines.append(
                f"| warm question, {name}: retrieval alone p50 / p95 | {w['retrieve_ms']['p50']} / {w['retrieve_ms']['p95']} ms | | |"
            )
    if "growth" in r:
        lines += [
            "",
            "| passages | articles | ingest, measured without the model | ingest, estimated with embedding | "
            "ingest, real | index on disk | retrieval p50 / p95 | retrieval + answer p50 / p95 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for g in r["growth"]["sizes"]:
            real = f"{g['ingest_real_s']} s" if "ingest_real_s" in g else "—"
            lines.append(
                f"| {g['passages']:,} | {g['articles']:,} | {g['ingest_without_model_s']} s | {g['ingest_estimated_s']} s "
                f"({g['embed_passages_per_s']} passages/s) | {real} | {g['index_mib']} MiB | "
                f"{g['retrieve_ms']['p50']} / {g['retrieve_ms']['p95']} ms | {g['ask_ms']['p50']} / {g['ask_ms']['p95']} ms |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts (default: all of {','.join(PARTS)})")
    parser.add_argument("-n", type=int, default=5, help="cold runs per pipeline (default 5)")
    parser.add_argument("--sizes", default="1000,10000,50000", help="growth sizes in passages")
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    sizes = sorted(int(s) for s in args.sizes.split(","))

    out_json = RESULTS / "run_all.json"
    report = json.loads(out_json.read_text()) if out_json.exists() else {}
    report["date"] = time.strftime("%Y-%m-%d")
    report["machine"] = {
        "cpus": os.cpu_count(), "python": platform.python_version(), "load": round(os.getloadavg()[0], 1)
    }
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_DATA_DIR": str(work / "data"), "PYTHONPATH": str(ROOT)}
        if {"cold", "memory", "warm"} & set(parts):
            run_once(["-m", "qa", "ingest", "seeds", "--quiet"], env)
        if "cold" in parts:
            report["cold"] = cold(work, env, args.n)
        if "memory" in parts:
            report["memory"] = server_memory(env)
            print(f"  memory {report['memory']}", flush=True)
        if "warm" in parts or "growth" in parts:
            qs = questions()
        if "growth" in parts:
            report["growth"] = growth(work, sizes, qs)
            plot(report["growth"]["sizes"], RESULTS / "growth.png")
        if "warm" in parts:
            from qa.chain import QAChain
            from qa.settings import Settings

            report["warm"] = {"seeds (34 passages)": latency(QAChain(Settings(data_dir=work / "data")), qs)}
            print(f"  warm seeds {report['warm']}", flush=True)
            rows = report["growth"]["sizes"] if "growth" in parts else []
            ten = next((r for r in rows if 10_000 <= r["passages"] < 10_100), None)
            ten = ten or growth(work / "warm", [10_000], qs, real_up_to=0)["sizes"][0]
            report["warm"]["10,000 passages"] = {k: ten[k] for k in ("ask_ms", "ask_cold_ms", "retrieve_ms")}

    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / "run_all.md").write_text(table)
    print("\n" + table + f"\nwrote {out_json}, {RESULTS / 'run_all.md'}" + (", growth.png" if "growth" in parts else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
