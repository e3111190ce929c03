from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.evaluate import EvalInputError, Row, failures, is_correct, load_questions, metrics
from qa.settings import Settings


def test_env_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_RETRIEVAL__K", "9")
    monkeypatch.setenv("QA_DATA_DIR", "/tmp/somewhere")
    s = Settings()
    assert s.retrieval.k == 9 and s.data_dir == Path("/tmp/somewhere")
    t = s.with_overrides(**{"retrieval.k": 3, "collection": None})
    assert t.retrieval.k == 3 and t.collection == s.collection
    with pytest.raises(ValidationError):
        s.with_overrides(collection="x")


def test_short_answer_is_clipped_to_30_words() -> None:
    assert is_correct("Turkey trained 1,600 peshmerga.", ["1600"])
    assert is_correct("1,600", ["1,600", "1600"])
    assert not is_correct("16000", ["1600"]), "whole tokens only"
    long_paste = " ".join(["filler"] * 30) + " 1,600"
    assert not is_correct(long_paste, ["1,600"])


def _row(**kw: object) -> Row:
    base = dict(id="q", question="?", answerable=True, refused=False, short_answer="", correct=True, gold_rank=1,
                citations=1, cited_gold=1)
    base.update(kw)
    return Row(**base)  # type: ignore[arg-type]


def test_metrics_by_definition() -> None:
    rows = [
        _row(gold_rank=1, correct=True, citations=2, cited_gold=1),
        _row(gold_rank=2, correct=False),
        _row(gold_rank=None, correct=False, refused=True, citations=0, cited_gold=0),
        _row(answerable=False, refused=True, correct=None, gold_rank=None, citations=0, cited_gold=0),
        _row(answerable=False, refused=False, correct=None, gold_rank=None),
    ]
    m = metrics(rows)
    assert m["doc_recall_at_k"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr"] == pytest.approx((1 + 0.5) / 3, abs=1e-4)
    assert m["answer_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["citation_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["n_questions"] == 5


def test_thresholds() -> None:
    values = {"answer_accuracy": 0.8, "false_refusal_rate": 0.2}
    assert failures(values, {"min": {"answer_accuracy": 0.7}, "max": {"false_refusal_rate": 0.25}}) == []
    assert len(failures(values, {"min": {"answer_accuracy": 0.9}, "max": {"false_refusal_rate": 0.1}})) == 2
    with pytest.raises(EvalInputError):
        failures(values, {"min": {"nonsense": 1}, "max": {}})


def test_question_file_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "q.yaml"
    bad.write_text("- id: a\n  answers: [x]\n")
    with pytest.raises(EvalInputError, match="question #1: question"):
        load_questions(bad)
    bad.write_text("{not a list")
    with pytest.raises(EvalInputError):
        load_questions(bad)
    with pytest.raises(EvalInputError, match="not found"):
        load_questions(tmp_path / "missing.yaml")
    ok = tmp_path / "ok.yaml"
    ok.write_text("- id: a\n  question: Why?\n  answers: []\n  gold_docs: []\n  answerable: false\n  extra: 1\n")
    assert load_questions(ok)[0].answerable is False


def test_a_question_date_is_the_day_it_was_asked(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "q.yaml"
    path.write_text(
        "- {id: a, question: 'Who won this week?', question_date: 2023/01/26}\n"
        "- {id: b, question: 'Who won this week?', question_date: 2023-02-03}\n"
        "- {id: c, question: 'Who won?'}\n"
    )
    assert [q.question_date for q in load_questions(path)] == [dt.date(2023, 1, 26), dt.date(2023, 2, 3), None]
    path.write_text("- {id: a, question: 'Who won this week?', question_date: 26/01/2023}\n")
    with pytest.raises(EvalInputError, match="question #1: question_date"):
        load_questions(path)
