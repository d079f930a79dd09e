"""Coverage on every answer: which outlets reported the cited event, a wire copy once, another event never."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

from rag.assistant import Assistant
from rag.ingest.events import EventHeads, EventIndex
from rag.query.coverage import coverage_line, with_coverage
from tests.events_fixture import (
    AS_OF,
    COPY_OUTLET,
    COVERAGE_LINE,
    EVENT_OUTLETS,
    OLDER_OUTLET,
    QUESTION,
    write_event_corpus,
)


def test_the_answer_says_which_outlets_reported_its_event_oldest_first(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=AS_OF)
    assert not answer.abstained
    [coverage] = [item for item in answer.coverage if len(item.outlets) > 1]
    assert [report.outlet for report in coverage.outlets] == EVENT_OUTLETS
    assert coverage.copies_by == [COPY_OUTLET]
    assert coverage.line == COVERAGE_LINE
    assert OLDER_OUTLET not in {article.outlet for article in coverage.articles}
    assert len(coverage.articles) == 4
    assert "coverage" in answer.model_dump(mode="json")


def test_the_answer_names_the_other_outlets_once_with_short_dates(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=AS_OF)
    line = coverage_line(answer)
    quoted = {source.source for source in answer.sources}
    others = [outlet for outlet in [*EVENT_OUTLETS, COPY_OUTLET] if outlet not in quoted]
    assert line is not None and line.startswith("Also reported by ")
    assert [outlet for outlet in [*EVENT_OUTLETS, COPY_OUTLET] if outlet in line] == others
    assert "2025" not in line and OLDER_OUTLET not in line


def test_an_event_covered_by_one_outlet_has_no_coverage_line(event_assistant):
    answer = event_assistant.ask("Which Valmora road closed in the floods?", as_of=date(2025, 6, 10))
    assert not answer.abstained
    assert [item.outlets[0].outlet for item in answer.coverage] == [OLDER_OUTLET]
    assert coverage_line(answer) is None


def test_articles_published_after_the_as_of_day_are_not_counted(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=date(2025, 10, 16))
    assert not answer.abstained
    assert "Daily Post" in {source.source for source in answer.sources}
    assert coverage_line(answer) is None, "on 16 Oct only the Daily Post had reported it"


def test_the_event_index_names_each_article_of_an_event_by_its_first_chunk(event_assistant):
    """Coverage reads an event's articles by id: a metadata filter costs ~160 ms a question at 1M chunks."""
    first_chunks = event_assistant.store.chunk_metadata({"chunk_index": 0})
    by_event: dict[str, set[str]] = {}
    for chunk_id, meta in first_chunks.items():
        by_event.setdefault(meta["event_id"], set()).add(chunk_id)

    named = EventHeads(event_assistant.settings.events_path)(list(by_event))

    assert {event: set(heads) for event, heads in named.items()} == by_event
    assert EventHeads(event_assistant.settings.events_path)(["no-such-event"]) == {}


def test_an_event_index_from_before_heads_were_kept_gives_the_same_coverage(event_assistant, tmp_path):
    answer = event_assistant.ask(QUESTION, as_of=AS_OF)
    old = tmp_path / "events-old.sqlite"
    with (
        closing(sqlite3.connect(event_assistant.settings.events_path)) as new,
        closing(sqlite3.connect(old)) as db,
    ):
        db.execute(
            "CREATE TABLE events (article_id TEXT PRIMARY KEY, event_id TEXT, day INTEGER, vector BLOB)"
        )
        db.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            new.execute("SELECT article_id, event_id, day, vector FROM events").fetchall(),
        )
        db.commit()
    assert EventHeads(old)([item.event_id for item in answer.coverage]) == {}

    read_from_metadata = with_coverage(
        answer.model_copy(update={"coverage": []}), event_assistant.store, EventHeads(old)
    )
    EventIndex(threshold=0.5, window_days=4, path=old).close()  # an ingest opening it adds the column
    after_upgrade = with_coverage(
        answer.model_copy(update={"coverage": []}), event_assistant.store, EventHeads(old)
    )

    assert read_from_metadata.coverage == answer.coverage == after_upgrade.coverage
    assert coverage_line(answer) is not None


def test_the_next_ingest_names_the_heads_an_older_event_index_lacks(make_settings, tmp_path):
    write_event_corpus(tmp_path / "corpus")
    assistant = Assistant(make_settings())
    assistant.ingest([tmp_path / "corpus"])
    path = assistant.settings.events_path
    events = [item.event_id for item in assistant.ask(QUESTION, as_of=AS_OF).coverage]
    named = EventHeads(path)(events)
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE events SET head = NULL")
        db.commit()
    assert EventHeads(path)(events) == {}

    report = assistant.ingest([tmp_path / "corpus"])

    assert report.chunks_embedded == 0
    assert EventHeads(path)(events) == named
