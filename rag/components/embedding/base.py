"""What the rest of the code needs from an embedding model, and what the cache needs from the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Unit-length embeddings plus the model's own token counts."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One normalized float32 row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One normalized float32 vector."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text costs, without the [CLS]/[SEP] the model adds."""
        ...

    @property
    def max_tokens(self) -> int:
        """Tokens the model reads before it truncates."""
        ...


class EmbeddingModel(Embedder, Protocol):
    """A model behind `CachedEmbedder`: it also hands back the segments' vectors, which the cache keeps
    (the cache's own `embed_segments` returns the rows' vectors only)."""

    def embed_segments(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One pass over each row of segments (a chunk's title and sentences): the row's normalized
        vector (the mean of its segments' tokens) and each segment's, as `embed` gives it alone."""
        ...
