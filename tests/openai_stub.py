"""A tiny OpenAI-protocol chat server on 127.0.0.1 for testing the LLM backend.

Answers ``POST /v1/chat/completions`` (plain JSON, or Server-Sent Events when
``stream`` is true) with a canned reply chosen by a phrase of the question, and
keeps every request it received so tests can inspect the prompt.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StubLLM:
    """``with StubLLM({"peshmerga": "1,600 [1]."}) as llm: ... llm.base_url ...``"""

    def __init__(self, replies: dict[str, str], default: str = "The articles do not say.") -> None:
        self.replies = replies
        self.default = default
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                reply = stub.reply_for(body["messages"][-1]["content"])
                if body.get("stream"):
                    self._stream(body["model"], reply)
                else:
                    self._send(200, "application/json", json.dumps(completion(body["model"], reply)).encode())

            def _send(self, status: int, kind: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, model: str, reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [reply[i : i + 7] for i in range(0, len(reply), 7)]
                for i, piece in enumerate(pieces):
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    self.wfile.write(f"data: {json.dumps(chunk(model, delta, None))}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(f"data: {json.dumps(chunk(model, {}, 'stop'))}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply_for(self, prompt: str) -> str:
        """The canned reply whose key phrase is in the question.

        ``[@words]`` in a reply becomes ``[n]``, the number of the first fenced passage containing
        ``words``, the way a model cites what it read, whatever rank retrieval gave that passage.
        """
        question = prompt.rsplit("Question:", 1)[-1]
        reply = next((r for phrase, r in self.replies.items() if phrase in question), self.default)
        blocks = re.findall(r"<<<\w+ (\d+) [^\n]*>>>\n(.*?)\n<<<END", prompt, flags=re.S)

        def number_of(match: re.Match[str]) -> str:
            return next((f"[{n}]" for n, text in blocks if match.group(1) in text), "[99]")

        return re.sub(r"\[@([^\]]+)\]", number_of, reply)

    def __enter__(self) -> StubLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
