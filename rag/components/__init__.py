"""Swappable parts, one folder each: embedding, vector store, answerer."""
