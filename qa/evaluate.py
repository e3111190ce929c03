"""Stage 8, evaluate: run a question file through the same chain as ``ask`` and score it.

Question files are YAML lists of ``{id, question, answers, gold_docs, answerable}``
(extra fields are ignored), so the same harness runs on ``eval/questions.yaml``
and on any benchmark in that format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qa.settings import Settings
from qa.text import normalise_answer
from qa.verify import citation_scores

if TYPE_CHECKING:
    from qa.retrieve import SearchFilters

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
    question_date: dt.date | None = None  # the day it was asked on: its as-of date (qa.recency)

    @field_validator("question_date", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        """Dates as YAML writes them (2023-01-26) or as question files from the web do (2023/01/26)."""
        return value.replace("/", "-") if isinstance(value, str) else value


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
    answer_in_passages: bool | None = None  # None for unanswerable questions and ones without a textual answer
    ndcg: float | None = None  # None for unanswerable questions
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


# Answers that judge the passages instead of quoting them ("Does the Verge article say X?" "No"):
# the words "yes" and "no" turn up in passages that say nothing about the question.
JUDGEMENT_ANSWERS = frozenset({"yes", "no"})


def answer_in_passages(texts: list[str], accepted: list[str]) -> bool | None:
    """An accepted answer, SQuAD-normalised, appears as whole words in one of the retrieved passages.

    None when no accepted answer can be looked for in text: none given, or only yes/no.
    """
    answers = [a for a in (normalise_answer(x) for x in accepted) if a and a not in JUDGEMENT_ANSWERS]
    if not answers:
        return None
    return any(f" {a} " in f" {normalise_answer(t)} " for t in texts for a in answers)


def ndcg(retrieved_docs: list[str], gold_docs: list[str]) -> float:
    """Normalised discounted cumulative gain of the ranking, one unit of gain per gold article.

    A gold article counts at the rank of its first passage (later passages of it add nothing),
    and the ideal ranking puts one passage of each gold article first, so a question with two
    gold articles needs both near the top to score 1.
    """
    gold = set(gold_docs)
    seen: set[str] = set()
    gain = 0.0
    for rank, doc in enumerate(retrieved_docs, start=1):
        if doc in gold and doc not in seen:
            seen.add(doc)
            gain += 1 / math.log2(rank + 1)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(gold), len(retrieved_docs)) + 1))
    return gain / ideal if ideal else 0.0


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
    row = retrieval_row(question, [p.doc_id for p in answer.passages], [p.text for p in answer.passages], seconds)
    gold = set(question.gold_docs)
    return replace(
        row,
        refused=answer.refused,
        short_answer=answer.short_answer,
        correct=(not answer.refused and is_correct(answer.short_answer, question.answers))
        if question.answerable else None,
        citations=len(answer.citations),
        cited_gold=sum(c.doc_id in gold for c in answer.citations),
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
        **retrieval_metrics(answerable),
        **answer_metrics(rows),
        "n_questions": len(rows),
        "seconds_per_question": round(sum(r.seconds for r in rows) / len(rows), 4) if rows else None,
    }


def retrieval_metrics(answerable: list[Row]) -> dict[str, float | None]:
    """``answer_in_passages`` (questions with accepted answers) and ``ndcg_at_k`` (answerable questions)."""
    with_answers = [r for r in answerable if r.answer_in_passages is not None]
    scored = [r for r in answerable if r.ndcg is not None]
    return {
        "answer_in_passages": _ratio(sum(bool(r.answer_in_passages) for r in with_answers), len(with_answers)),
        "ndcg_at_k": _ratio(sum(r.ndcg or 0.0 for r in scored), len(scored)),
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


def evaluate(
    settings: Settings, questions: list[Question], corpus: Path, *, progress: bool = True,
    filters: SearchFilters | None = None, as_of: dt.date | None = None,
) -> list[Row]:
    """Ingest ``corpus`` into its own collection if needed, then answer and score every question.

    Each question is asked as of ``as_of`` when given, else as of its own ``question_date`` (if any).
    """
    from qa.chain import QAChain
    from qa.ingest import ingest_folder

    settings = settings.with_overrides(collection=collection_for(corpus))
    chain = QAChain(settings)
    report = ingest_folder(corpus, chain.index, chain.embedder, settings.chunk, progress=progress)
    if report.added or report.updated or report.skipped:
        print(f"corpus {corpus}: {report.summary()}", file=sys.stderr)
    duplicates = chain.index.duplicates()
    rows = []
    for q in questions:
        started = time.perf_counter()
        answer = chain.ask(q.question, filters=filters, as_of=as_of or q.question_date)
        row = score(with_duplicate_originals(q, duplicates), answer, time.perf_counter() - started)
        row.statements, row.supported_statements, row.cited_markers, row.precise_citations = citation_scores(
            answer, chain.verifier
        )
        rows.append(row)
    return rows


def with_duplicate_originals(question: Question, duplicates: dict[str, str]) -> Question:
    """``question`` with, for each gold article that ingest recorded as a duplicate, the indexed
    article it repeats (its text is the same story, and only that one can be retrieved)."""
    extra = [duplicates[d] for d in question.gold_docs if d in duplicates and duplicates[d] not in question.gold_docs]
    return question.model_copy(update={"gold_docs": [*question.gold_docs, *extra]}) if extra else question


RETRIEVAL_METRICS = ("doc_recall_at_k", "mrr", "ndcg_at_k", "answer_in_passages")


def retrieval_row(question: Question, doc_ids: list[str], texts: list[str], seconds: float) -> Row:
    """Score a bare ranking (no answer, or before the answer is scored by :func:`score`) with the retrieval metrics."""
    gold = set(question.gold_docs)
    return Row(
        id=question.id, question=question.question, answerable=question.answerable, refused=False,
        short_answer="", correct=None,
        gold_rank=next((rank for rank, doc in enumerate(doc_ids, start=1) if doc in gold), None),
        citations=0, cited_gold=0, retrieved_docs=doc_ids, seconds=seconds,
        answer_in_passages=answer_in_passages(texts, question.answers) if question.answerable else None,
        ndcg=ndcg(doc_ids, question.gold_docs) if question.answerable else None,
    )


def evaluate_baseline(settings: Settings, questions: list[Question], corpus: Path) -> dict[str, Any]:
    """The LangChain tutorial pipeline (:mod:`qa.baseline`) on the same corpus: retrieval metrics at k and at 4."""
    from qa.baseline import TUTORIAL_K, Baseline
    from qa.chain import embedder_for

    baseline = Baseline.build(corpus, settings.data_dir / "baseline", embedder_for(settings))
    k = settings.retrieval.k
    at_k: list[Row] = []
    at_tutorial_k: list[Row] = []
    for q in questions:
        started = time.perf_counter()
        hits = baseline.search(q.question, max(k, TUTORIAL_K))
        seconds = time.perf_counter() - started
        for rows, n in ((at_k, k), (at_tutorial_k, TUTORIAL_K)):
            rows.append(retrieval_row(q, [h.doc_id for h in hits[:n]], [h.text for h in hits[:n]], seconds))
    scores = {name: metrics(at_k)[name] for name in RETRIEVAL_METRICS}
    scores[f"at_{TUTORIAL_K}"] = {name: metrics(at_tutorial_k)[name] for name in RETRIEVAL_METRICS}
    scores["seconds_per_question"] = metrics(at_k)["seconds_per_question"]
    return scores


def side_by_side(values: dict[str, Any], baseline: dict[str, Any], k: int) -> str:
    """qa's retrieval metrics next to the baseline's, one line per metric."""
    from qa.baseline import TUTORIAL_K

    lines = [f"{'retrieval':<22} {'qa':>8} {'baseline':>9} {'baseline@' + str(TUTORIAL_K):>11}   (k = {k})"]
    for name in RETRIEVAL_METRICS:
        lines.append(
            f"{name:<22} {values[name]!s:>8} {baseline[name]!s:>9} {baseline[f'at_{TUTORIAL_K}'][name]!s:>11}"
        )
    return "\n".join(lines)


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
    settings: Settings, *, questions: Path, corpus: Path | None, json_out: Path | None, thresholds: Path | None,
    filters: SearchFilters | None = None, baseline: bool = False, as_of: dt.date | None = None,
) -> int:
    qs = load_questions(questions)
    corpus = corpus_for(questions, corpus, settings)
    if baseline and filters is not None and not filters.is_empty():
        raise EvalInputError("--baseline compares unfiltered retrieval (the tutorial has no filters): drop --since/--until/--source")
    if thresholds is None and questions.resolve() == DEFAULT_QUESTIONS.resolve() and DEFAULT_THRESHOLDS.exists():
        thresholds = DEFAULT_THRESHOLDS
    rows = evaluate(settings, qs, corpus, filters=filters, as_of=as_of)
    values = metrics(rows)
    baseline_values = evaluate_baseline(settings, qs, corpus) if baseline else None
    print(table(rows))
    print()
    dated = sum(q.question_date is not None for q in qs)
    asked = f"as of {as_of}" if as_of else (f"as of each question_date ({dated} of {len(qs)})" if dated else "no as-of date")
    print(f"k = {settings.retrieval.k}, corpus = {corpus}, questions = {questions}, {asked}")
    for name, value in values.items():
        print(f"{name:<22} {value}")
    if baseline_values is not None:
        print()
        print(side_by_side(values, baseline_values, settings.retrieval.k))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        payload = {**values, "k": settings.retrieval.k, "questions_file": str(questions), "corpus": str(corpus),
                   "per_question": [asdict(r) for r in rows]}
        if baseline_values is not None:
            payload["baseline"] = baseline_values
        json_out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        print(f"wrote {json_out}")
    if thresholds is not None:
        breaches = failures(values, load_thresholds(thresholds))
        if breaches:
            print(f"FAIL against {thresholds}: " + "; ".join(breaches), file=sys.stderr)
            return 1
        print(f"pass against {thresholds}")
    return 0
