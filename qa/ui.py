"""The chat page (Gradio): ``python app.py`` or ``python -m qa serve``.

Two tabs. **Chat**: answers stream in, follow-ups are resolved against the
conversation (:mod:`qa.followup`, shown as "Understood as …"), each [n] opens
its source card beside the answer (:mod:`qa.cards`), and date/outlet filters,
the number of passages and the "as of" date (default today: the day "this
week" counts back from, :mod:`qa.recency`) apply to retrieval. **Corpus**: the ingested
articles, upload of new files (through :func:`qa.ingest.ingest_folder`, with a
result per article: a .jsonl file's records each get theirs) and removal of an article
(its first duplicate, if any, is indexed in its place).

A JSON endpoint ``/ask`` serves programs (``gradio_client``)::

    Client("http://127.0.0.1:7860/").predict("How many peshmerga did Turkey train?", 5, api_name="/ask")

and takes the same filters and the "as of" date (``as_of="2015-07-14"``; default today) by name.

Errors reach the user as messages, never tracebacks. Only ``qa serve``
imports this module, so ``qa ask`` never loads Gradio.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa.access import safe_filename
from qa.cards import NO_SOURCES_HTML, PAGE_CSS, PAGE_SCRIPT, answer_markdown, md, sources_html
from qa.chain import QAChain, QuestionError, check_question
from qa.cite import Answer
from qa.followup import Turn, resolve
from qa.ingest import ingest_folder, promote_duplicates_of
from qa.load import doc_id_for
from qa.retrieve import SearchFilters
from qa.settings import Settings

log = logging.getLogger(__name__)

MAX_K = 50  # RetrievalSettings.k allows up to 50; the slider stops at 20
SLIDER_MAX_K = 20
SHOWN_QUESTION_CHARS = 300
UPLOADS = "uploads"  # under the data folder: each uploaded file, under its safe name
Message = dict[str, Any]
TurnState = dict[str, Any]  # {"question": resolved question, "short": short answer, "answer": Answer as dict}
CORPUS_HEADERS = ["Title", "Outlet", "Published", "Passages", "File"]


def _checked_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k != int(k) or not 1 <= k <= MAX_K:
        raise QuestionError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return int(k)


def _day(value: Any, label: str) -> dt.date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise QuestionError(f"the {label} date must be YYYY-MM-DD, not {text[:40]!r}") from None


def parse_filters(since: Any, until: Any, outlets: Any) -> SearchFilters | None:
    """The filter boxes as :class:`SearchFilters` (None when all are empty); bad input is a QuestionError."""
    first, last = _day(since, "'from'"), _day(until, "'to'")
    if first and last and first > last:
        raise QuestionError(f"the 'from' date {first} is after the 'to' date {last}")
    if outlets is not None and not (isinstance(outlets, list) and all(isinstance(o, str) for o in outlets)):
        raise QuestionError("outlets must be a list of names")
    filters = SearchFilters(since=first, until=last, outlets=list(outlets or []))
    return None if filters.is_empty() else filters


def parse_as_of(value: Any) -> dt.date:
    """The "as of" box: the day the question is asked on; empty means today."""
    return _day(value, "'as of'") or dt.date.today()


def _shown_question(question: str) -> str:
    question = " ".join(question.split())
    return md(question if len(question) <= SHOWN_QUESTION_CHARS else question[:SHOWN_QUESTION_CHARS] + " …")


class ChatPage:
    """The handlers behind the page, over one chain; a lock keeps uploads and removals one at a time."""

    def __init__(self, chain: QAChain) -> None:
        self.chain = chain
        self.uploads = (chain.settings.data_dir / UPLOADS).resolve()
        self._writing = threading.Lock()

    # -- asking -------------------------------------------------------------------------------
    def _ensure_answerable(self, question: Any) -> str:
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        question = check_question(question)
        if self.chain.index.count() == 0:
            raise QuestionError("the index is empty: add articles in the Corpus tab first")
        return question

    def ask(self, question: Any, k: Any, filters: SearchFilters | None, as_of: dt.date | None = None) -> Answer:
        return self.chain.ask(self._ensure_answerable(question), k=_checked_k(k), filters=filters, as_of=as_of)

    def articles_text(self, answer: Answer) -> dict[str, str]:
        texts = {}
        for doc_id in {c.doc_id for c in answer.citations}:
            stored = self.chain.index.article(doc_id)
            if stored is not None:
                texts[doc_id] = stored.text
        return texts

    def respond(
        self, question: str, history: list[Message], turns: list[TurnState], k: float,
        since: str, until: str, outlets: list[str], as_of: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; yields (chat, box, turns, panel)."""
        history, turns = list(history or []), list(turns or [])
        if isinstance(question, str) and question.strip():
            history.append({"role": "user", "content": _shown_question(question)})
        try:
            filters = parse_filters(since, until, outlets)
            day = parse_as_of(as_of)
            self._ensure_answerable(question)
            previous = Turn(turns[-1]["question"], turns[-1]["short"]) if turns else None
            rewrite = resolve(question, previous)
            turn = len(turns)
            understood = rewrite.question if rewrite.rewritten else None
            answer = None
            for answer in self.chain.ask_stream(rewrite.question, k=_checked_k(k), filters=filters, as_of=day):
                message = {"role": "assistant", "content": answer_markdown(answer, turn, understood)}
                yield [*history, message], "", gr.skip(), gr.skip()
        except QuestionError as exc:
            history.append({"role": "assistant", "content": f"Cannot ask that: {md(str(exc))}."})
            yield history, gr.skip(), gr.skip(), gr.skip()
            return
        except Exception as exc:  # shown in the chat, never as a traceback
            log.exception("answering %r failed", str(question)[:200])
            reply = f"Something went wrong: {md(str(exc) or type(exc).__name__)}"
            history.append({"role": "assistant", "content": reply})
            yield history, gr.skip(), gr.skip(), gr.skip()
            return
        assert answer is not None
        short = "" if answer.refused else answer.short_answer
        turns.append({"question": rewrite.question, "short": short, "answer": answer.model_dump()})
        panel = sources_html(answer, self.articles_text(answer), turn)
        yield [*history, message], "", turns, panel

    def pick(self, picked: str, turns: list[TurnState]) -> Any:
        """The panel of an earlier answer with card [n] open; ``picked`` is "TURN-N@clicktime" from the page."""
        try:
            turn_text, n_text = picked.split("@", 1)[0].split("-", 1)
            turn, n = int(turn_text), int(n_text)
            answer = Answer.model_validate(turns[turn]["answer"])
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):
            return gr.skip()
        return sources_html(answer, self.articles_text(answer), turn, open_n=n)

    # -- corpus -------------------------------------------------------------------------------
    def corpus_views(self) -> tuple[Any, ...]:
        """Everything that lists articles: the table, its summary, the remove choices, the outlet filter."""
        articles = self.chain.index.articles()
        rows = [[a.title, a.meta.outlet or "", (a.meta.published or "")[:10], a.n_passages, a.doc_id] for a in articles]
        summary = f"{len(articles)} articles, {sum(a.n_passages for a in articles)} passages."
        removable = [(f"{a.title} — {a.doc_id}", a.doc_id) for a in articles]
        outlets = sorted({a.meta.outlet for a in articles if a.meta.outlet})
        return (
            rows, summary, gr.update(choices=removable, value=None), gr.update(choices=outlets),
        )

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        """Store each uploaded file as data/uploads/NAME and ingest it; one result line per article."""
        if not files:
            return ("No files chosen: pick one or more .txt, .md or .html files first.", *self.corpus_views())
        lines = []
        with self._writing:
            for i, path in enumerate(files):
                name = safe_filename(Path(str(path)).name)
                progress((i, len(files)), desc=f"Ingesting {name}", unit="files")
                try:
                    lines.append(self._ingest_one(Path(str(path)), name))
                except Exception as exc:  # one bad file must not stop the others
                    log.exception("upload of %s failed", name)
                    lines.append(f"✗ {md(name)}: failed — {md(str(exc) or type(exc).__name__)}")
            progress((len(files), len(files)), desc="Done", unit="files")
        return ("\n".join(f"- {line}" for line in lines), *self.corpus_views())

    def _ingest_one(self, source: Path, name: str) -> str:
        """Store one upload as ``uploads/NAME`` and ingest it: one line per article it holds (a .jsonl file, many)."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        target = (self.uploads / name).resolve()
        if target.parent != self.uploads:  # safe_filename makes this impossible; checked anyway
            raise ValueError("file name outside the uploads folder")
        previous = target.read_bytes() if target.is_file() else None
        shutil.copyfile(source, target)
        index = self.chain.index
        report = ingest_folder(target, index, self.chain.embedder, self.chain.settings.chunk,
                               progress=False, log=lambda msg: log.info("%s: %s", name, msg))
        file_id = doc_id_for(target, index.root() or self.uploads)

        def label(doc_id: str) -> str:
            return md(name + doc_id[len(file_id):] if doc_id.startswith(file_id) else doc_id)

        lines = []
        for doc_id in [*report.added, *report.updated, *report.unchanged]:
            stored = index.article(doc_id)
            n = stored.n_passages if stored else 0
            what = f"{n} passage" + ("" if n == 1 else "s") + (f" — {md(stored.title)}" if stored else "")
            if doc_id in report.added:
                lines.append(f"✓ {label(doc_id)}: added, {what}")
            elif doc_id in report.updated:
                lines.append(f"✓ {label(doc_id)}: replaced the earlier version, {what}")
            else:
                lines.append(f"= {label(doc_id)}: already in the index, unchanged — {what}")
        lines += [f"= {label(doc_id)}: duplicate of {md(of)}, not indexed again" for doc_id, of in report.duplicates]
        for skipped in report.skipped:
            where = skipped.path.rpartition(":")[2] if skipped.path.startswith(str(target) + ":") else ""
            lines.append(f"✗ {md(name)}{f' line {where}' if where else ''}: not added — {md(skipped.reason)}")
        if not (report.added or report.updated or report.unchanged or report.duplicates):
            if previous is None:
                target.unlink(missing_ok=True)  # nothing of it is indexed: not kept
            else:
                target.write_bytes(previous)  # the earlier upload of that name stays as it was
        return "\n- ".join(lines) if lines else f"✗ {md(name)}: not added — no articles in it"

    def remove(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return ("Choose an article to remove first.", *self.corpus_views())
        index = self.chain.index
        with self._writing:
            stored = index.article(doc_id)
            removed = index.remove(doc_id)
            # its first duplicate is indexed in its place
            promoted = promote_duplicates_of(doc_id, index, self.chain.embedder, self.chain.settings.chunk)
            if stored is not None:  # the stored upload goes with its last article
                source = Path(os.path.realpath(stored.source))
                last = not any(entry.source == stored.source for entry in index.ledger().values())
                if source.parent == self.uploads and source.is_file() and last:
                    source.unlink()
        message = f"Removed {md(doc_id)}." if removed else f"{md(doc_id)} was not in the index."
        if promoted.added:
            message += " " + ", ".join(md(d) for d in promoted.added) + " (its duplicate) is indexed in its place."
        return (message, *self.corpus_views())


def build_app(chain: QAChain) -> gr.Blocks:
    """The chat page over ``chain``; ``serve`` launches it (with ``PAGE_CSS`` and ``PAGE_SCRIPT``)."""
    page = ChatPage(chain)
    default_k = min(max(chain.settings.retrieval.k, 1), SLIDER_MAX_K)
    server = chain.settings.server

    def ask(
        question: str, k: int = default_k, since: str = "", until: str = "", outlets: list[str] | None = None,
        as_of: str = "",
    ) -> dict[str, Any]:
        """Answer a question over the articles; returns the Answer as JSON.

        The JSON has answer, short_answer, refused, citations and passages, as ``qa ask --json``.

        Optional filters: since/until as YYYY-MM-DD, outlets as a list of names. as_of (YYYY-MM-DD,
        default today): the day the question is asked on, so "this week" prefers that week's articles.
        """
        try:
            return page.ask(question, k, parse_filters(since, until, outlets), parse_as_of(as_of)).model_dump()
        except QuestionError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        except Exception as exc:
            log.exception("answering %r failed", str(question)[:200])
            raise gr.Error(f"Something went wrong: {exc}", print_exception=False) from exc

    with gr.Blocks(title="News QA", analytics_enabled=False) as app:
        gr.Markdown("## News QA — answers quoted from the articles, with their sources")
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Chat", height=520, latex_delimiters=[], buttons=["copy"],
                                          elem_id="qa-chat")
                        with gr.Row():
                            box = gr.Textbox(
                                placeholder="How many peshmerga did Turkey train?", show_label=False,
                                scale=5, max_lines=6, autofocus=True, elem_id="qa-question",
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                        with gr.Accordion("Filters and passages", open=False):
                            with gr.Row():
                                since = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD", max_lines=1)
                                until = gr.Textbox(label="Published until", placeholder="YYYY-MM-DD", max_lines=1)
                            outlets = gr.Dropdown(choices=[], multiselect=True, label="Outlets (none chosen: all)")
                            as_of_box = gr.Textbox(
                                label="As of (the day asked: 'this week' means the week before it)",
                                value=lambda: dt.date.today().isoformat(), placeholder="YYYY-MM-DD", max_lines=1,
                                elem_id="qa-as-of",
                            )
                            k_slider = gr.Slider(1, SLIDER_MAX_K, value=default_k, step=1, label="Passages to use")
                        new_chat = gr.Button("New conversation", size="sm")
                    with gr.Column(scale=2):
                        panel = gr.HTML(NO_SOURCES_HTML, elem_id="qa-panel", container=True, padding=True)
                        pick = gr.Textbox(visible="hidden", elem_id="qa-pick", show_label=False)
            with gr.Tab("Corpus"):
                summary = gr.Markdown()
                table = gr.Dataframe(headers=CORPUS_HEADERS, interactive=False, wrap=True, elem_id="qa-corpus")
                with gr.Row(equal_height=False):
                    with gr.Column():
                        files = gr.File(file_count="multiple", type="filepath", label="Add articles (.txt, .md, .html)",
                                        elem_id="qa-upload")
                        add = gr.Button("Add to the index", variant="primary")
                        added = gr.Markdown(elem_id="qa-upload-result")
                    with gr.Column():
                        doomed = gr.Dropdown(choices=[], label="Article to remove")
                        remove = gr.Button("Remove article", variant="stop")
                        removed = gr.Markdown()

        corpus_outputs = [table, summary, doomed, outlets]
        gr.on(
            [box.submit, send.click], page.respond,
            inputs=[box, chat, turns, k_slider, since, until, outlets, as_of_box], outputs=[chat, box, turns, panel],
            api_visibility="private", concurrency_id="qa",
        )
        pick.change(page.pick, inputs=[pick, turns], outputs=[panel], api_visibility="private",
                    concurrency_limit=None, queue=False)
        new_chat.click(lambda: ([], [], NO_SOURCES_HTML), outputs=[chat, turns, panel], api_visibility="private",
                       queue=False)
        chat.clear(lambda: ([], NO_SOURCES_HTML), outputs=[turns, panel], api_visibility="private", queue=False)
        add.click(page.upload, inputs=[files], outputs=[added, *corpus_outputs], api_visibility="private",
                  concurrency_id="corpus", concurrency_limit=1)
        remove.click(page.remove, inputs=[doomed], outputs=[removed, *corpus_outputs], api_visibility="private",
                     concurrency_id="corpus", concurrency_limit=1)
        app.load(page.corpus_views, outputs=corpus_outputs, api_visibility="private", queue=False)
        gr.api(ask, api_name="ask", concurrency_id="qa")
    app.queue(default_concurrency_limit=server.concurrency, max_size=server.max_queue)
    return app


def serve(settings: Settings, auth: tuple[str, str] | None) -> None:
    """Ingest ``seeds/`` if the index is empty, then serve until interrupted.

    ``auth`` is the login to require, from :func:`qa.access.launch_auth`, which has already
    refused an unsafe combination of host, share and auth.
    """
    server = settings.server
    chain = QAChain(settings)
    try:
        chain.ensure_ingested()
    except FileNotFoundError as exc:  # no corpus to start from: the page still opens, for uploads
        print(f"qa serve: warning: {exc}; serving an empty index: add articles in the Corpus tab", file=sys.stderr)
    app = build_app(chain)
    try:
        # port 0: Gradio picks the first free port from 7860 up
        _, local_url, share_url = app.launch(
            server_name=server.host, server_port=server.port or None, share=server.share, auth=auth,
            quiet=True, prevent_thread_lock=True, max_file_size=f"{server.max_upload_mb}mb",
            css=PAGE_CSS, head=PAGE_SCRIPT,
        )
    except OSError:  # Gradio reports any failure to bind this way
        print(f"qa serve: error: cannot listen on {server.host}:{server.port}: is the port in use? Try --port",
              file=sys.stderr)
        raise SystemExit(2) from None
    print(f"qa: chat page at {local_url}" + (f" and {share_url}" if share_url else "") + "  (Ctrl+C to stop)",
          flush=True)
    app.block_thread()
