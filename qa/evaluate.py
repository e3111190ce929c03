"""Stage 8, evaluate: run a question file through the same chain as ``ask`` and score it.

Question files are YAML lists of ``{id, question, answers, gold_docs, answerable}``
(extra fields are ignored), so the same harness runs on ``eval/questions.yaml``
and on any benchmark in that format.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.settings import Settings
from qa.text import normalise_answer
from qa.verify import citation_scores

SHORT_ANSWER_MAX_WORDS = 30
DEFAULT_QUESTIONS = Path("eval/questions.yaml")
DEFAULT_THRESHOLDS = Path("eval/thresholds.yaml")


class EvalInputError(ValueError):
    """A question or thresholds file that cannot be used; the message says where."""


class Question(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    answers: list[str] = Field(default_factory=list)
    gold_docs: list[str] = Field(default_factory=list)
    answerable: bool = True


@dataclass
class Row:
    """One question's outcome."""

    id: str
    question: str
    answerable: bool
    refused: bool
    short_answer: str
    correct: bool | None  # None for unanswerable questions
    gold_rank: int | None  # rank of the first retrieved passage from a gold article
    citations: int
    cited_gold: int
    retrieved_docs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    f1: float | None = None  # token F1 of the short answer (answerable questions; 0 when refused)
    statements: int = 0  # answer sentences (not refused)
    supported_statements: int = 0  # ... supported by their citations together
    cited_markers: int = 0  # [n] markers on those sentences
    precise_citations: int = 0  # ... whose passage is needed for, or alone supports, the sentence


