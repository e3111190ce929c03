"""The command line: ``python -m qa ingest|ask|serve|eval|check``.

Flags override settings (which environment variables ``QA_*`` set); errors
are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from qa.settings import Settings

if TYPE_CHECKING:
    from qa.retrieve import SearchFilters

ASK_EXAMPLE = "How many peshmerga did Turkey train?"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="index folder (default: $QA_DATA_DIR or ./data)")
    parser.add_argument("--collection", help="collection name (default: $QA_COLLECTION or 'articles')")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show the libraries' log lines and warnings")


QA_PACKAGE = str(Path(__file__).resolve().parent)


class OwnLines(logging.Filter):
    """Lets through qa's own log records (INFO and up) and the libraries' errors; everything when verbose."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbose:
            return True
        own = record.name == "qa" or record.name.startswith("qa.")
        return record.levelno >= (logging.INFO if own else logging.ERROR)


def quiet_libraries(command: str, verbose: bool) -> None:
    """One stderr handler for every logger, so no library installs its own (logging.warning() would),
    showing qa's lines and hiding the libraries' chatter unless ``verbose``; warnings become one line,
    and only qa's own are shown unless ``verbose``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"qa {command}: %(name)s: %(message)s" if verbose else f"qa {command}: %(message)s"))
    handler.addFilter(OwnLines(verbose))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)

    def one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        if verbose or str(Path(filename).resolve()).startswith(QA_PACKAGE):
            print(f"qa {command}: warning: {message}", file=sys.stderr)

    warnings.showwarning = one_line_warning


def _iso_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2016-03-31") from None


def _filter_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or after this day")
    parser.add_argument("--until", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or before this day")
    parser.add_argument("--source", action="append", metavar="OUTLET", help="only articles from this outlet (repeatable)")


def filters_from(args: argparse.Namespace) -> SearchFilters | None:
    """The search filters the flags ask for, or None."""
    from qa.retrieve import SearchFilters

    filters = SearchFilters(since=args.since, until=args.until, outlets=args.source or [])
    return None if filters.is_empty() else filters


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Answer questions over news articles, with cited passages.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="chunk, embed and index a folder of articles")
    p.add_argument("folder", nargs="?", type=Path, help="folder of .txt/.md/.html articles (default: seeds/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--prune", action="store_true", help="also remove indexed articles whose files are gone from FOLDER")
    _common(p)

    p = sub.add_parser("check", help="check that the passage store and the article table agree, and repair them")
    _common(p)

    p = sub.add_parser("ask", help="answer one question with cited sources")
    p.add_argument("question", help=f'e.g. "{ASK_EXAMPLE}"')
    p.add_argument("-k", type=int, help="passages to retrieve (default: 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--as-of", type=_iso_day, metavar="YYYY-MM-DD",
                   help="the day the question is asked on (default: today): 'this week', 'recently' and the like "
                        "prefer articles published in that window before it")
    _filter_flags(p)
    _common(p)

    p = sub.add_parser("serve", help="open the chat page (Gradio)")
    p.add_argument("--host", help="interface to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 7860)")
    p.add_argument("--share", action="store_true", default=None,
                   help="also open a public gradio.live link (needs --auth or --no-auth)")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login (default: $QA_SERVER__AUTH); needed beyond localhost")
    p.add_argument("--no-auth", action="store_true", default=None,
                   help="allow --host beyond localhost or --share without a password")
    _common(p)

    p = sub.add_parser("eval", help="score answers against a question file")
    p.add_argument("--questions", type=Path, default=Path("eval/questions.yaml"), help="YAML question file")
    p.add_argument("--corpus", type=Path, help="folder the questions are about (default: seeds/, or the 'corpus' folder beside the questions file)")
    p.add_argument("--json", dest="json_out", type=Path, help="write the metrics (and per-question rows) to this JSON file")
    p.add_argument("--thresholds", type=Path, help="YAML of minimum metrics; exit 1 below them (default: eval/thresholds.yaml for the default questions)")
    p.add_argument("-k", type=int, help="passages to retrieve (default: 5)")
    p.add_argument("--baseline", action="store_true", help="also score LangChain's tutorial retrieval on the same corpus, side by side")
    p.add_argument("--as-of", type=_iso_day, metavar="YYYY-MM-DD",
                   help="the day every question is asked on (default: each question's question_date, if it has one)")
    _filter_flags(p)
    _common(p)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings().with_overrides(
        data_dir=getattr(args, "data_dir", None),
        collection=getattr(args, "collection", None),
        **{
            "retrieval.k": getattr(args, "k", None),
            "server.host": getattr(args, "host", None),
            "server.port": getattr(args, "port", None),
            "server.share": getattr(args, "share", None),
            "server.auth": getattr(args, "auth", None),
            "server.no_auth": getattr(args, "no_auth", None),
        },
    )


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from qa.chain import embedder_for, open_index
    from qa.ingest import ingest_folder

    folder = args.folder or settings.corpus_dir
    index = open_index(settings)
    started = time.perf_counter()
    report = ingest_folder(
        folder, index, embedder_for(settings), settings.chunk, prune=args.prune, progress=not args.quiet
    )
    elapsed = time.perf_counter() - started
    print(report.summary())
    print(f"index: {index.count()} passages from {len(index.articles())} articles in {settings.data_dir} "
          f"(ingest took {elapsed:.2f} s)")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from qa.chain import embedder_for, open_index
    from qa.consistency import check

    index = open_index(settings)
    for line in check(index, embedder_for(settings), settings.chunk, log=lambda m: print(f"qa check: {m}", file=sys.stderr)):
        print(line)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.chain import QAChain, check_question
    from qa.cite import render_text

    question = check_question(args.question)
    chain = QAChain(settings)
    chain.ensure_ingested()
    answer = chain.ask(question, filters=filters_from(args), as_of=args.as_of or dt.date.today())
    print(answer.model_dump_json(indent=2) if args.json else render_text(answer))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from qa.access import launch_auth

    server = settings.server
    auth = launch_auth(server.host, server.share, server.auth, server.no_auth)  # refused before Gradio loads
    from qa.ui import serve

    serve(settings, auth)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa.evaluate import run_cli

    return run_cli(
        settings, questions=args.questions, corpus=args.corpus, json_out=args.json_out, thresholds=args.thresholds,
        filters=filters_from(args), baseline=args.baseline, as_of=args.as_of,
    )


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "serve": cmd_serve, "eval": cmd_eval, "check": cmd_check}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from qa.access import AccessError
    from qa.chain import QuestionError
    from qa.embed import ModelNotFound
    from qa.evaluate import EvalInputError
    from qa.index import IndexUnusable
    from qa.reader import ReaderMissing

    quiet_libraries(args.command, args.verbose)
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings)
    except (QuestionError, ModelNotFound, ReaderMissing, IndexUnusable, EvalInputError, AccessError, OSError) as exc:
        print(f"qa {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"qa {args.command}: invalid setting: {problems}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qa {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
