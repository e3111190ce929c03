"""The chat page (Gradio): ``python app.py`` or ``python -m qa serve``.

A chat on the left, the cited sources of the latest answer on the right, and
a JSON endpoint ``/ask`` for ``gradio_client``::

    Client("http://127.0.0.1:7860/").predict("How many peshmerga did Turkey train?", 5, api_name="/ask")

Only ``qa serve`` imports this module, so ``qa ask`` never loads Gradio.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import gradio as gr

from qa.answer import REFUSAL
from qa.chain import QAChain, QuestionError
from qa.cite import Answer
from qa.settings import Settings

log = logging.getLogger(__name__)

MAX_K = 50  # RetrievalSettings.k allows up to 50; the slider stops at 20
CONCURRENCY = 2  # one shared model on a small machine
NO_SOURCES = "*Ask a question: the sources of the answer appear here.*"
Message = dict[str, Any]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")
_MD_LIST_START = re.compile(r"^(\d+)([.)])|^([-+=])")  # "1." "1)" "-" "+" "=" would start a list or heading


def md(text: str) -> str:
    """``text`` shown literally in Markdown, on one line (whitespace collapsed)."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LIST_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


def answer_markdown(answer: Answer) -> str:
    """The chat message: the answer with its [n] markers, then the sources in small type."""
    body = "\n\n".join(md(p) for p in answer.answer.split("\n\n") if p.strip())
    if answer.citations:
        lines = ["Sources:", *(f"[{c.n}] {md(c.title)} — {md(c.doc_id)}" for c in answer.citations)]
    elif answer.passages:
        lines = ["Closest passages (not an answer):", *(f"{md(p.title)} — {md(p.doc_id)}" for p in answer.passages[:3])]
    else:
        return body
    return body + "\n\n<small>" + "<br>".join(lines) + "</small>"


def sources_markdown(answer: Answer) -> str:
    """The side panel: each citation's title, article, character span and quote."""
    if answer.citations:
        parts = ["### Sources"]
        for c in answer.citations:
            parts.append(
                f"**[{c.n}] {md(c.title)}** — {md(c.doc_id)}  \n"
                f"<small>characters {c.start:,}–{c.end:,}</small>\n\n> {md(c.quote)}"
            )
        return "\n\n".join(parts)
    if answer.refused:
        parts = [f"### {REFUSAL}", "Closest passages, which do not answer the question:"]
        for p in answer.passages[:3]:
            parts.append(
                f"**{md(p.title)}** — {md(p.doc_id)}  \n"
                f"<small>characters {p.start:,}–{p.end:,} · similarity {p.score:.2f}</small>\n\n> {md(p.text)}"
            )
        if not answer.passages:
            parts[1] = "No passages were found: is the index empty?"
        return "\n\n".join(parts)
    return "*This answer cites no sources.*"


def _checked_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k != int(k) or not 1 <= k <= MAX_K:
        raise QuestionError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return int(k)


def _ask(chain: QAChain, question: Any, k: Any) -> Answer:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    return chain.ask(question, k=_checked_k(k))


def _shown_question(question: str, limit: int = 300) -> str:
    question = " ".join(question.split())
    return md(question if len(question) <= limit else question[:limit] + " …")


def build_app(chain: QAChain) -> gr.Blocks:
    """The chat page over ``chain``; ``serve`` launches it."""
    default_k = min(max(chain.settings.retrieval.k, 1), 20)

    def respond(question: str, history: list[Message], k: float) -> tuple[list[Message], str, str]:
        history = list(history or [])
        if question.strip():
            history.append({"role": "user", "content": _shown_question(question)})
        try:
            answer = _ask(chain, question, k)
        except QuestionError as exc:
            reply, panel = f"Cannot ask that: {md(str(exc))}.", NO_SOURCES
        except Exception as exc:  # shown in the chat, never as a traceback
            log.exception("answering %r failed", question[:200])
            reply, panel = f"Something went wrong: {md(str(exc) or type(exc).__name__)}", NO_SOURCES
        else:
            reply, panel = answer_markdown(answer), sources_markdown(answer)
        history.append({"role": "assistant", "content": reply})
        return history, "", panel

    def ask(question: str, k: int = default_k) -> dict[str, Any]:
        """Answer a question over the articles; returns the Answer as JSON (answer, short_answer, refused, citations, passages)."""
        try:
            return _ask(chain, question, k).model_dump()
        except QuestionError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        except Exception as exc:
            log.exception("answering %r failed", str(question)[:200])
            raise gr.Error(f"Something went wrong: {exc}", print_exception=False) from exc

    with gr.Blocks(title="News QA", analytics_enabled=False) as app:
        gr.Markdown("## News QA — answers quoted from the articles, with their sources")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=520, latex_delimiters=[], buttons=["copy"])
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="How many peshmerga did Turkey train?", show_label=False,
                        scale=5, max_lines=6, autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                k_slider = gr.Slider(1, 20, value=default_k, step=1, label="Passages to use")
            with gr.Column(scale=2):
                panel = gr.Markdown(NO_SOURCES, latex_delimiters=[], container=True, padding=True, min_height=200)
        gr.on(
            [box.submit, send.click], respond, inputs=[box, chat, k_slider], outputs=[chat, box, panel],
            api_visibility="private", concurrency_id="qa",
        )
        gr.api(ask, api_name="ask", concurrency_id="qa")
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def serve(settings: Settings) -> None:
    """Ingest ``seeds/`` if the index is empty, then serve the chat page until interrupted."""
    chain = QAChain(settings)
    chain.ensure_ingested()
    app = build_app(chain)
    host, port = settings.server.host, settings.server.port
    try:
        # port 0: Gradio picks the first free port from 7860 up
        _, local_url, _ = app.launch(
            server_name=host, server_port=port or None, share=False, quiet=True, prevent_thread_lock=True
        )
    except OSError:  # Gradio reports any failure to bind this way
        print(f"qa serve: error: cannot listen on {host}:{port}: is the port in use? Try --port", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"qa: chat page at {local_url}  (Ctrl+C to stop)", flush=True)
    app.block_thread()
