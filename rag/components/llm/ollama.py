"""A model served by Ollama (`ollama serve`), through langchain-ollama."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.components.llm import LLMConfigError
from rag.components.llm.probe import get_json
from rag.settings import Settings

if TYPE_CHECKING:
    from langchain_ollama import ChatOllama

OLLAMA_URL = "http://127.0.0.1:11434"


def ollama_chat(settings: Settings) -> ChatOllama:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise LLMConfigError(
            "the ollama answerer needs langchain-ollama: pip install langchain-ollama"
        ) from None
    base_url = (settings.llm_base_url or OLLAMA_URL).rstrip("/")
    tags = get_json(
        f"{base_url}/api/tags",
        headers={},
        what="Ollama",
        fix="run `ollama serve` or set RAG_LLM_BASE_URL to where it listens",
    )
    pulled = [item.get("name") for item in tags.get("models", []) if isinstance(item, dict)]
    model = settings.llm_model or (pulled[0] if pulled else None)
    if not model:
        raise LLMConfigError("Ollama has no model: run `ollama pull llama3.2` or set RAG_LLM_MODEL")
    if pulled and model not in pulled and f"{model}:latest" not in pulled:
        raise LLMConfigError(f"Ollama has not pulled {model!r}: run `ollama pull {model}` (it has {pulled})")
    return ChatOllama(
        model=model,
        base_url=base_url,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout},
    )
