"""`Assistant.article`: one indexed article whole, as the MCP server's `get_article` returns it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.assistant import Assistant, UnknownArticleError
from rag.ingest.loaders import load_file
from rag.ingest.pipeline import article_chunk_ids
from rag.settings import Settings
from tests.events_fixture import COPY_OUTLET, EVENT_OUTLETS
from tests.paths import SEED_ARTICLE, SEED_ARTICLE_ID


def test_the_text_put_back_from_overlapping_chunks_is_the_cleaned_article(seed_assistant: Assistant) -> None:
    [loaded] = load_file(SEED_ARTICLE, SEED_ARTICLE_ID)

    view = seed_assistant.article(SEED_ARTICLE_ID)

    assert view.text == loaded.text
    assert view.title == loaded.title
    assert view.published is None and view.url is None  # a bare text file says neither


def test_an_article_knows_its_story_and_its_event(event_assistant: Assistant) -> None:
    daily_post = next(record.id for record in event_assistant.articles() if record.source == "Daily Post")

    view = event_assistant.article(daily_post)

    assert [(copy.outlet, copy.copy_of) for copy in view.story] == [(COPY_OUTLET, daily_post)]
    assert view.event is not None
    assert [report.outlet for report in view.event.outlets] == EVENT_OUTLETS


@pytest.mark.parametrize("article_id", ["corpus/no-such-article.txt", "", "   "])
def test_an_unknown_id_is_one_clear_error(seed_assistant: Assistant, article_id: str) -> None:
    with pytest.raises(UnknownArticleError, match=r"^no indexed article has the id .*: ids come with search"):
        seed_assistant.article(article_id)


def test_an_article_is_read_by_its_chunk_ids_from_the_first_one_the_event_index_keeps(
    seed_assistant: Assistant,
) -> None:
    """At a million chunks a read by id takes 2 ms, a metadata filter 160 ms."""
    head = seed_assistant.event_members.head_of(SEED_ARTICLE_ID)
    stored = seed_assistant.store.get(where={"article_id": SEED_ARTICLE_ID})

    assert head is not None and len(stored) > 1
    assert article_chunk_ids(head, len(stored)) == sorted(
        (chunk.id for chunk in stored), key=lambda id_: int(id_.rsplit("::", 1)[1])
    )


def test_an_article_the_event_index_does_not_name_is_read_from_the_store(
    make_settings: Callable[..., Settings],
) -> None:
    assistant = Assistant(make_settings())
    assistant.ingest([SEED_ARTICLE])
    whole = assistant.article(SEED_ARTICLE_ID).text
    assistant.settings.events_path.unlink()

    assert assistant.event_members.head_of(SEED_ARTICLE_ID) is None
    assert assistant.article(SEED_ARTICLE_ID).text == whole
