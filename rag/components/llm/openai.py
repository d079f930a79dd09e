"""Any OpenAI-compatible endpoint: OpenAI itself, vLLM, llama.cpp's server, LM Studio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.components.llm import LLMConfigError
from rag.components.llm.probe import get_json
from rag.settings import Settings

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

OPENAI_URL = "https://api.openai.com/v1"


def openai_chat(settings: Settings) -> ChatOpenAI:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise LLMConfigError(
            "the openai answerer needs langchain-openai: pip install langchain-openai"
        ) from None
    base_url = (settings.llm_base_url or OPENAI_URL).rstrip("/")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if base_url == OPENAI_URL and not key:
        raise LLMConfigError(
            "the openai answerer needs RAG_LLM_API_KEY for api.openai.com (or RAG_LLM_BASE_URL)"
        )
    listing = get_json(
        f"{base_url}/models",
        headers={"Authorization": f"Bearer {key}"} if key else {},
        what="the OpenAI-compatible server",
        fix="start it or set RAG_LLM_BASE_URL (e.g. http://127.0.0.1:8000/v1) and RAG_LLM_API_KEY",
    )
    served = [item.get("id") for item in listing.get("data", []) if isinstance(item, dict)]
    model = settings.llm_model or (served[0] if served else None)
    if not model:
        raise LLMConfigError(f"{base_url} lists no model: set RAG_LLM_MODEL")
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=key or "not-needed",
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
        max_retries=1,
        streaming=True,
        # OpenAI reads max_completion_tokens (what max_tokens becomes); llama.cpp, vLLM and LM Studio
        # read max_tokens, so local servers get it too or they write until the context is full.
        extra_body=None if base_url == OPENAI_URL else {"max_tokens": settings.llm_max_tokens},
    )
