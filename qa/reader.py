"""Stage 6a, read: the trained span reader, run on ONNX Runtime.

The model file the project ships (``qa/models/reader.safetensors``, made by ``python -m qa.train
reader``) holds only low-rank adapters and heads for the packaged all-MiniLM-L6-v2. On first use
the adapters are merged into the base weights and the result is exported to ONNX in the cache
(that one time imports torch), keyed by both files, as the embedder's export is. With
``answer.reader_int8`` the reader reads with an int8 copy of that export instead (matrix weights
quantised per output channel: about 1.8x faster, the same held-back validation score with its own
calibrated threshold; ``benchmarks/reader_int8.py``).

:meth:`Reader.read` gives, for each passage, its best answer span and how strongly the reader
believes the passage answers the question at all (``Reading.confidence``, compared with the
threshold calibrated on the held-back validation articles when the model was trained).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.embed import DEFAULT_CACHE_DIR, ONNX_INPUTS, PACKAGED_MODEL, atomic_file, resolve_model_path, write_onnx
from qa.reader_windows import (
    MAX_TOKENS, STRIDE, SpanScore, best_span, combine, decision_value, make_windows, pad, question_sentence,
)

READER_FILE = Path(__file__).parent / "models" / "reader.safetensors"
# Bump when export_reader() changes what it writes, so that cached exports are rebuilt.
READER_EXPORT_VERSION = 2
INT8_SUFFIX = ".int8-7bit.onnx"  # renamed when the quantisation changes, so an older copy is not read
OUTPUTS = ("start_logits", "end_logits", "answerable")
# Windows per forward pass: a question's five passages are one or two batches.
BATCH = 8


class ReaderMissing(RuntimeError):
    """The reader's model file is not where the settings say."""


def read_meta(path: Path) -> dict:
    """The JSON the training run stored in the model file's header (threshold, decision rule, scores)."""
    from safetensors import safe_open

    if not path.is_file():
        raise ReaderMissing(f"reader model {path} not found (train one: python -m qa.train reader --data PATH)")
    with safe_open(str(path), framework="numpy") as f:
        header = f.metadata() or {}
    if "qa_reader" not in header:
        raise ReaderMissing(f"{path} is not a qa reader file (no qa_reader header)")
    return json.loads(header["qa_reader"])


def reader_cache_path(reader_file: Path, base_dir: Path, cache_dir: Path) -> Path:
    key = hashlib.sha256(f"v{READER_EXPORT_VERSION}".encode())
    key.update(hashlib.sha256(reader_file.read_bytes()).digest())
    weights = base_dir / "model.safetensors"
    st = weights.stat()
    key.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return Path(cache_dir).expanduser() / "onnx" / f"reader-{key.hexdigest()[:16]}.onnx"


def export_reader(base_dir: Path, reader_file: Path, target: Path) -> Path:
    """Merge the adapters into the base weights and export the reader to ``target`` (atomically)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as transformers_logging

    from qa.reader_model import load_reader

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    model, _ = load_reader(str(base_dir), reader_file, attention="eager")
    model = model.merge().eval()
    axes = {name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "start_logits", "end_logits")}
    return write_onnx(model, target, list(OUTPUTS), {**axes, "answerable": {0: "batch"}})


def quantize_reader(fp32: Path, target: Path) -> Path:
    """An int8 copy of the exported reader, written atomically: dynamic quantisation of the matrix weights,
    one scale per output channel (one scale per matrix lost 0.08 of held-back has-answer F1; this keeps it),
    in 7 bits (``reduce_range``): on a CPU without VNNI (AVX2 only) 8-bit products can saturate, so the
    same file read differently from machine to machine."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its advice to pre-process the graph first, on the root logger
    try:
        with atomic_file(target) as tmp:
            quantize_dynamic(str(fp32), tmp, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                             per_channel=True, reduce_range=True)
    finally:
        logging.disable(logging.NOTSET)
    return target


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one passage: its best span (or None) and the confidence that it answers."""

    span: SpanScore | None
    confidence: float


class Reader:
    """Reads passages for a question; exports and caches its ONNX graph on first use. Thread-safe.
    ``int8``: read with the int8 copy, and its own calibrated thresholds (the model file's ``int8`` entry;
    ``calibrated`` is False where the file has none: ``python -m qa.train calibrate`` adds it)."""

    def __init__(self, reader_file: Path = READER_FILE, cache_dir: str | Path = DEFAULT_CACHE_DIR,
                 int8: bool = False) -> None:
        self.reader_file = Path(reader_file)
        self.meta = read_meta(self.reader_file)
        # the int8 copy's own thresholds; a file calibrated before there was one lends it the fp32 ones
        self.calibrated = not int8 or "int8" in self.meta
        chosen = self.meta.get("int8", self.meta) if int8 else self.meta
        self.threshold = float(chosen["threshold"])
        self.decision = str(chosen["decision"])
        # a second article's passage is cited beside the answer only above these (calibrated like the
        # threshold): ``support`` when it gives the same answer, ``conflict`` when it gives a different one
        self.support_threshold = float(chosen.get("support_threshold", self.threshold))
        self.conflict_threshold = float(chosen.get("conflict_threshold", self.threshold))
        self.base_dir = Path(resolve_model_path(PACKAGED_MODEL))
        self.fp32_path = reader_cache_path(self.reader_file, self.base_dir, Path(cache_dir))
        self.int8 = int8
        self.onnx_path = self.fp32_path.with_suffix(INT8_SUFFIX) if int8 else self.fp32_path
        self.exported = False
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime
            from tokenizers import Tokenizer

            if not self.onnx_path.exists():
                if not self.fp32_path.exists():
                    export_reader(self.base_dir, self.reader_file, self.fp32_path)
                if self.int8:
                    quantize_reader(self.fp32_path, self.onnx_path)
                self.exported = True
            tokenizer = Tokenizer.from_file(str(self.base_dir / "tokenizer.json"))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(str(self.onnx_path), options,
                                                         providers=["CPUExecutionProvider"])

    def confidence(self, span: SpanScore) -> float:
        """How far the span clears "no answer", by the decision rule chosen on validation; > threshold answers."""
        return float(decision_value(self.decision, span.margin, span.answerable))

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        """For each passage, its best span over all its windows and the reader's confidence in it.
        Of a question that statements lead up to, the reader reads the question sentence
        (:func:`~qa.reader_windows.question_sentence`)."""
        self._load()
        question = question_sentence(question)
        windows, owner = [], []
        for i, text in enumerate(passages):
            for w in make_windows(self._tokenizer, question, text, MAX_TOKENS, STRIDE):
                windows.append(w)
                owner.append(i)
        best: dict[int, SpanScore] = {}
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            ids, mask, types = pad([windows[i] for i in idx])
            start, end, ans = self._session.run(
                list(OUTPUTS), {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            for row, i in enumerate(idx):
                s = best_span(windows[i], start[row], end[row], float(ans[row]))
                if s is not None:
                    best[owner[i]] = combine(best.get(owner[i]), s)
        out = []
        for p in range(len(passages)):
            s = best.get(p)
            out.append(Reading(None, -np.inf) if s is None else Reading(s, self.confidence(s)))
        return out


@lru_cache(maxsize=2)
def get_reader(reader_file: Path = READER_FILE, cache_dir: str | Path = DEFAULT_CACHE_DIR, int8: bool = False) -> Reader:
    """One shared reader per model file, copy (fp32 or int8) and process."""
    return Reader(Path(reader_file), cache_dir, int8)
