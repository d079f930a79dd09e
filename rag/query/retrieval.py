"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

`HybridRetriever` is a LangChain `BaseRetriever`, so it drops into anyone's
chain; `search` is the richer call the assistant uses (scores, spans, and the
query vector, so the answerer does not embed the question twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.components.vector_store import ChromaStore, StoredChunk
from rag.query.lexical import LexicalIndex
from rag.query.stories import one_per_story
from rag.schema import RetrievedChunk


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to one source and/or a range of publication dates."""

    source: str | None = None
    since: date | None = None
    until: date | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.source:
            clauses.append({"source": self.source})
        if self.since:
            clauses.append({"published_day": {"$gte": _day(self.since)}})
        if self.until:
            clauses.append({"published_day": {"$lte": _day(self.until)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def keep(self, metadata: dict[str, Any]) -> bool:
        day = metadata.get("published_day")
        return (
            (not self.source or metadata.get("source") == self.source)
            and (not self.since or (day is not None and day >= _day(self.since)))
            and (not self.until or (day is not None and day <= _day(self.until)))
        )

    def __bool__(self) -> bool:
        return bool(self.source or self.since or self.until)


def _day(value: date) -> int:
    return int(value.strftime("%Y%m%d"))


@dataclass(frozen=True)
class SearchResult:
    chunks: list[RetrievedChunk]
    query_vector: np.ndarray


class HybridRetriever(BaseRetriever):
    """Dense and BM25 candidates (`fetch_k` each) fused with RRF; the best `k` returned."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChromaStore
    embedder: Any
    lexical: LexicalIndex
    k: int = 5
    fetch_k: int = 30
    rrf_k: int = 60
    filters: Filters = Filters()

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> SearchResult:
        k = k or self.k
        filters = filters if filters is not None else self.filters
        vector = self.embedder.embed_query(query)
        fetch = max(self.fetch_k, k)
        dense = self.store.nearest(vector, fetch, where=filters.where())
        lexical = self.lexical.search(query, fetch, keep=filters.keep if filters else None)
        fused: dict[str, float] = {}
        for ranking in ([id_ for id_, _ in dense], [hit.id for hit in lexical]):
            for rank, id_ in enumerate(ranking):
                fused[id_] = fused.get(id_, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        # Three times k: room for copies of one story to fold into one chunk and still leave k.
        best = sorted(fused, key=fused.__getitem__, reverse=True)[: k * 3]
        # One read for the winners' text; a chunk deleted since BM25 was built is simply not returned.
        chunks = {chunk.id: chunk for chunk in self.store.get(best)} if best else {}
        similarity = dict(dense)
        return SearchResult(
            one_per_story(
                [_retrieved(chunks[id_], fused[id_], similarity.get(id_)) for id_ in best if id_ in chunks]
            )[:k],
            vector,
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return [
            Document(
                page_content=chunk.text,
                id=chunk.chunk_id,
                metadata=chunk.model_dump(exclude={"text"}),
            )
            for chunk in self.search(query, k).chunks
        ]


def _retrieved(chunk: StoredChunk, score: float, similarity: float | None) -> RetrievedChunk:
    meta = chunk.metadata
    return RetrievedChunk(
        chunk_id=chunk.id,
        article_id=meta["article_id"],
        title=meta.get("title", ""),
        text=chunk.text,
        score=score,
        dense_score=similarity,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", len(chunk.text))),
        source=meta.get("source"),
        url=meta.get("url"),
        published=meta.get("published"),
        story_id=meta.get("story_id"),
    )
