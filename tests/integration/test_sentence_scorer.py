"""The int8 sentence scorer: built offline from the ONNX export, cached, close to the full model,
and the offline answerer gives the full model's answers with it, from sentence vectors stored at
ingest (qa.sentences) or embedded at question time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from langchain_core.documents import Document

import qa.answer
from qa.answer import SCORER_MARGIN, SEMANTIC_WEIGHT, ExtractiveAnswerer
from qa.chunk import chunk, split_sentences
from qa.clean import clean
from qa.embed import OnnxEmbedder, sentence_scorer
from qa.evaluate import load_questions
from qa.ingest import embedding_text
from qa.load import read
from qa.sentences import SentenceStore, fill
from qa.settings import Settings
from tests.conftest import ROOT, SEEDS

SETTINGS = Settings()


@pytest.fixture(scope="module")
def full() -> OnnxEmbedder:
    embedder = OnnxEmbedder(cache_dir=SETTINGS.embedding.cache_dir)
    embedder.embed(["warm up"])  # exports the fp32 graph if this machine has not yet
    return embedder


@pytest.fixture(scope="module")
def seed_passages(full: OnnxEmbedder) -> tuple[list[Document], np.ndarray]:
    """Every passage of the seeds as retrieval returns them (no index needed), with their vectors."""
    docs, texts = [], []
    for path in sorted(SEEDS.glob("*.txt")):
        article = clean(read(path, SEEDS))
        for p in chunk(article.doc_id, article.text, SETTINGS.chunk):
            docs.append(Document(p.text, metadata={"doc_id": article.doc_id, "title": article.title,
                                                   "passage": p.index, "start": p.start, "end": p.end}))
            texts.append(embedding_text(article, p))
    return docs, full.embed(texts)


def questions() -> list[str]:
    return [q.question for q in load_questions(ROOT / "eval" / "questions.yaml")]


def test_int8_copy_is_built_from_the_export_without_torch_and_reused(full: OnnxEmbedder, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    export = cache / "onnx" / full.onnx_path.name
    export.parent.mkdir(parents=True)
    shutil.copy(full.onnx_path, export)  # the fp32 export only, as the first ask after an ingest finds it
    code = (
        "from qa.embed import OnnxEmbedder\n"
        f"e = OnnxEmbedder(cache_dir={str(cache)!r}, int8=True)\n"
        "e.embed(['How many peshmerga did Turkey train?'])\n"
        "print(e.quantized, e.exported, e.model_file)\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    quantized, exported, model_file = result.stdout.split()
    assert (quantized, exported) == ("True", "False"), "the int8 copy must come from the cached export"
    model_file = Path(model_file)
    assert model_file.parent == export.parent and model_file.name.startswith(export.stem)
    # int8 matrices; the word-embedding table (half the file) stays fp32, it is a lookup, not a product
    assert model_file.stat().st_size < export.stat().st_size * 0.7
    imports = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    modules = {line.split("|")[-1].strip().split(".")[0] for line in imports}
    assert not modules & {"torch", "transformers", "sentence_transformers"}
    again = OnnxEmbedder(cache_dir=cache, int8=True)
    before = model_file.stat().st_mtime_ns
    again.embed(["again"])
    assert not again.quantized and model_file.stat().st_mtime_ns == before
    assert sorted(p.name for p in export.parent.iterdir()) == sorted([export.name, model_file.name]), "temp files left"
    assert again.name != full.name, "the int8 model must never be taken for the indexing model"


def test_int8_similarities_stay_within_the_margin_of_the_full_model(
    full: OnnxEmbedder, seed_passages: tuple[list[Document], np.ndarray]
) -> None:
    docs, _ = seed_passages
    sentences = sorted({d.page_content[s.start : s.end] for d in docs for s in split_sentences(d.page_content)})
    sentences = [s for s in sentences if len(s.split()) >= 3]
    scorer = sentence_scorer(full)
    assert isinstance(scorer, OnnxEmbedder) and scorer is sentence_scorer(full)  # one twin per embedder
    exact, approximate = full.embed(sentences), scorer.embed(sentences)
    qs = full.embed(questions())
    a, b = exact @ qs.T, approximate @ qs.T  # sentences x questions
    # The answerer re-scores with the full model every sentence within SCORER_MARGIN of a decision;
    # that is only sound while the int8 error in support stays well inside it.
    assert SEMANTIC_WEIGHT * 0.75 * np.abs(a - b).max() < SCORER_MARGIN / 2
    assert (a.argmax(axis=0) == b.argmax(axis=0)).mean() >= 0.8  # the best sentence per question
    ranks_a, ranks_b = a.argsort(axis=0).argsort(axis=0), b.argsort(axis=0).argsort(axis=0)
    n = len(sentences)
    spearman = 1 - 6 * ((ranks_a - ranks_b) ** 2).sum(axis=0) / (n * (n**2 - 1))
    assert np.median(spearman) >= 0.98 and spearman.min() >= 0.9


@pytest.mark.parametrize("stored", [False, True], ids=["embedded-at-question-time", "stored-at-ingest"])
def test_answers_are_the_full_models_and_few_sentences_need_it(
    full: OnnxEmbedder, seed_passages: tuple[list[Document], np.ndarray], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, stored: bool,
) -> None:
    docs, vectors = seed_passages
    scorer = sentence_scorer(full)
    store = None
    if stored:
        store = SentenceStore(tmp_path / "sentences.sqlite3")
        fill(store, scorer, [("seeds", [d.page_content for d in docs])])
    embedded: dict[str, list[str]] = {"full": [], "int8": []}

    def counting(embedder: OnnxEmbedder, label: str):  # noqa: ANN202 - the real model, counting what it embeds
        original = embedder.embed

        def counted(texts, **kwargs):  # noqa: ANN001, ANN202
            embedded[label].extend(texts)
            return original(texts, **kwargs)

        return counted

    two_stage = ExtractiveAnswerer(full, SETTINGS.answer, store)
    reference = ExtractiveAnswerer(full, SETTINGS.answer)
    full_model_sentences = candidates = 0
    for q in questions()[::2]:
        scores = vectors @ full.embed([q])[0]
        top = [Document(docs[i].page_content, metadata={**docs[i].metadata, "score": float(scores[i]), "rank": rank})
               for rank, i in enumerate(np.argsort(-scores)[: SETTINGS.retrieval.k], start=1)]
        with monkeypatch.context() as m:
            m.setattr(full, "embed", counting(full, "full"))
            m.setattr(scorer, "embed", counting(scorer, "int8"))
            embedded["full"].clear()
            got = two_stage.answer(q, top)
            full_model_sentences += len([t for t in embedded["full"] if t != q])
        candidates += len(two_stage.score(q, top))
        with monkeypatch.context() as m:
            m.setattr(qa.answer, "sentence_scorer", lambda embedder: embedder)  # every sentence by the full model
            want = reference.answer(q, top)
        assert got == want, q
    assert 0 < full_model_sentences < candidates / 2, (full_model_sentences, candidates)
    # with the store, no sentence is embedded by the scorer at question time: ingest did it
    assert (len(embedded["int8"]) == 0) == stored, len(embedded["int8"])
