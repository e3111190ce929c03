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
    assert meta["int8"]["decision"] in ("margin", "answerable", "sum") and meta["int8"]["calibration"]["passages"] == 5


def test_the_onnx_export_gives_the_torch_model_s_logits(tmp_path: Path) -> None:
    import torch

    from qa.reader_model import load_reader

    reader = Reader(cache_dir=tmp_path, int8=False)
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


def test_the_int8_copy_that_answers_reads_as_the_fp32_export_does(tmp_path: Path) -> None:
    question = "How many peshmerga did Turkey train?"
    texts = ["Turkey had trained 1,600 peshmerga fighters from Iraq's Kurdish region.", "Lunch was served at noon."]
    fp32 = Reader(cache_dir=tmp_path, int8=False)
    fp32_readings = fp32.read(question, texts)
    int8 = Reader(cache_dir=tmp_path, int8=True)  # answer.reader_int8
    readings = int8.read(question, texts)
    assert int8.onnx_path.name.endswith(".int8-7bit.onnx") and fp32.exported and int8.exported and int8.calibrated
    assert int8.threshold == read_meta(READER_FILE)["int8"]["threshold"] != fp32.threshold
    assert int8.onnx_path.stat().st_size < 0.7 * fp32.onnx_path.stat().st_size
    assert texts[0][readings[0].span.start:readings[0].span.end] == "1,600"
    assert readings[0].confidence > int8.threshold > readings[1].confidence
    for a, b in zip(readings, fp32_readings):
        assert a.span is not None and b.span is not None
        assert a.span.answerable == pytest.approx(b.span.answerable, abs=0.5)
