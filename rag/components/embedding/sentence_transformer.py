"""sentence-transformers on the CPU, loaded from a local path, never a hub."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.components.embedding.packing import Packed, SpecialTokens, embed_packed, packed_encoder

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
        return int(self.model.max_seq_length)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def embed_segments(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per row of segments: the row's vector and each segment's alone vector, in one pass."""
        import torch

        tokenizer = self.model.tokenizer
        special = SpecialTokens(
            tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id, self.max_tokens
        )
        encoder = packed_encoder(self.model[0].auto_model)

        def run(packed: Packed) -> np.ndarray:
            with torch.inference_mode():
                feed = [torch.from_numpy(array) for array in packed.feed().values()]
                return encoder(*feed).float().numpy()

        return embed_packed(
            rows,
            lambda texts: tokenizer(texts, add_special_tokens=False)["input_ids"],
            special,
            self.batch_size,
            run,
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]
