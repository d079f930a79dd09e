"""Answerers, chosen by `Settings.answerer`."""

from __future__ import annotations

from rag.components.answerer.base import Answerer
from rag.components.answerer.extractive import ExtractiveAnswerer
from rag.components.embedding import Embedder
from rag.settings import Settings

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer"]


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The configured answerer; unknown names are rejected by `Settings` already."""
    return ExtractiveAnswerer(embedder, settings.max_answer_sentences, settings.abstain_threshold)
