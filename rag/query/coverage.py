"""Who reported it: the outlets of the event each cited article belongs to.

Ingest gives every chunk an `event_id` (`rag.ingest.events`) and an `outlet`
(`rag.text.outlets`). After answering, the first chunk of every article of the
cited events is read from the store by id (the event index names them:
`EventMembers`) and summed up per outlet, oldest first. Events the index cannot
name are looked up in the store's metadata instead, in one read: at a million
chunks that filter cost 2-8 s per answer, a read by id 2 ms. A story's copies
(same text: a wire report republished) count once, for the outlet that ran it
first. Chunks written before events existed carry neither field: their story
stands for the event and the outlet is worked out from source and URL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from rag.query.filters import day_number
from rag.schema import Answer, Coverage, EventArticle, OutletReport, RetrievedChunk, day_label
from rag.text.outlets import outlet_name

if TYPE_CHECKING:
    from rag.components.vector_store import ChromaStore

Meta = dict[str, Any]
# event id -> the first chunk id of each of its articles; events it cannot name are left out.
EventMembers = Callable[[Sequence[str]], dict[str, list[str]]]


def outlet_of(meta: Meta) -> str | None:
    return meta.get("outlet") or outlet_name(meta.get("source"), meta.get("url"))


def event_key(meta: Meta) -> str:
    return meta.get("event_id") or meta.get("story_id") or meta["article_id"]


def chunk_event(chunk: RetrievedChunk) -> str:
    return chunk.event_id or chunk.story_id or chunk.article_id


def event_heads(
    store: ChromaStore,
    event_ids: Iterable[str],
    as_of: date | None = None,
    members: EventMembers | None = None,
) -> dict[str, list[Meta]]:
    """event id -> the metadata of each of its articles' first chunk.

    Articles published after `as_of` are left out: an answer given as of a day knows nothing later.
    """
    wanted = list(dict.fromkeys(event_ids))
    if not wanted:
        return {}
    named = members(wanted) if members else {}
    ids = [head for heads in named.values() for head in heads if head]  # '': an article no longer stored
    metas = [chunk.metadata for chunk in store.get(ids=ids)] if ids else []
    if as_of is not None:  # an undated article is left out, as the store's filter leaves it out
        last = day_number(as_of)
        metas = [meta for meta in metas if meta.get("published_day", last + 1) <= last]
    rest = [event for event in wanted if event not in named]
    if rest:
        metas += store.chunk_metadata(_heads_filter(rest, as_of)).values()
    found: dict[str, list[Meta]] = defaultdict(list)
    for meta in metas:
        if event_key(meta) in wanted:
            found[event_key(meta)].append(meta)
    return dict(found)


def _heads_filter(event_ids: list[str], as_of: date | None) -> dict[str, Any]:
    """The first chunks of these events' (or stories') articles, published by `as_of`, as a store filter."""
    clauses: list[dict[str, Any]] = [
        {"chunk_index": 0},
        {"$or": [{"event_id": {"$in": event_ids}}, {"story_id": {"$in": event_ids}}]},
    ]
    if as_of is not None:
        clauses.append({"published_day": {"$lte": day_number(as_of)}})
    return {"$and": clauses}


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


def with_coverage(answer: Answer, store: ChromaStore, members: EventMembers | None = None) -> Answer:
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
    heads = event_heads(store, event_of.values(), as_of, members)
    numbers: dict[str, list[int]] = defaultdict(list)
    for number, event in event_of.items():
        numbers[event].append(number)
    coverage = [coverage_of(event, heads[event], numbers[event]) for event in numbers if event in heads]
    # Articles that name no outlet (a bare text file) say nothing about who reported them.
    return answer.model_copy(update={"coverage": [item for item in coverage if item.outlets]})


def coverage_line(answer: Answer, today: date | None = None) -> str | None:
    """ "Also reported by The Week (18 Oct), USA Today (19 Oct)": once per answer, every door's line.

    Only outlets beyond the ones the answer quotes, each at its first report, oldest first;
    nothing when a single outlet reported the cited events. A day of another year than the
    answer's as-of day (today by default) keeps its year.
    """
    cited = {source.article_id for source in answer.sources}
    quoted = {
        a.outlet for item in answer.coverage for a in item.articles if a.article_id in cited and a.outlet
    }
    first: dict[str, str | None] = {}
    for item in answer.coverage:
        for article in item.articles:
            if article.outlet and article.outlet not in quoted:
                known = first.get(article.outlet)
                first[article.outlet] = min(filter(None, (known, article.published)), default=None)
    if not first or len(first) + len(quoted) < 2:
        return None
    as_of = answer.timeframe.as_of if answer.timeframe else today or date.today()
    ordered = sorted(first.items(), key=lambda pair: (pair[1] or "9999", pair[0]))
    return "Also reported by " + ", ".join(_labelled(outlet, day, as_of.year) for outlet, day in ordered)


def _labelled(outlet: str, day: str | None, year: int) -> str:
    """ "USA Today (19 Oct)", or "USA Today (19 Oct 2024)" when not of `year`."""
    if not day:
        return outlet
    label = day_label(day)
    return f"{outlet} ({label.rsplit(' ', 1)[0] if day.startswith(str(year)) else label})"
