"""The documented commands, run as a user runs them: new processes, real model, real index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KHALEEJ, PESHMERGA, ROOT


def run(args: list[str], data_dir: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-data")


def test_ask_json_on_a_fresh_data_folder_ingests_the_seeds_first(data_dir: Path) -> None:
    result = run(["-m", "qa", "ask", PESHMERGA, "--json", "-k", "4"], data_dir)
    assert result.returncode == 0, result.stderr
    assert "ingesting seeds" in result.stderr
    answer = json.loads(result.stdout)
    assert {"question", "answer", "refused", "citations", "passages"} <= answer.keys()
    assert answer["refused"] is False and "1,600" in answer["answer"]
    assert len(answer["passages"]) == 4
    citation = answer["citations"][0]
    assert set(citation) == {"n", "doc_id", "title", "outlet", "published", "start", "end", "quote"}
    assert citation["doc_id"] == KHALEEJ and citation["n"] == 1
    assert (citation["outlet"], citation["published"]) == ("Khaleej Times", "2015-07-14")


def test_ask_text_lists_numbered_sources(data_dir: Path) -> None:
    result = run(["-m", "qa", "ask", PESHMERGA], data_dir)
    assert result.returncode == 0, result.stderr
    assert "ingesting" not in result.stderr, "the index already exists"
    lines = result.stdout.splitlines()
    assert lines[0] == "1,600 [1]"
    source = next(line for line in lines if line.startswith("[1] "))
    assert source.startswith(
        "[1] Iraq seeks 'uninterrupted' Turkish military support against Daesh — Khaleej Times, 2015-07-14 — " + KHALEEJ
    )
    assert "1,600 peshmerga fighters" in source


def test_ingest_script_reports_bad_files_and_ingests_the_rest(tmp_path: Path, seeds_copy: Path) -> None:
    (seeds_copy / "broken.txt").write_bytes(b"\x00\x00garbage")
    result = run(["ingest.py", str(seeds_copy), "--quiet"], tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "added 5" in result.stdout
    assert f"skipped {seeds_copy / 'broken.txt'}: binary file" in result.stdout


def test_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    empty = run(["-m", "qa", "ask", "  "], tmp_path / "data")
    assert empty.returncode == 2 and empty.stderr.strip() == "qa ask: error: the question is empty"
    missing = run(["-m", "qa", "ingest", str(tmp_path / "nope")], tmp_path / "data")
    assert missing.returncode == 2 and "corpus folder not found" in missing.stderr
    assert "Traceback" not in missing.stderr + empty.stderr


# Every line qa itself writes to stderr on a first `ask` (ingesting the seeds on the way).
OWN_LINES = (
    r"the index is empty: ingesting seeds first",
    r"embedding \d+ passages from \d+ articles",
    r"added \d+, updated \d+, unchanged \d+, duplicates \d+, skipped \d+, removed \d+; \d+ passages embedded",
)


def test_a_first_run_is_quiet_stdout_is_the_answer_and_stderr_only_qa_s_own_lines(tmp_path: Path) -> None:
    """A fresh data dir and a fresh model cache: the ONNX exports (torch, transformers, onnx) happen here."""
    import re

    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "data"), "QA_EMBEDDING__CACHE_DIR": str(tmp_path / "cache"),
           "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "qa", "ask", PESHMERGA], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "1,600 [1]"
    strays = [line for line in result.stderr.splitlines() if not any(re.fullmatch(p, line) for p in OWN_LINES)]
    assert strays == [], strays
    env["QA_DATA_DIR"] = str(tmp_path / "data-verbose")  # the BM25 index is built again, and says so with -v
    verbose = subprocess.run([sys.executable, "-m", "qa", "ask", PESHMERGA, "-v"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 0 and verbose.stdout == result.stdout
    assert any(line.startswith("qa ask: bm25s: ") for line in verbose.stderr.splitlines()), verbose.stderr[-2000:]
