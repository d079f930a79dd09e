"""Answerers, chosen by `Settings.answerer`."""

from __future__ import annotations

from rag.components.answerer.extractive import ExtractiveAnswerer
from rag.components.embedding import Embedder
from rag.components.reader import TRAINED, Reader
from rag.query.answerer import Answerer
from rag.settings import Settings

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer"]


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The configured answerer; a language model is checked now, so a bad setting fails at start-up."""
    extractive = ExtractiveAnswerer(
        embedder,
        settings.max_answer_sentences,
        settings.abstain_threshold,
        settings.timeline_lines,
        reader=Reader(settings.reader_path or TRAINED) if settings.reader else None,
    )
    if settings.answerer == "extractive":
        return extractive
    from rag.components.answerer.generative import GenerativeAnswerer
    from rag.components.llm import build_chat_model
    from rag.query.verify import Verifier

    return GenerativeAnswerer(
        settings.answerer,
        build_chat_model(settings),
        extractive,
        Verifier(embedder, settings.verify_threshold),
        settings.max_answer_sentences,
    )
