"""The lexical side of the store: BM25 over every chunk, on disk beside Chroma, shared by processes."""

from rag.components.lexical_store.tantivy_index import LexicalRow, LexicalStore, index_terms

__all__ = ["LexicalRow", "LexicalStore", "index_terms"]
