"""Ask questions about news articles; every claim cites the sentence it came from.

    from rag import Assistant
    answer = Assistant().ask("why did Putin move talks from Astana?")

Layout: `ingest/` is the flow of one article, `query/` the flow of one
question, `components/` the parts a deployment swaps (embedding, vector store,
LLM, answerer), `text/` what both flows share, and at the top only the entry
points (`assistant`, `cli`, and `updates/`: followed stories and digests, built
on `Assistant`) and the shared `settings` and `schema`.

The one import rule: modules import only downwards in the order entry points
-> `components.answerer` -> `ingest`, `query` -> the other components ->
`text`, `settings`, `schema` (tests/test_layout.py checks it).

Names are imported lazily so `rag --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Assistant": "rag.assistant",
    "QuestionError": "rag.assistant",
    "Answer": "rag.schema",
    "Citation": "rag.schema",
    "Source": "rag.schema",
    "Turn": "rag.schema",
    "Filters": "rag.query.filters",
    "HybridRetriever": "rag.query.retrieval",
    "Settings": "rag.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
