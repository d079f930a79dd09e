"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

`HybridRetriever` is a LangChain `BaseRetriever`, so it drops into anyone's
chain; `search` is the richer call the assistant uses (scores, spans, and the
query vector, so the answerer does not embed the question twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.components.vector_store import ChromaStore, StoredChunk
from rag.query.dense import focus_ids, nearest_within
from rag.query.filters import Filters, day_number, from_day_number
from rag.query.lexical import LexicalIndex
from rag.query.stories import one_per_story
from rag.schema import RetrievedChunk, Timeframe
from rag.text.outlets import outlet_name


@dataclass(frozen=True)
class SearchResult:
    chunks: list[RetrievedChunk]
    query_vector: np.ndarray
    # The window the chunks were drawn from; answerers read `latest` from it.
    timeframe: Timeframe | None = None
    recency: Recency | None = None


@dataclass(frozen=True)
class Recency:
    """A prior for newer articles: news questions are mostly about recent events.

    It multiplies the fused relevance score (best candidate = 1) by
    `1 + boost`, so it reorders close calls, but a candidate that matches
    weakly stays weak: with weight 1.5, a chunk of today must match at least
    40% as well as an old one to pass it. `weight` is 0 when the question
    names its own time; a past period it names ("in March") adds
    `period_weight` to articles published inside it.

    Ages count from the newest of the most relevant candidates when that is
    older than `as_of` (`anchor`, see `anchored`): an archive is always
    behind the day asked, and counted from that day every article of a story
    that went quiet months ago would get the same prior of about zero.
    """

    as_of: date
    weight: float
    half_life_days: float
    period: tuple[date, date] | None = None
    period_weight: float = 0.0
    # Candidates whose dense similarity is within this of the best are the most relevant; None: no anchor.
    anchor_margin: float | None = None
    # The newest most relevant candidate's day, when older than `as_of`: ages up to it count from it.
    anchor: date | None = None

    def anchored(self, days: Iterable[int | None]) -> Recency:
        """This prior with ages counted from the newest of `days` (the most relevant candidates')."""
        newest = max(filter(None, days), default=None)
        if newest is None or from_day_number(newest) >= self.as_of:
            return replace(self, anchor=None)
        return replace(self, anchor=from_day_number(newest))

    def boost(self, metadata: dict[str, Any]) -> float:
        """How much a chunk with this metadata is preferred for its date (0 = not at all)."""
        day = metadata.get("published_day")
        return self.weight * self.prior(day) + (self.period_weight if self.inside(day) else 0.0)

    def inside(self, published_day: int | None) -> bool:
        """Published inside the past period the question names."""
        if self.period is None or not published_day:
            return False
        return day_number(self.period[0]) <= published_day <= day_number(self.period[1])

    def prior(self, published_day: int | None) -> float:
        """1 for an article of the anchor day or `as_of`, halving every `half_life_days`; 0 when undated.

        An article up to the anchor ages from the anchor; a later one, less
        relevant than the anchor's, from `as_of` as without one.
        """
        if not published_day or self.weight <= 0:
            return 0.0
        published = from_day_number(published_day)
        since = self.anchor if self.anchor and published <= self.anchor else self.as_of
        age = max(0, (since - published).days)
        return 0.5 ** (age / self.half_life_days)


class HybridRetriever(BaseRetriever):
    """Dense and BM25 candidates (`fetch_k` each), fused, reordered by recency; the best `k` returned.

    The `k` come from as many articles as possible: one article's chunks fill
    the list only when no other article is left among the candidates.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChromaStore
    embedder: Any
    lexical: LexicalIndex
    k: int = 5
    fetch_k: int = 50
    rrf_k: int = 60
    filters: Filters = Filters()
    # The event index's first chunk ids (a `FirstChunks`): a conversation's focus is then searched by id,
    # not filtered. Typed loosely: pydantic cannot check a protocol.
    first_chunks: Any = None

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        recency: Recency | None = None,
        vector: np.ndarray | None = None,
    ) -> SearchResult:
        """The best `k` chunks for `query` within `filters` (`vector`: the query's, when already embedded)."""
        k = k or self.k
        filters = filters if filters is not None else self.filters
        vector = self.embedder.embed_query(query) if vector is None else vector
        fetch = max(self.fetch_k, k)
        focus = focus_ids(self.store, self.first_chunks, filters)
        dense = nearest_within(
            self.store, self.lexical, vector, fetch, filters, today=date.today(), focus=focus
        )
        lexical = self.lexical.search(query, fetch, filters, among=focus)
        lexical_ids = [(hit.id, hit.score) for hit in lexical]
        fused = self.fuse(dense, lexical_ids)
        # One read for the candidates' text; a chunk deleted since BM25 was built is simply not returned.
        chunks = {chunk.id: chunk for chunk in self.store.get(list(fused))} if fused else {}
        relevance = {
            id_: score for id_, score in fused.items() if id_ in chunks and filters.keep(chunks[id_].metadata)
        }
        if recency is not None and recency.anchor_margin is not None and dense:
            # The most relevant: the candidates whose meaning is closest to the question's.
            floor = dense[0][1] - recency.anchor_margin
            close = [id_ for id_, sim in dense if id_ in relevance and sim >= floor]
            recency = recency.anchored(chunks[id_].metadata.get("published_day") for id_ in close)
        scores = {
            id_: score * (1.0 + (recency.boost(chunks[id_].metadata) if recency else 0.0))
            for id_, score in relevance.items()
        }
        similarity = dict(dense)
        # Copies of one story fold into one article (the earliest, or the update that adds something).
        folded = one_per_story(
            [
                _retrieved(chunks[id_], scores[id_], similarity.get(id_))
                for id_ in sorted(scores, key=scores.__getitem__, reverse=True)
            ]
        )
        by_id = {chunk.chunk_id: chunk for chunk in folded}
        ranked = _articles_first(list(by_id), {id_: chunk.article_id for id_, chunk in by_id.items()})
        leaders = [ranking[0][0] for ranking in (dense, lexical_ids) if ranking and ranking[0][0] in by_id]
        best = _with_leaders(ranked, leaders, k)
        return SearchResult([by_id[id_] for id_ in best], vector, recency=recency)

    def fuse(self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]]) -> dict[str, float]:
        """Reciprocal-rank fusion, scaled so the best candidate scores 1."""
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (id_, _) in enumerate(ranking):
                fused[id_] = fused.get(id_, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        top = max(fused.values(), default=1.0)
        return {id_: score / top for id_, score in fused.items()}

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


def _with_leaders(ranked: list[str], leaders: list[str], k: int) -> list[str]:
    """The top `k`, with each retriever's first choice kept in it.

    Fusion rewards chunks both retrievers find; a chunk only one of them ranks
    first (a rare name BM25 alone matches, a paraphrase only the dense side
    sees) would otherwise sink below chunks both found at middling ranks.
    """
    chosen = sorted(set(leaders), key=ranked.index)[:k]
    chosen += [id_ for id_ in ranked if id_ not in chosen][: k - len(chosen)]
    return sorted(chosen, key=ranked.index)


def _articles_first(ranked: list[str], article_of: dict[str, str]) -> list[str]:
    """Each article's best chunk in rank order, then the rest: five articles beat five chunks of one."""
    seen: set[str] = set()
    first: list[str] = []
    rest: list[str] = []
    for id_ in ranked:
        (rest if article_of[id_] in seen else first).append(id_)
        seen.add(article_of[id_])
    return first + rest


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
        event_id=meta.get("event_id"),
        outlet=meta.get("outlet") or outlet_name(meta.get("source"), meta.get("url")),
    )
