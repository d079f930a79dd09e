"""Language-model backends, chosen by `Settings.answerer`, as LangChain chat models.

Each backend checks at start-up that it can work (package installed, server
reachable, model known) and raises `LLMConfigError` with one line saying what to
set or install, so a misconfiguration shows when the assistant starts, not on
the first question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class LLMConfigError(RuntimeError):
    """The configured model cannot be used; the message says what to set or install."""


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model for `settings.answerer` (one of openai, ollama, llamacpp), checked."""
    if settings.answerer == "openai":
        from rag.components.llm.openai import openai_chat

        return openai_chat(settings)
    if settings.answerer == "ollama":
        from rag.components.llm.ollama import ollama_chat

        return ollama_chat(settings)
    if settings.answerer == "llamacpp":
        from rag.components.llm.llamacpp import llamacpp_chat

        return llamacpp_chat(settings)
    raise LLMConfigError(f"answerer {settings.answerer!r} uses no language model")


def model_label(chat: BaseChatModel) -> str:
    """A short name for the model, for answers and reports."""
    for attribute in ("model_name", "model", "model_path"):
        value = getattr(chat, attribute, None)
        if value:
            return str(value).rsplit("/", 1)[-1]
    return type(chat).__name__
