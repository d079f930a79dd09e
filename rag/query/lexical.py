"""BM25 over the stored chunks, read from the shared on-disk index: no rebuild, in any process.

Dense retrieval misses rare names and numbers ("Abdrakhmanov", "1,500");
BM25 catches them. The index (`rag.components.lexical_store`) is written by
the same ingest step that writes Chroma and read by every process as it is
committed, so a question never pays for building it and each process holds
only the pages it reads. It returns ids: the retriever fetches the text of
the few that win fusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

    def search(
        self, query: str, k: int, filters: Filters | None = None, among: Sequence[str] | None = None
    ) -> list[LexicalHit]:
        """Up to `k` chunks with a positive BM25 score, within the filters' days and source (and
        `among` these ids: a follow-up's focus, ranked within itself rather than picked out of the
        archive's best)."""
        return [
            LexicalHit(id_, score)
            for id_, score in self.lexical.search(query, k, among=among, **_fields(filters or Filters()))
            if score > 0
        ]

    def holds(self, filters: Filters) -> bool:
        """Whether this index can say which chunks pass: it knows days and sources, not events or focus."""
        return not (filters.event or filters.articles or filters.events)

    def count(self, filters: Filters) -> int:
        """How many chunks pass the filters' days and source (a count; nothing is read)."""
        return self.lexical.count_within(**_fields(filters))

    def ids(self, filters: Filters, limit: int, among: Sequence[str] | None = None) -> list[str]:
        """Up to `limit` ids of chunks that pass the filters' days and source (and are `among` these)."""
        return self.lexical.ids_within(limit, among=among, **_fields(filters))

    def total(self) -> int:
        """How many chunks the index holds."""
        return self.lexical.count()


def _fields(filters: Filters) -> dict[str, Any]:
    """The filters as the lexical store's keyword arguments; an open window is no filter at all."""
    return {
        "days": filters.days if filters.since or filters.until else None,
        "source": filters.source,
        "outlets": filters.outlets,
    }
