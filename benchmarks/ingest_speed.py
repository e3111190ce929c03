"""Ingest throughput against plain sentence-transformers, and the cost of re-ingesting unchanged files.

    python benchmarks/ingest_speed.py [--articles 2000] [--bench ../shared/bench] [--torch-ingest] [--out FILE]

Builds a corpus of at least --articles news-like articles in a temporary folder from the
benchmark corpora (every file of BENCH/*/corpus, then articles joining two of them, which share
at most about half their text with any other, until there are enough), then runs, side by side,
each as a fresh process:

  (a)  plain sentence-transformers ``encode`` (torch) of exactly the texts (b) embedded
  (b)  ``python -m qa ingest`` with the default ONNX Runtime embedder, into an empty index
  (b') with --torch-ingest: the same with ``QA_EMBEDDING__BACKEND=torch``, into another empty index
  (c)  ``python -m qa ingest`` again over (b)'s index, nothing changed

Rates use the time each process reports for its own work (model loading included, interpreter
start and imports not); process wall times and peak RSS (ru_maxrss of the child) are recorded too.
Prints a table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's qa, whatever the environment has installed

# Run as its own process for (a): load the model, encode every text, report the seconds taken.
ENCODE = """
import json, sys, time
started = time.perf_counter()
from sentence_transformers import SentenceTransformer
from qa.embed import resolve_model_path
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True)
print(f"encoded {len(texts)} in {time.perf_counter() - started:.3f} s")
"""


def build_corpus(bench: Path, folder: Path, articles: int) -> int:
    """Write at least ``articles`` files into ``folder``; returns how many."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(bench.glob("*/corpus/*.txt"))]
    if not texts:
        raise SystemExit(f"no benchmark corpora under {bench}")
    folder.mkdir(parents=True)
    for i, text in enumerate(texts):
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    n, step = len(texts), 1
    while n < articles:
        for i in range(len(texts)):
            if n >= articles:
                break
            other = texts[(i * 7 + step * 131) % len(texts)]
            (folder / f"{i:05d}_joined_{step}.txt").write_text(texts[i] + "\n\n" + other, encoding="utf-8")
            n += 1
        step += 1
    return n


def run(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS MiB) of one new process; fails loudly if it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return stdout, wall, usage.ru_maxrss / 1024  # Linux: KiB


def ingest(corpus: Path, data: Path, env: dict[str, str]) -> dict[str, object]:
    stdout, wall, rss = run(["-m", "qa", "ingest", str(corpus), "--quiet", "--data-dir", str(data)], env)
    counts = re.search(r"added (\d+), updated (\d+), unchanged (\d+), duplicates (\d+), skipped (\d+), removed (\d+); "
                       r"(\d+) passages embedded", stdout)
    seconds = re.search(r"ingest took ([\d.]+) s", stdout)
    assert counts and seconds, stdout[-2000:]
    keys = ("added", "updated", "unchanged", "duplicates", "skipped", "removed", "passages")
    result: dict[str, object] = dict(zip(keys, map(int, counts.groups())))
    result.update(seconds=float(seconds.group(1)), wall_s=round(wall, 2), peak_rss_mib=round(rss))
    return result


def embedded_texts(data: Path) -> list[str]:
    """Exactly what (b) gave the model: every stored article re-chunked, with its context line."""
    from qa.chunk import chunk
    from qa.clean import Article
    from qa.index import Index
    from qa.ingest import embedding_text
    from qa.settings import Settings

    settings = Settings(data_dir=data)
    index = Index(data, settings.collection, settings.embedding.model)
    texts = []
    for stored in index.articles():
        full = index.article(stored.doc_id)
        assert full is not None
        article = Article(full.doc_id, full.title, full.text, full.source, full.meta)
        texts += [embedding_text(article, p) for p in chunk(article.doc_id, article.text, settings.chunk)]
    index.close()
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="corpus size, at least (default 2000)")
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench",
                        help="folder with */corpus/*.txt benchmark corpora (default ../shared/bench)")
    parser.add_argument("--torch-ingest", action="store_true", help="also run (b') ingest with the torch backend")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest_speed.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="qa-ingest-speed-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        n_files = build_corpus(args.bench, corpus, args.articles)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
        print(f"corpus: {n_files} articles, {sum(p.stat().st_size for p in corpus.iterdir()) / 1e6:.1f} MB", flush=True)

        b = ingest(corpus, work / "data-onnx", {**env, "QA_EMBEDDING__BACKEND": "onnx"})
        print(f"(b)  qa ingest, onnx:  {b}", flush=True)
        texts = embedded_texts(work / "data-onnx")
        assert len(texts) == b["passages"], (len(texts), b["passages"])
        (work / "texts.json").write_text(json.dumps(texts))
        stdout, wall, rss = run(["-c", ENCODE, str(work / "texts.json")], env)
        a = {"passages": len(texts), "seconds": float(re.search(r"in ([\d.]+) s", stdout).group(1)),  # type: ignore[union-attr]
             "wall_s": round(wall, 2), "peak_rss_mib": round(rss)}
        print(f"(a)  sentence-transformers encode: {a}", flush=True)
        b_torch = ingest(corpus, work / "data-torch", {**env, "QA_EMBEDDING__BACKEND": "torch"}) if args.torch_ingest else None
        if b_torch:
            print(f"(b') qa ingest, torch: {b_torch}", flush=True)
        c = ingest(corpus, work / "data-onnx", {**env, "QA_EMBEDDING__BACKEND": "onnx"})
        print(f"(c)  qa ingest again, unchanged: {c}", flush=True)

    runs = (("a", a), ("b", b), ("b_torch", b_torch))
    rate = {name: r["passages"] / r["seconds"] for name, r in runs if r}  # type: ignore[operator]
    ratios = {
        "b_over_a_passages_per_s": round(rate["b"] / rate["a"], 3),
        "c_over_b_seconds": round(c["seconds"] / b["seconds"], 4),  # type: ignore[operator]
        "c_over_b_wall": round(c["wall_s"] / b["wall_s"], 4),  # type: ignore[operator]
    }
    if b_torch:
        ratios["b_torch_over_a_passages_per_s"] = round(rate["b_torch"] / rate["a"], 3)
    results = {
        "command": "python benchmarks/ingest_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "articles": n_files,
        "a_sentence_transformers": a, "b_ingest_onnx": b, "b_ingest_torch": b_torch, "c_reingest_unchanged": c,
        "passages_per_s": {k: round(v, 1) for k, v in rate.items()}, "ratios": ratios,
        "targets": {"b_over_a_passages_per_s": ">= 0.9", "c_over_b_seconds": "<= 0.02"},
    }
    print()
    print(f"{'run':<38} {'passages':>8} {'work s':>8} {'wall s':>8} {'pass/s':>8} {'peak MiB':>9}")
    for label, r, key in (("(a) sentence-transformers encode", a, "a"), ("(b) qa ingest (onnx)", b, "b"),
                          ("(b') qa ingest (torch)", b_torch, "b_torch"), ("(c) qa ingest, unchanged", c, None)):
        if r is None:
            continue
        per_s = f"{rate[key]:.1f}" if key else "-"
        print(f"{label:<38} {r['passages']:>8} {r['seconds']:>8.2f} {r['wall_s']:>8.2f} {per_s:>8} {r['peak_rss_mib']:>9}")
    print(json.dumps(ratios))
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
