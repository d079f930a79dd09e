"""Who reported it: the outlets of the event each cited article belongs to.

Ingest gives every chunk an `event_id` (`rag.ingest.events`) and an `outlet`
(`rag.text.outlets`). After answering, the events of the cited articles are
looked up in the store's metadata (first chunks only: one row per article, one
read for all of them) and summed up per outlet, oldest first. A story's copies
(same text: a wire report republished) count once, for the outlet that ran it
first. Chunks written before events existed carry neither field: their story
stands for the event and the outlet is worked out from source and URL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rag.schema import Answer, Coverage, EventArticle, OutletReport, RetrievedChunk
from rag.text.outlets import outlet_name

if TYPE_CHECKING:
    from rag.components.vector_store import ChromaStore

Meta = dict[str, Any]


def outlet_of(meta: Meta) -> str | None:
    return meta.get("outlet") or outlet_name(meta.get("source"), meta.get("url"))


def event_key(meta: Meta) -> str:
    return meta.get("event_id") or meta.get("story_id") or meta["article_id"]


def chunk_event(chunk: RetrievedChunk) -> str:
    return chunk.event_id or chunk.story_id or chunk.article_id


def event_heads(
    store: ChromaStore, event_ids: Iterable[str], as_of: date | None = None
) -> dict[str, list[Meta]]:
    """event id -> the metadata of each of its articles' first chunk, in one read.

    Articles published after `as_of` are left out: an answer given as of a day knows nothing later.
    """
    wanted = list(dict.fromkeys(event_ids))
    if not wanted:
        return {}
    clauses: list[dict[str, Any]] = [
        {"chunk_index": 0},
        {"$or": [{"event_id": {"$in": wanted}}, {"story_id": {"$in": wanted}}]},
    ]
    if as_of is not None:
        clauses.append({"published_day": {"$lte": as_of.year * 10000 + as_of.month * 100 + as_of.day}})
    where = {"$and": clauses}
    found: dict[str, list[Meta]] = defaultdict(list)
    for meta in store.chunk_metadata(where).values():
        if event_key(meta) in wanted:
            found[event_key(meta)].append(meta)
    return dict(found)


def coverage_of(event_id: str, heads: list[Meta], sources: list[int] | None = None) -> Coverage:
    """The outlets of one event, oldest first; a story's copies count once (its first article's outlet).

    An article that names no outlet is listed among the articles but counts for none.
    """
    ordered = sorted(heads, key=lambda meta: (meta.get("published") or "9999", meta["article_id"]))
    first_of_story: dict[str, Meta] = {}
    articles = []
    for meta in ordered:
        story = meta.get("story_id") or meta["article_id"]
        first = first_of_story.setdefault(story, meta)
        articles.append(
            EventArticle(
                article_id=meta["article_id"],
                title=meta.get("title", ""),
                outlet=outlet_of(meta),
                published=meta.get("published"),
                url=meta.get("url"),
                copy_of=None if first is meta else first["article_id"],
            )
        )
    reports: dict[str, OutletReport] = {}
    for article in articles:
        if article.copy_of is None and article.outlet:
            report = reports.setdefault(
                article.outlet, OutletReport(outlet=article.outlet, published=article.published)
            )
            report.article_ids.append(article.article_id)
    copies = sorted({a.outlet for a in articles if a.copy_of and a.outlet and a.outlet not in reports})
    return Coverage(
        event_id=event_id,
        sources=sources or [],
        outlets=list(reports.values()),
        copies_by=copies,
        articles=articles,
    )


def with_coverage(answer: Answer, store: ChromaStore) -> Answer:
    """`answer` with one `Coverage` per event its sources belong to, in the order they are cited.

    Only articles published by the answer's as-of day count (its timeframe's).
    """
    if answer.abstained or not answer.sources:
        return answer
    chunks = {chunk.article_id: chunk for chunk in answer.retrieved}
    event_of = {
        source.number: chunk_event(chunks[source.article_id])
        if source.article_id in chunks
        else source.article_id
        for source in answer.sources
    }
    as_of = answer.timeframe.as_of if answer.timeframe else None
    heads = event_heads(store, event_of.values(), as_of)
    numbers: dict[str, list[int]] = defaultdict(list)
    for number, event in event_of.items():
        numbers[event].append(number)
    coverage = [coverage_of(event, heads[event], numbers[event]) for event in numbers if event in heads]
    # Articles that name no outlet (a bare text file) say nothing about who reported them.
    return answer.model_copy(update={"coverage": [item for item in coverage if item.outlets]})


def coverage_lines(coverage: list[Coverage]) -> list[str]:
    """The lines every door prints under an answer; each prefixed by its [n] when several events are cited."""
    if len(coverage) == 1:
        return [coverage[0].line]
    return [f"{''.join(f'[{n}]' for n in item.sources)} {item.line}" for item in coverage]
