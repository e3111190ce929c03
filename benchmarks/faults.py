"""Kill -9 at seeded points of a ~300-article ingest, and a chat server under load while an ingest is killed.

    python benchmarks/faults.py [--articles 300] [--kills 20] [--seed 15] [--clients 10] [--bench ../shared/bench] [--out FILE]

Part 1 (kills): a corpus of the first --articles files of BENCH/realtimeqa_dev/corpus (news articles
of ~5 KB, ~8 passages each; else of any BENCH/*/corpus) is ingested by ``python -m qa ingest --prune`` processes, each
killed with SIGKILL at a seeded point: after its k-th committed write (k from 0 to 20 in the first
round, 0 to 4 later), then a seeded 0-1.5 s more, so kills land while embedding, inside Chroma's
writes and between them. Before each later round the corpus is changed at random (seeded): a few
files edited, a few deleted, a few put back, so kills land in additions, updates and removals. After each kill, three checks:

  reader    a fresh reader's view (what ``ask`` searches, before any repair) holds, for every recorded
            article, exactly its passages, and no passage of an article the table does not record
  repaired  after ``reconcile`` (what the next ingest and ``qa check`` run), the store's own passage
            ids are exactly the recorded articles' (same count per article, no orphans)
  answers   every recorded article is the top hit (or tied for it) for one of its own passages' vectors

A kill point is survived when all three hold. Last, an ingest runs to the end and the same checks are made.

Part 2 (concurrency): ``python app.py`` over that data folder, --clients gradio_client clients asking
the seed questions in a loop while an ingest of the changed corpus runs into the same folder and is
killed after 8 s; they ask on for 10 s after the kill. A question fails when the call raises or the
reply is not an answer. Reports kill points survived / tried and questions failed / asked, and writes
them as JSON (default benchmarks/results/faults.json).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import yaml
from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's qa and its test helpers

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def build_corpus(bench: Path, folder: Path, articles: int) -> int:
    paths = sorted(bench.glob("realtimeqa_dev/corpus/*.txt"))[:articles] or sorted(bench.glob("*/corpus/*.txt"))[:articles]
    if not paths:
        raise SystemExit(f"no benchmark corpora under {bench}")
    folder.mkdir(parents=True)
    for path in paths:
        (folder / f"{path.parent.parent.name}_{path.name}").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return len(paths)


def ingest(corpus: Path, data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa", "ingest", str(corpus), "--quiet", "--prune", "--data-dir", str(data)],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def mutate(corpus: Path, removed: dict[str, str], rng: random.Random, n: int = 6) -> None:
    """Edit ``n`` files, delete ``n``, put back up to ``n`` deleted earlier."""
    files = sorted(corpus.iterdir())
    for path in rng.sample(files, n):
        path.write_text(path.read_text(encoding="utf-8") + f"\n\nUpdated at round {rng.random():.6f}.", encoding="utf-8")
    for name in rng.sample(sorted(removed), min(n, len(removed))):
        (corpus / name).write_text(removed.pop(name), encoding="utf-8")
    for path in rng.sample(sorted(corpus.iterdir()), n):
        removed[path.name] = path.read_text(encoding="utf-8")
        path.unlink()


def writes_done(data: Path) -> int:
    """The collection's write counter (qa.index.Index.version): one per stored batch, two per removal."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{data / 'articles.sqlite3'}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute("SELECT version FROM versions WHERE collection='articles'").fetchone()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


def check(data: Path, embedder, chunking) -> dict[str, object]:  # noqa: ANN001
    """The three checks of one kill point (see the module docstring)."""
    from qa.consistency import reconcile
    from qa.index import Index, parse_passage_id

    index = Index(data, "articles", embedder.name)
    expected = index.expected()
    copy = index._vector_copy()
    seen: dict[str, int] = {}
    strays = 0
    for pid in copy.ids:
        doc_id, fp, _ = parse_passage_id(pid)
        if doc_id in expected and expected[doc_id][0] == fp:
            seen[doc_id] = seen.get(doc_id, 0) + 1
        else:
            strays += 1
    reader_ok = strays == 0 and seen == {d: n for d, (_, n) in expected.items() if n}
    with index.writing():
        repairs = reconcile(index, embedder, chunking)
    index.reopen_store()
    fresh = Index(data, "articles", embedder.name)
    own: dict[str, int] = {}
    orphans = 0
    for pid in fresh.own_passage_ids():
        doc_id, fp, n = parse_passage_id(pid)
        want = expected.get(doc_id)
        if want is not None and want[0] == fp and n < want[1]:
            own[doc_id] = own.get(doc_id, 0) + 1
        else:
            orphans += 1
    repaired_ok = orphans == 0 and own == {d: n for d, (_, n) in expected.items() if n}
    copy = fresh._vector_copy()
    first = {}
    for i, pid in enumerate(copy.ids):
        doc_id, _, n = parse_passage_id(pid)
        if n == 0:
            first[doc_id] = i
    unanswered = []
    for doc_id, row in first.items():
        scores = copy.vectors @ copy.vectors[row]
        best = scores.max()
        tied = {parse_passage_id(copy.ids[i])[0] for i in np.flatnonzero(scores >= best - 1e-5)}
        if doc_id not in tied:
            unanswered.append(doc_id)
    answers_ok = not unanswered and set(first) == {d for d, (_, n) in expected.items() if n}
    fresh.close()
    index.close()
    return {
        "articles": len(expected), "passages": sum(n for _, n in expected.values()), "reader_strays": strays,
        "reader_ok": reader_ok, "checked": repairs.checked, "orphans_removed": repairs.orphans,
        "restored": len(repairs.restored), "repaired_ok": repaired_ok, "unanswered": len(unanswered),
        "answers_ok": answers_ok, "survived": reader_ok and repaired_ok and answers_ok,
    }


