"""BM25 over the stored chunks, read from the shared on-disk index: no rebuild, in any process.

Dense retrieval misses rare names and numbers ("Abdrakhmanov", "1,500");
BM25 catches them. The index (`rag.components.lexical_store`) is written by
the same ingest step that writes Chroma and read by every process as it is
committed, so a question never pays for building it and each process holds
only the pages it reads. It returns ids: the retriever fetches the text of
the few that win fusion.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.components.lexical_store import LexicalStore
from rag.query.filters import Filters


@dataclass(frozen=True)
class LexicalHit:
    id: str
    score: float


class LexicalIndex:
    """Stemmed BM25 (title + text, stopwords removed) over every chunk in the store."""

    def __init__(self, lexical: LexicalStore) -> None:
        self.lexical = lexical

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[LexicalHit]:
        """Up to `k` chunks with a positive BM25 score, within the filters' days and source."""
        days = filters.days if filters else None
        source = filters.source if filters else None
        outlets = filters.outlets if filters else ()
        return [
            LexicalHit(id_, score)
            for id_, score in self.lexical.search(query, k, days=days, source=source, outlets=outlets)
            if score > 0
        ]
