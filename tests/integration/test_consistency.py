"""Store and catalogue in step (issue 15, reproductions 3, 4, 6 and 7): kill -9, a move to a Chroma server,
damaged files, a reader while another process ingests. Real processes, the real model, real Chroma."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from qa.chain import QAChain
from qa.retrieve import SearchFilters
from qa.settings import Settings
from tests.conftest import KHALEEJ, PESHMERGA, ROOT, SEEDS
from tests.integration.test_interrupted_ingest import make_corpus, stored_rows

ORPHAN = (
    "Glassworks closes after ninety years\n\n"
    "The Vindeby glassworks will close in May after ninety years, its owners said on Thursday. "
    "The furnace, the last of its kind on the island, made bottles for the local breweries."
)
# Runs the command line with Chroma's upsert followed at once by SIGKILL: the passages are in the
# store, the article table never hears of them (a kill at the worst moment of a write).
KILL_AFTER_UPSERT = """
import os, signal, sys
from chromadb.api.models.Collection import Collection
upsert = Collection.upsert
def upsert_then_die(self, *args, **kwargs):
    upsert(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
Collection.upsert = upsert_then_die
from qa.cli import main
sys.exit(main(sys.argv[1:]))
"""


def seed_passages() -> int:
    """How many passages the five seed articles make (cleaned and cut as ingest does)."""
    from qa.chunk import chunk
    from qa.clean import clean
    from qa.load import read

    settings = Settings()
    return sum(len(chunk(p.name, clean(read(p, SEEDS)).text, settings.chunk)) for p in sorted(SEEDS.iterdir()))


def env(data: Path, **more: str) -> dict[str, str]:
    return {**os.environ, "QA_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", **more}


def qa(*args: str, data: Path, code: str | None = None, **more: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "qa", *args]
    return subprocess.run(command, cwd=ROOT, env=env(data, **more), capture_output=True, text=True, timeout=600)


def store_doc_ids(data: Path, **settings: str) -> dict[str, int]:
    chain = QAChain(Settings(data_dir=data, **settings))
    counts: dict[str, int] = {}
    for meta in chain.index._collection.get(include=["metadatas"])["metadatas"]:
        counts[meta["doc_id"]] = counts.get(meta["doc_id"], 0) + 1
    return counts


def catalogue(data: Path) -> dict[str, int]:
    chain = QAChain(Settings(data_dir=data))
    return {a.doc_id: a.n_passages for a in chain.index.articles()}


def test_passages_a_kill_left_without_their_article_are_removed_and_never_cited(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    for seed in SEEDS.iterdir():
        (corpus / seed.name).write_text(seed.read_text())
    assert qa("ingest", str(corpus), "--quiet", data=data).returncode == 0
    (corpus / "glassworks.txt").write_text(ORPHAN)
    killed = qa("ingest", str(corpus), "--quiet", data=data, code=KILL_AFTER_UPSERT)
    assert killed.returncode == -signal.SIGKILL
    assert "glassworks.txt" in store_doc_ids(data) and "glassworks.txt" not in catalogue(data)  # the orphan

    (corpus / "glassworks.txt").unlink()  # the file is deleted before the next run
    rerun = qa("ingest", str(corpus), "--quiet", "--prune", data=data)
    assert rerun.returncode == 0, rerun.stderr
    assert "removed 1 passages that no recorded article owns" in rerun.stdout
    assert store_doc_ids(data) == catalogue(data)
    answer = json.loads(qa("ask", "When will the Vindeby glassworks close?", "--json", data=data).stdout)
    assert all(p["doc_id"] != "glassworks.txt" for p in answer["passages"])
    check = qa("check", data=data)
    assert check.returncode == 0 and check.stdout.startswith(f"consistent: 5 articles, {seed_passages()} passages")


def test_a_kill_mid_write_is_repaired_before_the_reader_sees_it(tmp_path: Path) -> None:
    """Even before the next ingest, an orphan passage is not searched (the copies hold recorded articles only)."""
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / KHALEEJ).write_text((SEEDS / KHALEEJ).read_text())
    (corpus / "glassworks.txt").write_text(ORPHAN)
    assert qa("ingest", str(corpus), "--quiet", data=data, code=KILL_AFTER_UPSERT).returncode == -signal.SIGKILL
    chain = QAChain(Settings(data_dir=data))
    assert chain.index.count() == 0
    vector = chain.embedder.embed(["When will the Vindeby glassworks close?"])[0]
    assert chain.index.search(vector, 5) == [] and chain.index.search(vector, 5, where={"passage": {"$gte": 0}}) == []


def test_moving_a_data_dir_to_an_empty_chroma_server_re_embeds_what_it_lacks(chroma_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert qa("ingest", str(SEEDS), "--quiet", data=data).returncode == 0
    moved = qa("ingest", str(SEEDS), "--quiet", data=data, QA_CHROMA_URL=chroma_url)
    assert moved.returncode == 0, moved.stderr
    assert "unchanged 5" in moved.stdout and "embedded again 5 articles whose passages the store lacked" in moved.stdout
    assert f"index: {seed_passages()} passages from 5 articles" in moved.stdout
    answer = json.loads(qa("ask", PESHMERGA, "--json", data=data, QA_CHROMA_URL=chroma_url).stdout)
    assert "1,600" in answer["answer"]
    again = qa("ingest", str(SEEDS), "--quiet", data=data, QA_CHROMA_URL=chroma_url)
    assert "embedded again" not in again.stdout and f"index: {seed_passages()} passages" in again.stdout

    # A second data folder reading the same server follows what others write (its BM25 too).
    reader = QAChain(Settings(data_dir=tmp_path / "reader", chroma_url=chroma_url))
    before = reader.lexical()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "glassworks.txt").write_text(ORPHAN)
    assert qa("ingest", str(extra), "--quiet", data=data, QA_CHROMA_URL=chroma_url).returncode == 0
    after = reader.lexical()
    assert len(after.ids) == len(before.ids) + 1
    assert any(h.passage_id.startswith(str(extra)) for h in after.search("Vindeby glassworks", 1))


def test_damaged_files_are_one_line_errors_and_qa_check_repairs_the_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert qa("ingest", str(SEEDS), "--quiet", data=data).returncode == 0

    # the BM25 id file out of step with its index: rebuilt, not an IndexError on every ask
    assert qa("ask", PESHMERGA, data=data).returncode == 0  # (the first question builds it)
    ids = data / "lexical" / "articles" / "ids.json"
    ids.write_text(json.dumps(json.loads(ids.read_text())[:-3]))
    asked = qa("ask", PESHMERGA, data=data)
    assert asked.returncode == 0 and "1,600" in asked.stdout, asked.stderr

    # a damaged store: one line naming the file and the repair; qa check rebuilds it from the article table
    store = data / "chroma" / "chroma.sqlite3"
    with store.open("r+b") as f:
        f.write(b"this is not a database at all")
    for command in (["ask", PESHMERGA], ["ingest", str(SEEDS)]):
        failed = qa(*command, data=data)
        assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1, failed.stderr
        assert f"{store} is damaged" in failed.stderr and "run 'qa check'" in failed.stderr
    check = qa("check", data=data)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"repaired: 5 articles, {seed_passages()} passages") and "embedded again 5 articles" in check.stdout
    assert "1,600" in qa("ask", PESHMERGA, data=data).stdout

    # a damaged article table
    (data / "articles.sqlite3").write_bytes(b"garbage " * 1000)
    for name in ("articles.sqlite3-wal", "articles.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)
    failed = qa("ask", PESHMERGA, data=data)
    assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert f"{data / 'articles.sqlite3'} is damaged" in failed.stderr and "qa ingest" in failed.stderr


def test_a_file_name_that_is_not_utf8_costs_only_itself(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    for seed in SEEDS.iterdir():
        (corpus / seed.name).write_text(seed.read_text())
    (corpus / os.fsdecode(b"glass\xe9.txt")).write_text(ORPHAN)
    done = qa("ingest", str(corpus), "--quiet", data=data)
    assert done.returncode == 0, done.stderr
    assert "added 5," in done.stdout and "glass\\xe9.txt: file name is not valid UTF-8: rename it" in done.stdout


def test_a_reader_keeps_answering_while_another_process_ingests_and_is_killed(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    make_corpus(corpus, combined=2)
    settings = Settings(data_dir=data)
    seeds_only = tmp_path / "seeds"
    seeds_only.mkdir()
    for seed in SEEDS.iterdir():
        (seeds_only / seed.name).write_text(seed.read_text())
    assert qa("ingest", str(seeds_only), "--quiet", data=data).returncode == 0
    reader = QAChain(settings)
    assert reader.ask(PESHMERGA).citations

    failures: list[str] = []
    asked = 0
    stop = threading.Event()

    dated = SearchFilters(until=dt.date(2100, 1, 1))  # a filter sends the dense search to Chroma
    everything = {"passage": {"$gte": 0}}  # a Chroma filter that the writer's new passages match too
    vector = reader.embedder.embed([PESHMERGA])[0]

    def ask_all_the_time() -> None:
        nonlocal asked
        while not stop.is_set():
            try:
                answer = reader.ask(PESHMERGA, filters=dated if asked % 2 else None)
                if not any(c.doc_id == KHALEEJ for c in answer.citations):
                    failures.append(f"not answered: {answer.answer}")
                if len(reader.index.search(vector, 5, where=everything)) != 5:
                    failures.append("filtered search: fewer than 5 passages")
            except Exception as exc:  # noqa: BLE001 - every failure counts
                failures.append(f"{type(exc).__name__}: {exc}")
            asked += 1

    writer = subprocess.Popen([sys.executable, "ingest.py", str(corpus), "--quiet"], cwd=ROOT, env=env(data),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    thread = threading.Thread(target=ask_all_the_time)
    thread.start()
    try:
        deadline = time.monotonic() + 300
        while stored_rows(data / "articles.sqlite3") < 5 + 20:
            assert writer.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    time.sleep(2)  # questions after the writer died
    stop.set()
    thread.join()
    assert asked > 3 and failures == []
    recorded = catalogue(data)
    assert reader.index.count() == sum(recorded.values()), "after the kill the reader answers from what was recorded"
    assert reader.ask(PESHMERGA).citations
