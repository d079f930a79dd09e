"""Following a story: the thread gets what is new after every ingest, exactly once, across restarts.

The whole-system test runs `rag slack` as its own process and every ingest as
another (`rag ingest`), as a newsroom runs them; the bot talks to the fake
Web API in this process and is driven by signed slash commands. The outbox
and digest tests drive the bot's background loop (`StoryWatch.tick`) directly
over a real store.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from rag.assistant import Assistant
from rag.settings import Settings, SlackChannel
from rag.updates.story import Story, follow, what_is_new
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import BOT_TOKEN, SECRET, command, signed_post
from tests.paths import ROOT
from tests.servers import free_port, running
from tests.ui.conftest import STORY_QUESTION, write_dated_story
from ui.slack_store import SlackStore
from ui.slack_watch import METADATA_EVENT, StoryWatch, post_metadata

REOPENED = "The Kessler harbor bridge reopened to traffic on Monday after five months of cable repairs."
TOLLS = "Tolls on the Kessler harbor bridge will double in July to pay for the new cables."
CHANNEL = "C-newsroom"


def write_article(folder: Path, name: str, title: str, outlet: str, published: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"---\ntitle: {title}\nsource: {outlet}\npublished: {published}\n---\n{body}\n", "utf-8")
    return folder


def ingest(home: Path, folder: Path) -> None:
    """`rag ingest` in a process of its own, as a cron job or `rag watch` would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "rag", "--home", str(home), "ingest", "-q", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def wait_until(condition: Callable[[], Any], what: str, within: float = 90) -> Any:
    deadline = time.monotonic() + within
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {within:.0f} s"
        time.sleep(0.1)
    return value


class BotProcess:
    """`rag slack` over HTTP in its own process, pointed at the fake Web API."""

    def __init__(self, home: Path, slack: FakeSlack, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        self.log = log
        self.command = [sys.executable, "-m", "rag", "--home", str(home), "slack", "--port", str(self.port)]
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "RAG_SLACK_API_URL": slack.url,
            "RAG_STORE_FOLLOW_SECONDS": "0.5",
        }

    def running(self) -> Any:
        return running(self.command, f"http://127.0.0.1:{self.port}/health", self.log, 120, self.env)


def updates(slack: FakeSlack, thread: str) -> list[dict[str, Any]]:
    return [
        m for m in slack.in_thread(thread) if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    ]


def checked_stamp(home: Path) -> float | None:
    with sqlite3.connect(home / "slack.sqlite", timeout=30) as db:
        row = db.execute("SELECT checked FROM stories WHERE id = 1").fetchone()
    return row[0] if row else None


def test_follow_story_posts_what_each_ingest_adds_once_and_what_it_missed_after_a_restart(
    tmp_path: Path,
) -> None:
    home, slack = tmp_path / "home", FakeSlack().start()
    closed, reopened = write_dated_story(tmp_path / "first")
    later = tmp_path / "later"
    later.mkdir()
    shutil.move(reopened, later / reopened.name)
    ingest(home, closed.parent)
    bot = BotProcess(home, slack, tmp_path / "bot.log")

    with bot.running():
        signed_post(
            bot.url,
            command(f"follow {STORY_QUESTION}", channel=CHANNEL, response_url=slack.response_url("follow")),
        )
        root = wait_until(lambda: slack.history.get(CHANNEL), "the followed story's first answer")[0]
        followed = wait_until(lambda: slack.in_thread(root["ts"])[1:], "the follow acknowledgement")[0]
        assert "is following this story (#1)" in followed["text"]
        assert "closed to all traffic" in root["text"]

        ingest(home, later)
        [update] = wait_until(lambda: updates(slack, root["ts"]), "an update after the ingest")
        posted = json.dumps(update, ensure_ascii=False)
        assert REOPENED in update["text"] and "Coast Times, 12 Jun 2024" in posted
        assert "closed to all traffic" not in posted, "what the thread already showed is not news"
        first_check = checked_stamp(home)

        ingest(
            home,
            write_article(
                tmp_path / "bakery",
                "bakery.md",
                "Bakery wins prize",
                "Town Crier",
                "2024-06-13",
                "The corner bakery on Mill Street won the regional bread prize.",
            ),
        )
        wait_until(
            lambda: (checked_stamp(home) or 0) > (first_check or 0), "the check after the second ingest"
        )
        time.sleep(1.5)
        assert len(updates(slack, root["ts"])) == 1, "an ingest with nothing new for the story posts nothing"

    ingest(
        home,
        write_article(
            tmp_path / "tolls",
            "tolls.md",
            "Kessler bridge tolls to double",
            "Coast Times",
            "2024-06-20",
            f"{TOLLS} {REOPENED}",
        ),
    )
    with bot.running():
        missed = wait_until(lambda: updates(slack, root["ts"])[1:], "the update the bot missed while down")
        signed_post(bot.url, command("following", channel=CHANNEL, response_url=slack.response_url("list")))
        listing = wait_until(
            lambda: [c for c in slack.named("response") if c.params["response_url"] == "list"],
            "the list of followed stories",
        )
        time.sleep(1.5)
        assert len(updates(slack, root["ts"])) == 2, "one post for what it missed, however many ingests"
    assert TOLLS in missed[0]["text"] and "Coast Times, 20 Jun 2024" in json.dumps(missed[0])
    assert REOPENED not in missed[0]["text"], "a sentence already posted is never posted again"
    assert f"#1 _{STORY_QUESTION}_" in listing[0].params["text"], "the subscription survived the restart"
    slack.stop()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("follow")
    settings = Settings(home=root / "home", slack_channels={"C-digest": SlackChannel(digest_hour=9)})
    assistant = Assistant(settings)
    assistant.ingest([write_dated_story(root / "story")[0].parent])
    return assistant


