"""Embedding models, chosen by `Settings.embedding_backend`."""

from __future__ import annotations

from pathlib import Path

from rag.components.embedding.base import Embedder
from rag.components.embedding.cache import CachedEmbedder
from rag.settings import Settings

__all__ = ["CachedEmbedder", "Embedder", "build_embedder"]


def build_embedder(settings: Settings) -> CachedEmbedder:
    """The configured model behind the on-disk cache."""
    from rag.components.embedding.sentence_transformer import SentenceTransformerEmbedder

    model_path = Path(settings.embedding_model) if settings.embedding_model else None
    inner = SentenceTransformerEmbedder(model_path, batch_size=settings.embedding_batch_size)
    return CachedEmbedder(inner, settings.cache_path)
