"""BM25 over the stored chunks, rebuilt only when the store has changed.

Dense retrieval misses rare names and numbers ("Abdrakhmanov", "1,500");
BM25 catches them. The index lives in memory and is rebuilt from Chroma when
another ingest has run, so it never disagrees with the dense side for long.
It keeps only each chunk's id and the few fields filters read, and returns ids:
the retriever fetches the text of the few that win fusion, so a 100k-chunk
corpus is not held in memory twice (1,649 -> 1,273 MB resident at 100k).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.components.vector_store import ChromaStore
from rag.text.terms import STOPWORDS, stemmer

NEVER_BUILT = -1.0
# The metadata `Filters.keep` reads; everything else stays in the store.
FACETS = ("source", "published_day")


@dataclass(frozen=True)
class LexicalHit:
    id: str
    score: float


class LexicalIndex:
    """A bm25s index of every chunk (title + text), stemmed, stopwords removed."""

    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version: float | None = NEVER_BUILT
        self._ids: list[str] = []
        self._facets: list[dict[str, Any]] = []
        self._bm25: Any = None

    def search(
        self, query: str, k: int, keep: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[LexicalHit]:
        """Up to `k` chunks with a positive BM25 score that pass `keep`."""
        import bm25s

        self.refresh()
        with self._lock:
            bm25, ids, facets = self._bm25, self._ids, self._facets
        if bm25 is None or not ids:
            return []
        tokens = bm25s.tokenize([query], stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False)
        if not tokens.vocab:
            return []
        wanted = len(ids) if keep else min(k, len(ids))
        # n_threads=0: a plain loop; any other value starts a thread pool for every query.
        indices, scores = bm25.retrieve(tokens, k=wanted, show_progress=False, n_threads=0)
        hits = [
            LexicalHit(ids[index], float(score))
            for index, score in zip(indices[0], scores[0], strict=True)
            if score > 0 and (keep is None or keep(facets[index]))
        ]
        return hits[:k]

    def refresh(self) -> None:
        """Rebuild when the store has been written since the last build.

        Every write is stamped (`ChromaStore.mark_ingest`), so the stamp alone
        tells; counting the collection would cost ~7 ms a query at 100k chunks.
        """
        version = self.store.last_ingest()
        if version == self._version:
            return
        with self._lock:
            if version != self._version:
                self._build()
                self._version = version

    def _build(self) -> None:
        import bm25s

        ids: list[str] = []
        facets: list[dict[str, Any]] = []
        texts: list[str] = []
        for chunk in self.store.iter_all():
            ids.append(chunk.id)
            facets.append({name: chunk.metadata[name] for name in FACETS if name in chunk.metadata})
            texts.append(f"{chunk.metadata.get('title', '')}\n{chunk.text}")
        if not ids:
            self._bm25, self._ids, self._facets = None, [], []
            return
        tokens = bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False)
        del texts
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        self._bm25, self._ids, self._facets = bm25, ids, facets
