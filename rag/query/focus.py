"""What a conversation is about: the articles and events the last answer quoted, and its names.

Doors keep history as role/content text (the chat, Slack threads, API
callers, datasets). The extractive answer's text is verbatim article
sentences, each followed by its [n]; looking each one up in the lexical index
and keeping the chunk that contains it word for word gives back the articles
and events it came from, with no state kept between requests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.query.condense import text_focus
from rag.query.coverage import Meta, event_key
from rag.query.retrieval import HybridRetriever
from rag.schema import Focus, Turn

_MARKER = re.compile(r"\s*\[\d+\]")
# What an answer line may open with before its quote: "As of 5 Jul 2024: ", "Earlier, on ...: ".
_OPENING = re.compile(r"^[^.!?\n]{0,40}?\d{4}: ")
_SPACE = re.compile(r"\s+")
# Each quote is looked up among this many lexical hits; the answer quotes at most this many.
LOOKUP_HITS = 3
MAX_QUOTES = 6


def quoted_sentences(text: str) -> list[str]:
    """The quotes of an answer's text: each run of text that ends in a [n] marker, openings removed."""
    pieces = _MARKER.split(text)[:-1] if _MARKER.search(text) else []
    quotes = []
    for piece in pieces:
        for line in piece.strip().splitlines()[-1:]:
            quote = _OPENING.sub("", line.strip().lstrip("-*> ").strip())
            if len(quote) > 20:
                quotes.append(quote)
    return quotes[:MAX_QUOTES]


def recover_focus(history: Sequence[Turn], retriever: HybridRetriever) -> Focus | None:
    """The conversation's focus, with the articles and events the last answer quoted; None without one."""
    focus = text_focus(history)
    if not focus.topic:
        return None
    answer = next((turn.content for turn in reversed(history) if turn.role == "assistant"), "")
    last_user = max((i for i, turn in enumerate(history) if turn.role == "user"), default=-1)
    if not any(turn.role == "assistant" for turn in history[last_user:]):
        answer = ""
    articles: dict[str, None] = {}
    events: dict[str, None] = {}
    for quote in quoted_sentences(answer):
        meta = _chunk_holding(quote, retriever)
        if meta is not None:
            articles[meta["article_id"]] = None
            events[event_key(meta)] = None
    return focus.model_copy(update={"article_ids": list(articles), "event_ids": list(events)})


def _chunk_holding(quote: str, retriever: HybridRetriever) -> Meta | None:
    """The metadata of a stored chunk that contains `quote` word for word, if any."""
    hits = retriever.lexical.search(quote, LOOKUP_HITS)
    if not hits:
        return None
    wanted = _SPACE.sub(" ", quote).strip()
    for chunk in retriever.store.get([hit.id for hit in hits]):
        if wanted in _SPACE.sub(" ", chunk.text):
            return chunk.metadata
    return None
