"""The chat page end to end: start ``python app.py`` for real, then use it over HTTP.

One server for the whole module; its first start ingests the five seed
articles into a fresh data folder (about 15-30 s with the model load).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
START_DEADLINE_S = 180
QUESTION = "How many peshmerga did Turkey train?"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-8000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ui")
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--data-dir", str(tmp / "data")],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    srv = Server(url=f"http://127.0.0.1:{port}/", process=process, log=log)
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while not answers(srv.url):
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode} before answering:\n{srv.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {START_DEADLINE_S} s:\n{srv.output()}")
            time.sleep(0.5)
        yield srv
    finally:
        stop(process)


@pytest.fixture(scope="module")
def client(server: Server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def test_page_is_served(server: Server) -> None:
    with urllib.request.urlopen(server.url, timeout=10) as response:
        assert response.status == 200
        assert "News QA" in response.read().decode("utf-8", errors="replace")


def test_ask_endpoint_answers_with_a_citation(client) -> None:
    result = client.predict(QUESTION, 5, api_name="/ask")

    assert isinstance(result, dict)
    assert result["refused"] is False
    assert "1,600" in result["short_answer"]
    cited = [c for c in result["citations"] if c["doc_id"] == "000_d9e75c458849a6c9.txt"]
    assert cited and any("1,600" in c["quote"] for c in cited), result["citations"]
    assert len(result["passages"]) == 5


def test_empty_question_is_a_clear_error_and_the_server_survives(server: Server, client) -> None:
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", 5, api_name="/ask")
    with pytest.raises(Exception, match="limit is 2,000"):
        client.predict("why " * 600, 5, api_name="/ask")

    assert server.process.poll() is None, server.output()
    assert answers(server.url)
    assert client.predict(QUESTION, 3, api_name="/ask")["refused"] is False
