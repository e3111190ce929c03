"""Chroma as a server (QA_CHROMA_URL): a real `chroma run` on loopback shared by several qa processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import KHALEEJ, PESHMERGA, ROOT
from tests.integration.chat_server import free_port

EXTRA_ARTICLES = {
    "harbour.txt": (
        "Harbour authority orders electric ferries\n\n"
        "The harbour authority said on Monday that it had ordered fourteen electric ferries from a shipyard "
        "in Gdansk. The first boats are due to enter service next spring on the routes to the outer islands. "
        "Officials said the order would cut the port's diesel use by a third."
    ),
    "orchard.txt": (
        "Late frost hits apple growers\n\n"
        "Apple growers in the valley lost much of their blossom to a late frost last week, the farmers' "
        "union said. Several orchards reported damage to more than half of their trees. The union asked "
        "the regional government for emergency support before the harvest."
    ),
}


def qa(args: list[str], data_dir: Path, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QA_DATA_DIR": str(data_dir), "QA_CHROMA_URL": url, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "qa", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return out


def test_ingest_and_ask_through_a_chroma_server_with_concurrent_readers_and_a_writer(
    chroma_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    data_dir = tmp_path / "data"
    assert "added 5" in finish(qa(["ingest", str(seeds_copy), "--quiet"], data_dir, chroma_url))
    assert not (data_dir / "chroma").exists(), "passages went to the server, not an embedded store"


    extra = tmp_path / "extra"
    extra.mkdir()
    for name, text in EXTRA_ARTICLES.items():
        (extra / name).write_text(text, encoding="utf-8")

    writer = qa(["ingest", str(extra), "--quiet"], data_dir, chroma_url)
    readers = [qa(["ask", PESHMERGA, "--json"], data_dir, chroma_url) for _ in range(2)]
    answers = [json.loads(finish(r)) for r in readers]
    assert "added 2" in finish(writer)
    for answer in answers:  # asked while the writer was adding passages
        assert "1,600" in answer["answer"] and answer["citations"][0]["doc_id"] == KHALEEJ

    new = json.loads(finish(qa(["ask", "How many ferries did the harbour authority order?", "--json"], data_dir, chroma_url)))
    harbour = (extra / "harbour.txt").as_posix()  # outside the first folder ingested: named by its absolute path
    assert new["passages"][0]["doc_id"] == harbour  # the writer's articles are searched by the next reader
    if not new["refused"]:  # (whether the reader is confident enough to answer is not this test's subject)
        assert new["citations"][0]["doc_id"] == harbour and "fourteen" in new["answer"]


def test_the_server_gives_the_same_passages_as_the_embedded_store(
    chroma_url: str, tmp_path: Path, seeds_copy: Path
) -> None:
    from qa.chain import QAChain
    from qa.settings import Settings

    embedded = Settings(data_dir=tmp_path / "embedded", collection="same")
    served = embedded.with_overrides(data_dir=tmp_path / "served", chroma_url=chroma_url)
    rankings = []
    for settings in (embedded, served):
        chain = QAChain(settings)
        chain.settings = settings.with_overrides(corpus_dir=seeds_copy)
        chain.ensure_ingested(log=lambda _: None)
        rankings.append([(p.doc_id, p.passage) for p in chain.ask(PESHMERGA, k=8).passages])
    assert rankings[0] == rankings[1]
    shutil.rmtree(tmp_path / "embedded")


def test_an_unreachable_server_is_a_one_line_error(tmp_path: Path) -> None:
    proc = qa(["ask", PESHMERGA], tmp_path / "data", f"http://127.0.0.1:{free_port()}")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert err.strip().startswith("qa ask: error: cannot reach the Chroma server at http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1
