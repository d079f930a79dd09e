"""Ask a model server what it serves, turning every failure into one actionable line."""

from __future__ import annotations

from typing import Any

from rag.components.llm import LLMConfigError


def get_json(url: str, *, headers: dict[str, str], what: str, fix: str, timeout: float = 5) -> Any:
    """GET `url` as JSON; `what` names the server and `fix` says what to change if it fails."""
    import httpx

    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        raise LLMConfigError(f"cannot reach {what} at {url} ({type(error).__name__}): {fix}") from None
    if response.status_code in (401, 403):
        raise LLMConfigError(f"{what} at {url} refused the API key (HTTP {response.status_code}): {fix}")
    if response.status_code >= 400:
        raise LLMConfigError(f"{what} at {url} answered HTTP {response.status_code}: {fix}")
    try:
        return response.json()
    except ValueError:
        raise LLMConfigError(f"{what} at {url} did not answer with JSON: {fix}") from None
