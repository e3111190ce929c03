"""The ONNX Runtime embedder: same vectors as sentence-transformers, exported once, and no torch when asking."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embed import (
    PACKAGED_MODEL,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    get_embedder,
    onnx_cache_path,
    pick_backend,
    resolve_model_path,
)
from tests.conftest import PESHMERGA, ROOT

TEXTS = [
    PESHMERGA,
    "Who is the foreign minister of Turkey?",
    " a",
    "?",
    "Cavusoglu pledged Ankara's continuing support, saying the country had trained 1,600 peshmerga fighters "
    "from Iraq's autonomous Kurdish region.",
    "The deal was signed on 12 March 2016 in Baghdad.",
    "Zürich, São Paulo, Kraków and Dvořák — naïve café résumé.",
    "東京と大阪の間の新幹線は速い。",
    "Москва — столица России.",
    "مرحبا بالعالم",
    "emoji 😀🚀 and symbols ∑ ≤ ≥ → ©",
    "   leading and trailing whitespace   ",
    "ALL CAPS HEADLINE: MARKETS TUMBLE AFTER RATE DECISION",
    "numbers 3.14159 2,000,000 1e-9 #42 @user https://example.com/a?b=c",
    "line one\nline two\n\ttabbed",
    # Long passages: truncated at max_seq_length (256 tokens); the first is about 2,000 characters.
    ("The ministry said the training programme would continue through the winter. " * 26)[:2000],
    "word " * 600,
    " ".join(f"token{i}" for i in range(400)),
    "Iraq seeks 'uninterrupted' Turkish military support against Daesh",
    "The articles do not say.",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(cache_dir: Path) -> OnnxEmbedder:
    embedder = OnnxEmbedder(PACKAGED_MODEL, batch_size=8, cache_dir=cache_dir)  # small batches: several runs
    embedder.embed(["warm up"])
    return embedder


def test_onnx_matches_sentence_transformers(onnx_embedder: OnnxEmbedder) -> None:
    assert len(TEXTS) >= 20
    onnx = onnx_embedder.embed(TEXTS)
    torch = SentenceTransformerEmbedder(PACKAGED_MODEL).embed(TEXTS)
    assert onnx.dtype == np.float32 and onnx.shape == torch.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    cosines = (onnx * torch).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 1 - 1e-4, f"text {worst} ({TEXTS[worst][:40]!r}): cosine {cosines[worst]}"
    # Order and batching do not change a text's vector.
    np.testing.assert_allclose(onnx_embedder.embed(TEXTS[::-1])[::-1], onnx, atol=1e-5)
    np.testing.assert_allclose(onnx_embedder.embed([TEXTS[5]])[0], onnx[5], atol=1e-5)


def test_export_is_cached_and_reused(onnx_embedder: OnnxEmbedder, cache_dir: Path) -> None:
    assert onnx_embedder.exported and onnx_embedder.onnx_path.is_file()
    assert onnx_embedder.onnx_path.parent.parent == cache_dir
    before = onnx_embedder.onnx_path.stat().st_mtime_ns
    again = OnnxEmbedder(PACKAGED_MODEL, cache_dir=cache_dir)
    vector = again.embed([PESHMERGA])
    assert not again.exported, "a second embedder on the same cache re-exported the model"
    assert again.onnx_path == onnx_embedder.onnx_path
    assert again.onnx_path.stat().st_mtime_ns == before
    assert not list(again.onnx_path.parent.glob("*.tmp")), "temp files left behind"
    np.testing.assert_allclose(vector, onnx_embedder.embed([PESHMERGA]), atol=1e-6)


def test_cache_key_follows_the_model(tmp_path: Path, cache_dir: Path) -> None:
    packaged = Path(resolve_model_path(PACKAGED_MODEL))
    other = tmp_path / "other-model"
    other.mkdir()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        shutil.copy(packaged / name, other / name)
    (other / "model.safetensors").write_bytes(b"not the same weights")
    assert onnx_cache_path(str(other), other, cache_dir) != onnx_cache_path(PACKAGED_MODEL, packaged, cache_dir)
    config = json.loads((other / "config.json").read_text())
    key = onnx_cache_path(str(other), other, cache_dir)
    (other / "config.json").write_text(json.dumps({**config, "hidden_dropout_prob": 0.2}))
    assert onnx_cache_path(str(other), other, cache_dir) != key


def test_backend_choice_keeps_the_model_name(cache_dir: Path) -> None:
    assert pick_backend("auto", "cpu") == "onnx"
    assert pick_backend("auto", "cuda") == "torch"
    assert pick_backend("torch", "cpu") == "torch"
    onnx = get_embedder(PACKAGED_MODEL, "cpu", 32, "auto", cache_dir)
    torch = get_embedder(PACKAGED_MODEL, "cpu", 32, "torch", cache_dir)
    assert isinstance(onnx, OnnxEmbedder) and isinstance(torch, SentenceTransformerEmbedder)
    assert onnx.name == torch.name == PACKAGED_MODEL  # index fingerprints do not depend on the backend


def test_ask_in_a_new_process_answers_without_importing_torch(
    onnx_embedder: OnnxEmbedder, cache_dir: Path, tmp_path: Path
) -> None:
    assert onnx_embedder.onnx_path.is_file()  # the cache is populated
    from qa.reader import Reader

    Reader(cache_dir=cache_dir).read("warm up?", ["warm up"])  # with the span reader's export too
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "QA_EMBEDDING__CACHE_DIR": str(cache_dir),
        "QA_EMBEDDING__BACKEND": "auto",
    }
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qa", "ask", PESHMERGA, "--json", "--data-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert answer["refused"] is False and "1,600" in answer["answer"]
    imports = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert len(imports) > 100, "no -X importtime output"
    heavy = [
        line for line in imports
        if line.split("|")[-1].strip().split(".")[0] in ("torch", "sentence_transformers", "transformers")
    ]
    assert not heavy, "\n".join(heavy[:10])
    assert not list(cache_dir.glob("onnx/*.tmp")), "the asking process exported again"
