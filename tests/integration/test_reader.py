"""The shipped span reader: small, no pickle, and its ONNX export computes what the trained torch model does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.reader import READER_FILE, Reader, read_meta
from qa.reader_windows import make_windows, pad

pytestmark = pytest.mark.integration


def test_the_shipped_model_is_small_safetensors_with_its_calibration() -> None:
    assert READER_FILE.stat().st_size <= 10 * 1024 * 1024
    assert READER_FILE.read_bytes()[8:9] == b"{"  # a safetensors header, not a pickle
    meta = read_meta(READER_FILE)
    assert meta["decision"] in ("margin", "answerable", "sum") and isinstance(meta["threshold"], float)
    assert meta["validation_articles"] and meta["calibration"]["passages"] == 5


def test_the_onnx_export_gives_the_torch_model_s_logits(tmp_path: Path) -> None:
    import torch

    from qa.reader_model import load_reader

    reader = Reader(cache_dir=tmp_path)
    question = "How many peshmerga did Turkey train?"
    texts = ["Turkey had trained 1,600 peshmerga fighters from Iraq's Kurdish region.", "Lunch was served at noon."]
    readings = reader.read(question, texts)
    assert reader.exported and reader.onnx_path.is_file()
    model, _ = load_reader(str(reader.base_dir), READER_FILE)
    model.eval()
    windows = [make_windows(reader._tokenizer, question, t)[0] for t in texts]
    with torch.no_grad():
        start, end, ans = (t.numpy() for t in model(*(torch.from_numpy(a) for a in pad(windows))))
    for row, r in enumerate(readings):
        assert r.span is not None
        n = len(windows[row])
        null = float(start[row, 0] + end[row, 0])
        assert r.span.null == pytest.approx(null, abs=1e-3)
        assert r.span.answerable == pytest.approx(float(ans[row]), abs=1e-3)
        assert np.isfinite(start[row, :n]).all()
    assert texts[0][readings[0].span.start:readings[0].span.end] == "1,600"
    assert readings[0].confidence > reader.threshold > readings[1].confidence
