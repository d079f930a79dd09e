"""Vector stores. Chroma is the one shipped; embedded or server by settings."""

from rag.components.vector_store.chroma import ArticleRecord, ChromaStore, StoredChunk, StoreError

__all__ = ["ArticleRecord", "ChromaStore", "StoreError", "StoredChunk"]
