"""A real ``python app.py`` on a free loopback port with a fresh data folder, for the chat page
tests and ``benchmarks/chat_load.py``.

Its first start ingests the five seed articles (about 15-30 s with the model load).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).parents[2]
START_DEADLINE_S = 180


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log."""


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


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def running_server(tmp: Path, *args: str) -> Iterator[Server]:
    """Start ``python app.py`` with a data folder in ``tmp``; stop it on exit."""
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--data-dir", str(tmp / "data"), *args],
            cwd=REPO, env=server_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    srv = Server(url=f"http://127.0.0.1:{port}/", process=process, log=log)
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while not answers(srv.url):
            if process.poll() is not None:
                raise ServerDidNotStart(f"the server exited with {process.returncode} before answering:\n{srv.output()}")
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"the server did not answer within {START_DEADLINE_S} s:\n{srv.output()}")
            time.sleep(0.5)
        yield srv
    finally:
        stop(process)
