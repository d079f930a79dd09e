"""Events: the stories of one happening across outlets, grouped at ingest; another event stays apart."""

from __future__ import annotations

from datetime import date

import numpy as np

from rag.assistant import Assistant
from rag.ingest.events import EventIndex
from tests.events_fixture import COPY_OUTLET, EVENT_OUTLETS, OLDER_OUTLET, write_event_corpus


def heads(assistant: Assistant) -> dict[str, dict]:
    """outlet -> the metadata of its article's first chunk."""
    return {meta["outlet"]: meta for meta in assistant.store.chunk_metadata({"chunk_index": 0}).values()}


def test_three_outlets_reporting_one_event_share_its_id_and_the_older_event_stays_apart(event_assistant):
    by_outlet = heads(event_assistant)
    events = {outlet: meta["event_id"] for outlet, meta in by_outlet.items()}
    assert len({events[outlet] for outlet in [*EVENT_OUTLETS, COPY_OUTLET]}) == 1
    assert events[OLDER_OUTLET] != events["Daily Post"]


def test_the_wire_copy_is_in_the_story_it_copies_and_every_chunk_carries_event_and_outlet(event_assistant):
    by_outlet = heads(event_assistant)
    assert by_outlet[COPY_OUTLET]["story_id"] == by_outlet["Daily Post"]["story_id"]
    chunks = event_assistant.store.chunk_metadata()
    assert all(meta.get("event_id") and meta.get("outlet") for meta in chunks.values())


def test_stats_count_events_and_the_outlets_of_each_the_copy_once(event_assistant):
    stats = event_assistant.stats()
    assert (stats.articles, stats.stories, stats.events) == (5, 4, 2)
    assert stats.outlets_per_event == {1: 1, 3: 1}


def test_a_later_ingest_joins_the_event_of_articles_stored_before(make_settings, tmp_path):
    paths = write_event_corpus(tmp_path / "corpus")
    late = next(path for path in paths if path.name == "evening-star.md")
    assistant = Assistant(make_settings())
    assistant.ingest([path for path in paths if path != late], prune=False)
    report = assistant.ingest([late], prune=False)
    assert report.added == 1
    by_outlet = heads(assistant)
    assert by_outlet["Evening Star"]["event_id"] == by_outlet["Daily Post"]["event_id"]


def test_a_store_written_before_events_still_answers_and_its_next_ingest_adds_them(make_settings, tmp_path):
    write_event_corpus(tmp_path / "corpus")
    assistant = Assistant(make_settings())
    assistant.ingest([tmp_path / "corpus"])
    collection = assistant.store.collection
    stored = collection.get(include=["metadatas", "documents", "embeddings"])
    old = [{k: v for k, v in meta.items() if k not in ("event_id", "outlet")} for meta in stored["metadatas"]]
    collection.delete(ids=stored["ids"])
    collection.add(
        ids=stored["ids"], documents=stored["documents"], metadatas=old, embeddings=stored["embeddings"]
    )
    answer = assistant.ask("How many people died in the Valmora floods?", as_of=date(2025, 10, 20))
    assert not answer.abstained and answer.coverage
    assert all(item.outlets for item in answer.coverage)
    report = assistant.ingest([tmp_path / "corpus"])
    assert report.chunks_embedded == 0 and report.changed == 5
    assert all(
        meta.get("event_id") and meta.get("outlet") for meta in assistant.store.chunk_metadata().values()
    )


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=16).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_an_event_is_joined_only_within_the_window_and_above_the_threshold(tmp_path):
    index = EventIndex(threshold=0.9, window_days=4, path=tmp_path / "events.sqlite")
    lead = _unit(1)
    assert index.assign("a", "a", date(2025, 10, 16), lead) == "a"
    assert index.assign("b", "b", date(2025, 10, 19), lead) == "a"
    assert index.assign("c", "c", date(2025, 10, 30), lead) == "c"
    assert index.assign("d", "d", date(2025, 10, 17), _unit(2)) == "d"
    assert index.assign("e", "e", None, lead) == "e"
    assert index.assign("f", "a", date(2025, 12, 1), _unit(3)) == "a"
    index.close()
    reopened = EventIndex(threshold=0.9, window_days=4, path=tmp_path / "events.sqlite")
    assert reopened.assign("g", "g", date(2025, 10, 20), lead) == "a"
    reopened.forget(["a", "b", "f", "g"])
    assert reopened.assign("h", "h", date(2025, 10, 18), lead) == "h"