@pytest.fixture
def watch(assistant: Assistant, tmp_path: Path) -> Iterator[tuple[StoryWatch, FakeSlack]]:
    slack = FakeSlack().start()
    store = SlackStore(tmp_path / "slack.sqlite")
    yield StoryWatch(assistant, store, WebClient(token=BOT_TOKEN, base_url=slack.url)), slack
    store.close()
    slack.stop()


def test_follow_story_what_is_new_skips_what_the_followed_answer_showed(assistant: Assistant) -> None:
    before = assistant.ask(STORY_QUESTION, as_of=datetime(2024, 3, 1))
    story = follow(before)
    update = what_is_new(assistant, story)

    assert update is not None and update.quotes[0].citation.quote == REOPENED
    assert {quote.source.source for quote in update.quotes} == {"Coast Times"}
    assert what_is_new(assistant, update.story) is None, "once posted, nothing is new until an ingest"
    assert Story.from_json(update.story.to_json()) == update.story


def test_follow_story_a_post_a_crash_left_unrecorded_is_not_made_again(
    watch: tuple[StoryWatch, FakeSlack],
) -> None:
    loop, slack = watch
    number, _ = loop.store.follow("T1", "C-crash", "1700000000.000001", "UALICE", Story("q"), 1.0)
    [followed] = loop.store.due(2.0)
    after = Story("q", quoted=frozenset({"k"}))
    assert loop.store.checked(followed, 2.0, {"text": "New on this story"}, after)
    [owed] = loop.store.owed()
    loop.client.chat_postMessage(  # the run that crashed got this far
        channel="C-crash", thread_ts=followed.thread, text="New on this story", metadata=post_metadata(owed)
    )

    loop.deliver()

    assert len(slack.named("chat.postMessage")) == 1
    assert loop.store.owed() == [] and loop.store.followed()[0].story == after
    assert loop.store.due(2.0) == [] and not loop.store.checked(followed, 2.0, None, None)
    assert number == 1


def test_follow_story_a_post_that_failed_is_made_on_the_next_round_and_once(
    watch: tuple[StoryWatch, FakeSlack],
) -> None:
    loop, slack = watch
    loop.store.follow("T1", "C-retry", "1700000000.000002", "UALICE", Story("q"), 1.0)
    [followed] = loop.store.due(2.0)
    loop.store.checked(followed, 2.0, {"text": "New on this story"}, Story("q", seen=frozenset({"a"})))
    slack.fail["chat.postMessage"] = ["internal_error"]

    loop.deliver()
    assert [c.method for c in slack.calls][-1] == "chat.postMessage (internal_error)"
    assert len(loop.store.owed()) == 1 and loop.store.due(3.0) == [], "not checked again while it owes a post"
    loop.deliver()
    loop.deliver()

    assert len(slack.named("chat.postMessage")) == 1 and loop.store.owed() == []
    assert loop.store.followed()[0].story.seen == {"a"}


def test_follow_story_unfollowing_drops_what_it_still_owed(watch: tuple[StoryWatch, FakeSlack]) -> None:
    loop, slack = watch
    number, new = loop.store.follow("T1", "C-gone", "1.1", "UALICE", Story("q"), 1.0)
    again, new_again = loop.store.follow("T1", "C-gone", "1.1", "UBOB", Story("q"), 1.0)
    [followed] = loop.store.due(2.0)
    loop.store.checked(followed, 2.0, {"text": "x"}, Story("q"))

    assert (again, new, new_again) == (number, True, False), "one subscription per question and thread"
    assert loop.store.unfollow("T1", "C-other", number) is None
    assert loop.store.unfollow("T1", "C-gone", number) is not None
    loop.deliver()
    assert loop.store.owed() == [] and slack.named("chat.postMessage") == []


def test_a_daily_digest_is_posted_once_at_its_hour(watch: tuple[StoryWatch, FakeSlack]) -> None:
    loop, slack = watch
    local = datetime.now().astimezone().tzinfo

    loop.tick(now=datetime(2024, 6, 12, 8, 59, tzinfo=local))
    assert slack.named("chat.postMessage") == [], "not before its hour"
    loop.tick(now=datetime(2024, 6, 12, 9, 0, tzinfo=local))
    loop.tick(now=datetime(2024, 6, 12, 17, 0, tzinfo=local))

    [digest] = slack.named("chat.postMessage")
    assert digest.params["channel"] == "C-digest" and "thread_ts" not in digest.params
    blocks = json.dumps(digest.params["blocks"], ensure_ascii=False)
    assert "The day's main events, 12 Jun 2024" in blocks
    assert "reopened to traffic" in blocks and "Coast Times, 12 Jun 2024" in blocks
    assert "Harbor Ledger" not in blocks, "only that day's articles"
