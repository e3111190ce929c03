"""The eval harness end to end, through the CLI, with its gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import KHALEEJ, ROOT, SEEDS


def test_eval_writes_metrics_and_gates_on_thresholds(tmp_path: Path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump([
        {"id": "pesh", "question": "How many peshmerga did Turkey train?", "answers": ["1,600"],
         "gold_docs": [KHALEEJ], "answerable": True, "notes": "extra fields are ignored"},
        {"id": "capital", "question": "What is the population of Canberra?", "answers": [], "gold_docs": [],
         "answerable": False},
    ]))
    easy = tmp_path / "easy.yaml"
    easy.write_text("min:\n  answer_accuracy: 1.0\n  doc_recall_at_k: 1.0\nmax:\n  false_refusal_rate: 0.0\n")
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text("max:\n  seconds_per_question: 0.0\n")
    out = tmp_path / "out.json"
    base = [sys.executable, "-m", "qa", "eval", "--questions", str(questions), "--corpus", str(SEEDS),
            "--data-dir", str(tmp_path / "data"), "--json", str(out)]

    passed = subprocess.run([*base, "--thresholds", str(easy)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    metrics = json.loads(out.read_text())
    for key in ["doc_recall_at_k", "mrr", "answer_accuracy", "refusal_accuracy", "false_refusal_rate",
                "citation_precision", "n_questions", "seconds_per_question", "answer_f1", "citation_recall",
                "citation_precision_alce"]:
        assert key in metrics
    assert metrics["n_questions"] == 2 and metrics["answer_accuracy"] == 1.0 and metrics["refusal_accuracy"] == 1.0
    assert metrics["citation_recall"] == 1.0 and metrics["citation_precision_alce"] == 1.0  # verbatim quotes
    assert "pesh" in passed.stdout and "pass against" in passed.stdout

    failed = subprocess.run([*base, "--thresholds", str(impossible)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 1
    assert "FAIL" in failed.stderr and "seconds_per_question" in failed.stderr
