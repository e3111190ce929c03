"""The seed eval gate, run exactly as documented: `python -m qa eval`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

METRICS = ["doc_recall_at_k", "mrr", "answer_accuracy", "refusal_accuracy", "false_refusal_rate",
           "citation_precision", "n_questions", "seconds_per_question"]


def test_seed_questions_are_a_fair_test() -> None:
    questions = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())
    assert len(questions) >= 30 and len({q["id"] for q in questions}) == len(questions)
    assert sum(not q["answerable"] for q in questions) >= 6
    for q in questions:
        if q["answerable"]:
            assert q["answers"] and q["gold_docs"], q["id"]
            assert all((ROOT / "seeds" / d).exists() for d in q["gold_docs"]), q["id"]
        else:
            assert not q["answers"] and not q["gold_docs"], q["id"]


def test_seed_eval_passes_its_thresholds(tmp_path: Path) -> None:
    out = tmp_path / "seed-eval.json"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--json", str(out), "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "pass against eval/thresholds.yaml" in result.stdout
    metrics = json.loads(out.read_text())
    assert all(metrics[name] is not None for name in METRICS)
    assert metrics["n_questions"] == len(yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text()))
    assert len(metrics["per_question"]) == metrics["n_questions"]
