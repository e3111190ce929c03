"""Fixtures: one real chat server for the session (seeds ingested at its start); a `chroma run` server per module."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.chain import QAChain
from qa.ingest import IngestReport, ingest_folder
from tests.integration.chat_server import Server, free_port, running_server

CHROMA = Path(sys.executable).with_name("chroma")


def ingest(chain: QAChain, folder: Path, prune: bool = False) -> IngestReport:
    """``qa ingest FOLDER [--prune]`` into the chain's index, without progress bar or log lines."""
    return ingest_folder(folder, chain.index, chain.embedder, chain.settings.chunk, prune=prune, progress=False,
                         log=lambda _: None)


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python app.py`` on a free loopback port; tests that add articles remove them again."""
    with running_server(tmp_path_factory.mktemp("chat")) as srv:
        yield srv


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip(f"no chroma console script beside {sys.executable}")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(path / 'server.log').read_text()[-1000:]}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
