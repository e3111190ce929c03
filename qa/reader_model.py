"""The span reader as a torch module: packaged MiniLM + low-rank adapters + two small heads.

Imported only to train (:mod:`qa.train`) and, once per model file, to merge the adapters into the
base weights and export ONNX (:func:`qa.reader.export_reader`); answering runs the ONNX copy.

What the project ships (``qa/models/reader.safetensors``) is only what the base model lacks: the
LoRA factors of every attention and feed-forward matrix, the encoder's LayerNorms, and the heads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch import nn

# Linear layers of each BERT layer that get an adapter (names as in transformers' BertLayer).
ADAPTED = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


class LoRALinear(nn.Module):
    """``base(x) + (x A^T B^T) * alpha / rank``, with ``base`` frozen."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    def merged(self) -> nn.Linear:
        out = nn.Linear(self.base.in_features, self.base.out_features)
        with torch.no_grad():
            out.weight.copy_(self.base.weight + self.scale * self.lora_b @ self.lora_a)
            out.bias.copy_(self.base.bias)
        return out


class SpanReader(nn.Module):
    """Start/end logits over the tokens (position 0 = no answer) and an answerability logit."""

    def __init__(self, base_dir: str, rank: int = 16, alpha: float = 32.0, attention: str = "sdpa") -> None:
        super().__init__()
        from transformers import BertModel

        # "eager" attention for ONNX export: plain ops whose padding mask follows the input.
        self.bert = BertModel.from_pretrained(base_dir, add_pooling_layer=False, attn_implementation=attention)
        self.rank, self.alpha = rank, alpha
        hidden = self.bert.config.hidden_size
        self.span_head = nn.Linear(hidden, 2)
        self.answer_head = nn.Linear(hidden, 1)
        for p in self.bert.parameters():
            p.requires_grad = False
        for layer in self.bert.encoder.layer:
            for name in ADAPTED:
                parent, attr = _parent(layer, name)
                setattr(parent, attr, LoRALinear(getattr(parent, attr), rank, alpha))
            for module in layer.modules():
                if isinstance(module, nn.LayerNorm):
                    for p in module.parameters():
                        p.requires_grad = True

    def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        logits = self.span_head(hidden)
        start, end = logits[..., 0], logits[..., 1]
        pad = attention_mask == 0
        start = start.masked_fill(pad, -1e4)
        end = end.masked_fill(pad, -1e4)
        return start, end, self.answer_head(hidden[:, 0]).squeeze(-1)

    def delta(self) -> dict[str, torch.Tensor]:
        """The trained parameters, by name: all that the base weights lack."""
        return {n: p.detach().contiguous() for n, p in self.named_parameters() if p.requires_grad}

    def load_delta(self, tensors: dict[str, torch.Tensor]) -> None:
        missing = set(self.delta()) - set(tensors)
        if missing:
            raise ValueError(f"reader file lacks {sorted(missing)[:3]}")
        self.load_state_dict(tensors, strict=False)

    def merge(self) -> SpanReader:
        """Fold every adapter into its base matrix (same outputs, plain Linear layers)."""
        for layer in self.bert.encoder.layer:
            for name in ADAPTED:
                parent, attr = _parent(layer, name)
                module = getattr(parent, attr)
                if isinstance(module, LoRALinear):
                    setattr(parent, attr, module.merged())
        return self


def _parent(root: nn.Module, dotted: str) -> tuple[nn.Module, str]:
    *path, attr = dotted.split(".")
    for part in path:
        root = getattr(root, part)
    return root, attr


def save_reader(model: SpanReader, path: Path, meta: dict) -> None:
    """The trained delta as safetensors (no pickle); ``meta`` (JSON) rides in the header."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"qa_reader": json.dumps({**meta, "rank": model.rank, "alpha": model.alpha})}
    save_file(model.delta(), str(path), metadata=header)


def load_reader(base_dir: str, path: Path, attention: str = "sdpa") -> tuple[SpanReader, dict]:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["qa_reader"])
    model = SpanReader(base_dir, rank=meta["rank"], alpha=meta["alpha"], attention=attention)
    model.load_delta(load_file(str(path)))
    return model, meta
