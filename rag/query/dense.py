"""The dense candidates a question's filters allow, without a Chroma metadata filter where it can be avoided.

Measured on `bench.scale`'s 1M-chunk embedded store (2 cores): a Chroma
`where` costs 110-215 ms whatever it matches (40-50 ms at 13k chunks), an
unfiltered search 2 ms. A time window ("this week") paid it twice, once
inside the window and once for the nearest articles outside it: 0.7-0.9 s
per question at 1M. The lexical index already holds each chunk's day and
source, counts the chunks a window holds in under a millisecond and lists
them at about 3 µs each, so the window is applied where that is cheap,
chosen by how many chunks pass:

- none: no search (a "this week" question over an archive that ends earlier);
- up to `RANK_MAX`: their stored vectors, read by id (about 40-50 µs each),
  ranked here, exactly (a Chroma search restricted to a few ids walks most
  of its graph: 250 ms for 100 ids, 135 ms for 1,000);
- up to `RESTRICT_MAX`: a Chroma search restricted to their ids (30-40 ms for 5,000-20,000);
- more: an unfiltered search deep enough to hold `n` of them, the passing
  ones named by the lexical index (about 60 ms 2,500 deep); only when fewer
  than `n` pass does the question pay for the Chroma filter.

A conversation's focus (its articles and events) is not in the lexical
index, but the event index keeps each article's first chunk id, and the
rest follow from it: a follow-up's focus is ranked here from its chunks'
vectors read by id (and the lexical side searches among the same ids), the
Chroma filter kept for a focus the index cannot name (or too large to rank
here). An event filter alone keeps the Chroma filter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

import numpy as np

from rag.components.vector_store import ChromaStore
from rag.ingest.pipeline import article_chunk_ids
from rag.query.filters import Filters
from rag.query.lexical import LexicalIndex

RANK_MAX = 1_000
RESTRICT_MAX = 20_000
# The deepest unfiltered search tried before the Chroma filter (about 30 ms at 1M).
DEEP_MAX = 4_000


class FirstChunks(Protocol):
    """The event index's first chunk ids (`rag.ingest.events.EventHeads`)."""

    def __call__(self, event_ids: Sequence[str]) -> dict[str, list[str]]: ...

    def head_of(self, article_id: str) -> str | None: ...


def nearest_within(
    store: ChromaStore,
    lexical: LexicalIndex,
    vector: np.ndarray,
    n: int,
    filters: Filters,
    *,
    today: date,
    rank_max: int = RANK_MAX,
    restrict_max: int = RESTRICT_MAX,
    deep_max: int = DEEP_MAX,
    focus: Sequence[str] | None = None,
) -> list[tuple[str, float]]:
    """Ids of the `n` nearest chunks that pass `filters`, with their cosine similarity, best first.

    `focus`: the chunk ids of the filters' articles and events, when the event index names them
    (`focus_ids`). An `until` of `today` or later is not applied here (see `Filters.where`): the
    retriever checks it on the candidates.
    """
    where = filters.where(today=today)
    if where is None:
        return store.nearest(vector, n)
    if focus is not None:
        return _nearest_in_focus(store, lexical, focus, vector, n, filters, today)
    if not lexical.holds(filters):
        return store.nearest(vector, n, where=where)
    inside = lexical.count(filters)
    if inside == 0:
        return []
    if inside <= rank_max:
        return _ranked(vector, *store.vectors(lexical.ids(filters, inside)))[:n]
    if inside <= restrict_max:
        return store.nearest(vector, n, ids=lexical.ids(filters, inside))
    depth = min(deep_max, math.ceil(2 * n * lexical.total() / inside))
    candidates = store.nearest(vector, depth)
    passing = set(lexical.ids(filters, len(candidates), among=[id_ for id_, _ in candidates]))
    kept = [(id_, similarity) for id_, similarity in candidates if id_ in passing]
    if len(kept) >= n or len(candidates) < depth:
        return kept[:n]
    return store.nearest(vector, n, where=where)


def _nearest_in_focus(
    store: ChromaStore,
    lexical: LexicalIndex,
    focus: Sequence[str],
    vector: np.ndarray,
    n: int,
    filters: Filters,
    today: date,
) -> list[tuple[str, float]]:
    """The nearest chunks of the focus, ranked here, within the other filters."""
    rest = replace(filters, articles=(), events=())
    if not lexical.holds(rest):
        return store.nearest(vector, n, where=filters.where(today=today))
    ids = list(focus)
    if rest.where(today=today) is not None:
        ids = lexical.ids(rest, len(ids), among=ids)
    return _ranked(vector, *store.vectors(ids))[:n]


def focus_ids(
    store: ChromaStore, first_chunks: FirstChunks | None, filters: Filters, limit: int = RANK_MAX
) -> list[str] | None:
    """The chunk ids of a follow-up's focus (the filters' articles and events), both retrievers search
    among; None when there is no focus or it cannot be named by id (see `chunk_ids_of`)."""
    if first_chunks is None or not (filters.articles or filters.events):
        return None
    return chunk_ids_of(store, first_chunks, filters.articles, filters.events, limit)


def chunk_ids_of(
    store: ChromaStore,
    first_chunks: FirstChunks,
    articles: Sequence[str],
    events: Sequence[str] = (),
    limit: int | None = None,
) -> list[str] | None:
    """Every chunk id of `articles` and of each article of `events`, from their first chunks' ids;
    None when the event index cannot name one of them, names one the store no longer holds, or
    they come to more than `limit` chunks."""
    heads = [head for head in map(first_chunks.head_of, articles) if head]
    named = first_chunks(list(events)) if events else {}
    if len(heads) < len(articles) or len(named) < len(set(events)):
        return None
    wanted = list(dict.fromkeys([*heads, *(head for members in named.values() for head in members if head)]))
    firsts = store.get(wanted) if wanted else []
    if len(firsts) < len(wanted):
        return None
    ids = [
        id_ for first in firsts for id_ in article_chunk_ids(first.id, int(first.metadata.get("n_chunks", 1)))
    ]
    return ids if limit is None or len(ids) <= limit else None


def _ranked(vector: np.ndarray, ids: list[str], vectors: np.ndarray) -> list[tuple[str, float]]:
    """`ids` by the cosine similarity of their vectors to `vector`, best first."""
    if not ids:
        return []
    norms = np.linalg.norm(vectors, axis=1) * float(np.linalg.norm(vector))
    similarity = vectors @ np.asarray(vector, dtype=np.float32) / np.where(norms > 0, norms, 1.0)
    order = np.argsort(-similarity, kind="stable")
    return [(ids[index], float(similarity[index])) for index in order]
