"""sentence-transformers on the CPU, loaded from a local path, never a hub."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.components.embedding.segments import embed_segments

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


_load_lock = threading.Lock()


@cache
def load_model(path: Path) -> SentenceTransformer:
    """The model at `path`, loaded once per process however many embedders use it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    with _load_lock:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)


class SentenceTransformerEmbedder:
    """Loads the model on first use (not at construction) and shares it between threads."""

    def __init__(self, model_path: Path, name: str, batch_size: int = 32) -> None:
        self.path = model_path
        self.name = name
        self.batch_size = batch_size

    @property
    def model(self) -> SentenceTransformer:
        return load_model(self.path.resolve())

    @property
    def max_tokens(self) -> int:
        return _declared(self.model.max_seq_length, self.path, "max_seq_length")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            dimension = _declared(self.model.get_embedding_dimension(), self.path, "embedding dimension")
            return np.zeros((0, dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def embed_segments(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return embed_segments(rows, self.mean_pooled)

    def mean_pooled(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each text's mean last hidden state (not normalized: the model's own last module
        normalizes) and the tokens it averages."""
        import torch

        network, tokenizer = self.model.transformers_model, self.model.tokenizer
        if network is None:
            raise ValueError(f"{self.path} has no transformers model to pool the hidden states of")
        out = np.empty((len(texts), network.config.hidden_size), dtype=np.float32)
        counts = np.empty(len(texts), dtype=np.int64)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            feed = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = network(**feed).last_hidden_state
            mask = feed["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            tokens = mask.sum(dim=1)
            out[batch] = ((hidden * mask).sum(dim=1) / tokens.clamp(min=1)).float().numpy()
            counts[batch] = tokens.squeeze(-1).long().numpy()
        return out, counts

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]


def _declared(value: int | None, path: Path, what: str) -> int:
    """A size the model's configuration may leave out (sentence-transformers types it optional)."""
    if value is None:
        raise ValueError(f"the model at {path} declares no {what}")
    return value
