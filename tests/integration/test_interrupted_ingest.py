"""SIGKILL a real ingest midway: the index still answers, and the next run completes it exactly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from qa.chain import QAChain
from qa.chunk import chunk
from qa.clean import clean
from qa.load import discover, read
from qa.settings import Settings
from tests.conftest import PESHMERGA, ROOT, SEEDS

FIXTURES = ROOT / "tests" / "fixtures" / "boilerplate"


def make_corpus(folder: Path, combined: int) -> None:
    """The seeds, the other labelled fixture articles, and articles joining two of those.

    Each joined article joins two of similar length, so it shares at most about 60% of its text
    with any other (below the near-duplicate threshold): every one is indexed on its own.
    """
    folder.mkdir()
    for path in sorted(SEEDS.iterdir()):
        (folder / path.name).write_text(path.read_text())
    texts = [
        "\n".join(line[2:] for line in path.read_text().split("\n"))
        for path in sorted(FIXTURES.glob("*.txt")) if not path.name.startswith("seed_")
    ]
    for i, text in enumerate(texts):
        (folder / f"{i:03d}.txt").write_text(text)
        for step in range(1, combined + 1):
            other = texts[(i + step) % len(texts)]
            if min(len(text), len(other)) >= 0.6 * max(len(text), len(other)):  # neither half swamps the other
                (folder / f"{i:03d}_and_{step}.txt").write_text(text + "\n\n" + other)


def stored_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_midway_leaves_a_usable_index_and_rerun_completes(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    make_corpus(corpus, combined=4)  # 144 articles, about 290 passages
    settings = Settings(data_dir=data)
    paths, _ = discover(corpus)
    expected = sum(len(chunk(a.doc_id, a.text, settings.chunk)) for a in (clean(read(p, corpus)) for p in paths))

    env = {**os.environ, "QA_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "ingest.py", str(corpus), "--quiet"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    while stored_rows(data / "articles.sqlite3") == 0:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "ingest stored nothing in time"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = stored_rows(data / "articles.sqlite3")
    assert 0 < partial < len(paths), "killed midway"

    chain = QAChain(settings)
    assert 0 < chain.index.count() < expected
    assert chain.ask(PESHMERGA).passages, "the interrupted index answers questions"

    rerun = subprocess.run([sys.executable, "ingest.py", str(corpus), "--quiet"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"unchanged {partial}, duplicates 0," in rerun.stdout
    chain = QAChain(settings)
    assert chain.index.count() == expected, "every passage once: nothing missing, nothing duplicated"
    assert len(chain.index.articles()) == len(paths)