def kill_rounds(corpus: Path, data: Path, kills: int, rng: random.Random) -> list[dict[str, object]]:
    from qa.chain import embedder_for
    from qa.settings import Settings

    settings = Settings(data_dir=data)
    embedder = embedder_for(settings)
    removed: dict[str, str] = {}
    rounds = []
    for i in range(kills):
        if i:
            mutate(corpus, removed, rng)
        # a seeded point: after the k-th write the run commits (k = 0: before the first), then a
        # random moment more, so kills land while embedding, in Chroma's writes and between them
        writes, jitter = rng.randint(0, 20 if i == 0 else 4), rng.uniform(0, 1.5)
        before = writes_done(data)
        proc = ingest(corpus, data)
        while proc.poll() is None and writes_done(data) < before + writes:
            time.sleep(0.02)
        try:
            proc.wait(timeout=jitter + (4 if writes == 0 else 0))  # (k = 0: past the start-up)
            finished = True
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            finished = False
        result = {"round": i, "kill_after_writes": writes, "then_s": round(jitter, 2), "finished_before_kill": finished,
                  "writes_done": writes_done(data) - before, **check(data, embedder, settings.chunk)}
        rounds.append(result)
        print(f"kill {i + 1:2d}/{kills} after {writes} writes + {jitter:4.2f} s{' (finished first)' if finished else ''}: "
              f"{'survived' if result['survived'] else 'FAILED'} {result}", flush=True)
    proc = ingest(corpus, data)
    proc.wait()
    final = {"round": "final", "returncode": proc.returncode, **check(data, embedder, settings.chunk)}
    print(f"final ingest: {'consistent' if final['survived'] else 'FAILED'} {final}", flush=True)
    rounds.append(final)
    return rounds


def chat_under_an_ingest(corpus: Path, data_parent: Path, clients: int, rng: random.Random) -> dict[str, object]:
    from gradio_client import Client

    from tests.integration.chat_server import running_server

    questions = [q["question"] for q in yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text(encoding="utf-8"))]
    asked, failed, errors = 0, 0, []
    lock = threading.Lock()
    stop = threading.Event()
    with running_server(data_parent) as server:
        def client_loop(n: int) -> None:
            nonlocal asked, failed
            client = Client(server.url, verbose=False)
            i = n
            while not stop.is_set():
                try:
                    reply = client.predict(questions[i % len(questions)], 5, api_name="/ask")
                    ok = isinstance(reply, dict) and "answer" in reply
                    problem = None if ok else f"not an answer: {str(reply)[:100]}"
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    problem = f"{type(exc).__name__}: {str(exc)[:200]}"
                with lock:
                    asked += 1
                    if problem:
                        failed += 1
                        errors.append(problem)
                i += clients

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        time.sleep(3)
        mutate(corpus, {}, rng, n=20)
        before = writes_done(data_parent / "data")
        writer = ingest(corpus, data_parent / "data")
        time.sleep(8)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        during = writes_done(data_parent / "data") - before
        with lock:
            asked_during = asked
        time.sleep(10)
        stop.set()
        for t in threads:
            t.join()
    return {"clients": clients, "asked": asked, "asked_before_the_kill": asked_during, "writes_before_the_kill": during,
            "failed": failed, "errors": sorted(set(errors))[:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "faults.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="faults_") as tmp:
        corpus, data_parent = Path(tmp) / "corpus", Path(tmp) / "chat"
        n = build_corpus(args.bench, corpus, args.articles)
        rounds = kill_rounds(corpus, data_parent / "data", args.kills, rng)
        chat = chat_under_an_ingest(corpus, data_parent, args.clients, rng)
        shutil.rmtree(corpus, ignore_errors=True)
    kills = [r for r in rounds if r["round"] != "final"]
    survived = sum(bool(r["survived"]) for r in kills)
    print(f"kill points survived: {survived}/{len(kills)} (final: {'consistent' if rounds[-1]['survived'] else 'NOT consistent'}); "
          f"questions failed: {chat['failed']}/{chat['asked']} ({args.clients} clients, ingest killed midway)")
    write_results(args.out, {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "articles": n, "seed": args.seed, "kills_tried": len(kills), "kills_survived": survived,
        "final_consistent": bool(rounds[-1]["survived"]), "rounds": rounds, "chat": chat,
        "seconds": round(time.perf_counter() - started, 1),
    })


if __name__ == "__main__":
    main()