def load_questions(path: Path) -> list[Question]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalInputError(f"question file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise EvalInputError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, list) or not data:
        raise EvalInputError(f"{path} must be a non-empty YAML list of questions")
    questions = []
    for i, item in enumerate(data):
        try:
            questions.append(Question.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise EvalInputError(f"{path}: question #{i + 1}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return questions


def is_correct(short_answer: str, accepted: list[str]) -> bool:
    """An accepted answer, normalised, appears in the first 30 words of the normalised short answer."""
    clipped = normalise_answer(" ".join(short_answer.split()[:SHORT_ANSWER_MAX_WORDS]))
    padded = f" {clipped} "
    return any(f" {a} " in padded for a in (normalise_answer(x) for x in accepted) if a)


def token_f1(prediction: str, accepted: list[str]) -> float:
    """SQuAD token F1 of ``prediction`` against the best-matching accepted answer."""
    pred = normalise_answer(prediction).split()
    best = 0.0
    for gold in (normalise_answer(a).split() for a in accepted):
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return round(best, 4)


def score(question: Question, answer: Any, seconds: float) -> Row:
    """Compare one :class:`qa.cite.Answer` with its question's gold data."""
    gold = set(question.gold_docs)
    retrieved = [p.doc_id for p in answer.passages]
    gold_rank = next((p.rank for p in answer.passages if p.doc_id in gold), None)
    return Row(
        id=question.id,
        question=question.question,
        answerable=question.answerable,
        refused=answer.refused,
        short_answer=answer.short_answer,
        correct=(not answer.refused and is_correct(answer.short_answer, question.answers))
        if question.answerable else None,
        gold_rank=gold_rank,
        citations=len(answer.citations),
        cited_gold=sum(c.doc_id in gold for c in answer.citations),
        retrieved_docs=retrieved,
        seconds=seconds,
        f1=(0.0 if answer.refused else token_f1(answer.short_answer, question.answers)) if question.answerable else None,
    )


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def metrics(rows: list[Row]) -> dict[str, float | int | None]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    cited = [r for r in answerable if r.citations]
    return {
        "doc_recall_at_k": _ratio(sum(r.gold_rank is not None for r in answerable), len(answerable)),
        "mrr": _ratio(sum(1 / r.gold_rank for r in answerable if r.gold_rank), len(answerable)),
        "answer_accuracy": _ratio(sum(bool(r.correct) for r in answerable), len(answerable)),
        "refusal_accuracy": _ratio(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(r.refused for r in answerable), len(answerable)),
        "citation_precision": _ratio(sum(r.cited_gold for r in cited), sum(r.citations for r in cited)),
        "n_questions": len(rows),
        "seconds_per_question": round(sum(r.seconds for r in rows) / len(rows), 4) if rows else None,
    }


def answer_metrics(rows: list[Row]) -> dict[str, float | None]:
    """Answer quality beyond exact match: SQuAD token F1 and ALCE-style citation recall/precision.

    ``citation_recall``: answer sentences (of answers given, all questions) supported by their
    citations together; ``citation_precision_alce``: [n] markers whose passage supports the
    sentence alone or is needed for it. Support is judged by :mod:`qa.verify`.
    """
    answerable = [r for r in rows if r.answerable]
    return {
        "answer_f1": _ratio(sum(r.f1 or 0.0 for r in answerable), len(answerable)),
        "citation_recall": _ratio(sum(r.supported_statements for r in rows), sum(r.statements for r in rows)),
        "citation_precision_alce": _ratio(sum(r.precise_citations for r in rows), sum(r.cited_markers for r in rows)),
    }


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise EvalInputError(f"thresholds file not found: {path}") from None
    if not isinstance(data, dict) or set(data) - {"min", "max"}:
        raise EvalInputError(f"{path} must map 'min' and/or 'max' to metric: value pairs")
    return {"min": data.get("min") or {}, "max": data.get("max") or {}}


def failures(values: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Human-readable breaches of the thresholds."""
    out = []
    for name, bound in thresholds["min"].items():
        if name not in values:
            raise EvalInputError(f"unknown metric in thresholds: {name}")
        if values[name] is not None and values[name] < bound:
            out.append(f"{name} = {values[name]} < {bound}")
    for name, bound in thresholds["max"].items():
        if name not in values:
            raise EvalInputError(f"unknown metric in thresholds: {name}")
        if values[name] is not None and values[name] > bound:
            out.append(f"{name} = {values[name]} > {bound}")
    return out


def corpus_for(questions: Path, corpus: Path | None, settings: Settings) -> Path:
    """The given corpus, else a ``corpus/`` folder beside the question file, else the default corpus."""
    if corpus is not None:
        return corpus
    beside = questions.parent / "corpus"
    return beside if beside.is_dir() else settings.corpus_dir


def collection_for(corpus: Path) -> str:
    """Each evaluated corpus gets its own collection, named after the folder."""
    resolved = corpus.resolve()
    stem = re.sub(r"[^a-zA-Z0-9]+", "-", "-".join(resolved.parts[-2:])).strip("-")[:40] or "corpus"
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    return f"eval-{stem}-{digest}"


def evaluate(settings: Settings, questions: list[Question], corpus: Path, *, progress: bool = True) -> list[Row]:
    """Ingest ``corpus`` into its own collection if needed, then answer and score every question."""
    from qa.chain import QAChain
    from qa.ingest import ingest_folder

    settings = settings.with_overrides(collection=collection_for(corpus))
    chain = QAChain(settings)
    report = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=progress)
    if report.added or report.updated or report.skipped:
        print(f"corpus {corpus}: {report.summary()}", file=sys.stderr)
    rows = []
    for q in questions:
        started = time.perf_counter()
        answer = chain.ask(q.question)
        row = score(q, answer, time.perf_counter() - started)
        row.statements, row.supported_statements, row.cited_markers, row.precise_citations = citation_scores(
            answer, chain.verifier
        )
        rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    lines = [f"{'id':<34} {'ans':<4} {'ref':<4} {'ok':<3} {'gold@':<5} {'f1':<5} short answer"]
    for r in rows:
        ok = "-" if r.correct is None else ("y" if r.correct else "n")
        if not r.answerable:
            ok = "y" if r.refused else "n"
        short = " ".join(r.short_answer.split())
        short = short if len(short) <= 60 else short[:57] + "..."
        lines.append(
            f"{r.id[:34]:<34} {'y' if r.answerable else 'n':<4} {'y' if r.refused else 'n':<4} {ok:<3} "
            f"{r.gold_rank or '-'!s:<5} {'-' if r.f1 is None else f'{r.f1:.2f}':<5} {short}"
        )
    return "\n".join(lines)


def run_cli(
    settings: Settings, *, questions: Path, corpus: Path | None, json_out: Path | None, thresholds: Path | None
) -> int:
    qs = load_questions(questions)
    corpus = corpus_for(questions, corpus, settings)
    if thresholds is None and questions.resolve() == DEFAULT_QUESTIONS.resolve() and DEFAULT_THRESHOLDS.exists():
        thresholds = DEFAULT_THRESHOLDS
    rows = evaluate(settings, qs, corpus)
    values = {**metrics(rows), **answer_metrics(rows)}
    print(table(rows))
    print()
    print(f"k = {settings.retrieval.k}, corpus = {corpus}, questions = {questions}")
    for name, value in values.items():
        print(f"{name:<22} {value}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        payload = {**values, "k": settings.retrieval.k, "questions_file": str(questions), "corpus": str(corpus),
                   "per_question": [asdict(r) for r in rows]}
        json_out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        print(f"wrote {json_out}")
    if thresholds is not None:
        breaches = failures(values, load_thresholds(thresholds))
        if breaches:
            print(f"FAIL against {thresholds}: " + "; ".join(breaches), file=sys.stderr)
            return 1
        print(f"pass against {thresholds}")
    return 0
