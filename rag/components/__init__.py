"""Swappable parts, one folder each, chosen by settings: embedding, vector store, LLM, answerer."""
