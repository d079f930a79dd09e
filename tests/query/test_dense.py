"""Dense candidates inside a window, found without Chroma's metadata filter where the lexical index can say
which chunks pass.

Whichever way the window is applied (the window's vectors ranked here, a Chroma search restricted to the
window's ids, or a deeper unfiltered search kept by the lexical index), the candidates are the ones
Chroma's own filter returns. The thresholds that choose the way are lowered so this small archive takes
each of them. A conversation's focus (articles, events) is ranked from its chunks' vectors, read by id from
the first chunk ids the event index keeps, and again gives what the filter gives; BM25 searches among the
same ids.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from rag.assistant import Assistant
from rag.ingest.events import EventHeads
from rag.ingest.loaders import load_file
from rag.query.dense import focus_ids, nearest_within
from rag.query.filters import Filters
from rag.text.sentences import split_sentences
from tests.paths import SEED_ARTICLE, SEED_ARTICLE_ID
from tests.stores import ingested, write_jsonl

FIRST_DAY = date(2024, 3, 1)
OUTLETS = ("Calder Gazette", "Northern Post")
TODAY = date(2026, 1, 1)
QUESTION = "Why did Putin move the Syria talks to Sochi?"
N = 8

WAYS = {
    "ranked here": {"rank_max": 10_000, "restrict_max": 10_000},
    "restricted to the window's ids": {"rank_max": 0, "restrict_max": 10_000},
    "a deeper unfiltered search": {"rank_max": 0, "restrict_max": 0},
    "the Chroma filter when too few pass": {"rank_max": 0, "restrict_max": 0, "deep_max": N},
}
WINDOWS = {
    "a week": Filters(since=FIRST_DAY + timedelta(days=7), until=FIRST_DAY + timedelta(days=13)),
    "one day": Filters(since=FIRST_DAY + timedelta(days=3), until=FIRST_DAY + timedelta(days=3)),
    "one outlet in a week": Filters(source=OUTLETS[1], since=FIRST_DAY, until=FIRST_DAY + timedelta(days=6)),
    "everything up to a day": Filters(until=FIRST_DAY + timedelta(days=10)),
    "either outlet from a day on": Filters(outlets=OUTLETS, since=FIRST_DAY + timedelta(days=12)),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """Forty dated articles, two a day for twenty days, one from each outlet, from the seed's sentences."""
    [seed] = load_file(SEED_ARTICLE, SEED_ARTICLE_ID)
    sentences = [span.text for span in split_sentences(seed.text)]
    rng = random.Random(3)
    articles = [
        {
            "id": f"report-{number:02d}",
            "title": f"Report {number} from Zorvia{number:02d}",
            "body": " ".join(
                f"{sentence} In Zorvia{number:02d} this was noted." for sentence in rng.sample(sentences, 4)
            ),
            "source": OUTLETS[number % 2],
            "published_at": (FIRST_DAY + timedelta(days=number // 2)).isoformat(),
        }
        for number in range(40)
    ]
    return ingested(tmp_path_factory, "dated", write_jsonl(articles))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("way", WAYS)
def test_every_way_finds_what_the_chroma_filter_finds(archive: Assistant, way: str, window: str) -> None:
    filters = WINDOWS[window]
    vector = archive.embedder.embed_query(QUESTION)
    expected = archive.store.nearest(vector, N, where=filters.where(today=TODAY))
    found = nearest_within(
        archive.store, archive.retriever.lexical, vector, N, filters, today=TODAY, **WAYS[way]
    )
    assert expected, "the window holds chunks"
    assert [id_ for id_, _ in found] == [id_ for id_, _ in expected]
    assert [round(similarity, 4) for _, similarity in found] == [
        round(similarity, 4) for _, similarity in expected
    ]


def test_a_window_before_the_archive_finds_nothing(archive: Assistant) -> None:
    vector = archive.embedder.embed_query(QUESTION)
    before = Filters(since=date(2023, 1, 1), until=date(2023, 1, 7))
    assert nearest_within(archive.store, archive.retriever.lexical, vector, N, before, today=TODAY) == []


def _focus(archive: Assistant, articles: slice, events: slice, **window: object) -> Filters:
    """A conversation's focus: some articles, the events of some others, perhaps within a window."""
    ids = sorted(record.id for record in archive.store.articles())
    firsts = archive.store.get(where={"chunk_index": 0})
    event_of = {chunk.metadata["article_id"]: chunk.metadata["event_id"] for chunk in firsts}
    return Filters(
        articles=tuple(ids[articles]), events=tuple({event_of[id_] for id_ in ids[events]}), **window
    )


FOCI = {
    "two articles": {"articles": slice(5, 7), "events": slice(0, 0)},
    "an article's event": {"articles": slice(0, 0), "events": slice(30, 31)},
    "articles and events": {"articles": slice(2, 4), "events": slice(20, 22)},
    "articles and events from a day on": {
        "articles": slice(2, 12),
        "events": slice(20, 22),
        "since": FIRST_DAY + timedelta(days=3),
    },
    "the focus in one outlet": {"articles": slice(0, 20), "events": slice(0, 0), "source": OUTLETS[0]},
}


@pytest.mark.parametrize("focus", FOCI)
def test_a_conversations_focus_is_ranked_from_its_chunks_read_by_id(
    archive: Assistant, focus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event index names each focus article's first chunk; Chroma's filter is never asked."""
    filters = _focus(archive, **FOCI[focus])
    vector = archive.embedder.embed_query(QUESTION)
    expected = archive.store.nearest(vector, N, where=filters.where(today=TODAY))
    nearest = archive.store.nearest

    def unfiltered_only(*args: object, where: object = None, **kwargs: object) -> object:
        assert where is None, "the focus was filtered by Chroma"
        return nearest(*args, **kwargs)

    monkeypatch.setattr(archive.store, "nearest", unfiltered_only)
    found = nearest_within(
        archive.store,
        archive.retriever.lexical,
        vector,
        N,
        filters,
        today=TODAY,
        focus=focus_ids(archive.store, archive.event_members, filters),
    )
    assert expected, "the focus holds chunks"
    assert [id_ for id_, _ in found] == [id_ for id_, _ in expected]
    assert [round(similarity, 4) for _, similarity in found] == [
        round(similarity, 4) for _, similarity in expected
    ]


def test_a_focus_the_event_index_cannot_name_is_filtered_by_chroma(archive: Assistant, tmp_path) -> None:
    filters = _focus(archive, slice(5, 7), slice(30, 31))
    vector = archive.embedder.embed_query(QUESTION)
    unnamed = EventHeads(tmp_path / "no-event-index.sqlite")
    focus = focus_ids(archive.store, unnamed, filters)
    found = nearest_within(
        archive.store, archive.retriever.lexical, vector, N, filters, today=TODAY, focus=focus
    )
    assert focus is None
    assert found == archive.store.nearest(vector, N, where=filters.where(today=TODAY))


def test_a_follow_ups_bm25_side_ranks_the_focus_not_the_whole_archive(
    archive: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive's best BM25 hits are other articles' chunks, which the focus then drops: the focus's own
    chunks would never reach fusion from the lexical side. Searched among the focus's ids, they do."""
    filters = _focus(archive, slice(5, 7), slice(0, 0))
    in_focus = set(focus_ids(archive.store, archive.event_members, filters) or ())
    lexical, fetch = archive.retriever.lexical, 3
    archive_wide = [hit.id for hit in lexical.search(QUESTION, fetch, filters)]
    assert archive_wide and not in_focus & set(archive_wide), (
        "this test needs the archive's best outside the focus"
    )
    searched: list[str] = []
    search = lexical.search

    def recorded(*args: object, **kwargs: object) -> object:
        hits = search(*args, **kwargs)
        searched.extend(hit.id for hit in hits)
        return hits

    monkeypatch.setattr(lexical, "search", recorded)
    archive.retriever.model_copy(update={"fetch_k": fetch, "k": fetch}).search(QUESTION, filters=filters)
    assert searched, "the lexical side found nothing in the focus"
    assert set(searched) <= in_focus


def test_no_filter_is_a_plain_search(archive: Assistant) -> None:
    vector = archive.embedder.embed_query(QUESTION)
    assert nearest_within(archive.store, archive.retriever.lexical, vector, N, Filters(), today=TODAY) == (
        archive.store.nearest(vector, N)
    )
