"""The Slack bot's background loop: followed stories after every ingest, daily digests, the outbox.

Whoever ingests (`rag watch`, `rag web --watch`, `rag ingest` in another
process, an upload) stamps the store; this process's store follows the stamp
and reopens (see `ChromaStore.follow`). Each tick reads the stamp the store
already *sees* (`seen_ingest`, so a check never runs before the new articles
can be found) and checks every followed story not yet checked for it: one
check, so at most one post, per story per ingest. A bot that was down finds
its stories checked for an older stamp and checks each once: one post with
what it missed. What to post is decided by `rag.updates` (story, digest);
how it is posted exactly once is `SlackStore`'s outbox.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from rag.updates.digest import day_events
from rag.updates.story import what_is_new
from ui.slack_blocks import digest_message, update_message

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from rag.assistant import Assistant
    from ui.slack_store import Followed, Owed, SlackStore

logger = logging.getLogger(__name__)
METADATA_EVENT = "newsbot_post"
# Slack errors after which a post can never succeed: the queued post is dropped (the story stays followed).
UNPOSTABLE = {"channel_not_found", "not_in_channel", "is_archived", "thread_not_found", "invalid_blocks"}


class StoryWatch:
    """One daemon thread; `tick` is the whole of one round (tests call it directly too)."""

    def __init__(self, assistant: Assistant, store: SlackStore, client: WebClient) -> None:
        self.assistant = assistant
        self.store = store
        self.client = client
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="slack-story-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the next tick tries again: a Slack or store outage must not end the loop
                logger.exception("checking followed stories failed")
            self._stop.wait(self.assistant.settings.store_follow_seconds)

    def tick(self, now: datetime | None = None) -> None:
        with self._lock:
            self.deliver()
            stamp = self.assistant.seen_ingest()
            if stamp is not None:
                for followed in self.store.due(stamp):
                    self._check(followed, stamp)
            self._digests(now or datetime.now().astimezone())
            self.deliver()

    def _check(self, followed: Followed, stamp: float) -> None:
        update = what_is_new(self.assistant, followed.story)
        message = update_message(followed.story.question, update) if update else None
        self.store.checked(followed, stamp, message, update.story if update else None)

    def _digests(self, now: datetime) -> None:
        settings = self.assistant.settings
        day = now.date()
        for channel, config in settings.slack_channels.items():
            if channel == "default" or config.digest_hour is None or now.hour < config.digest_hour:
                continue
            if not self.store.digest_due(channel, day.isoformat()):
                continue
            events = day_events(self.assistant, day, tuple(config.outlets), settings.slack_digest_items)
            message = digest_message(day.isoformat(), events) if events else None
            self.store.queue_digest(channel, day.isoformat(), message)

    def deliver(self) -> None:
        """Post what the outbox owes, oldest first; stops at the first failure (retried next tick)."""
        with self._lock:
            self._deliver()

    def _deliver(self) -> None:
        for owed in self.store.owed():
            try:
                if not self._posted(owed):
                    self.client.chat_postMessage(
                        channel=owed.channel,
                        thread_ts=owed.thread,
                        metadata=post_metadata(owed),
                        unfurl_links=False,
                        **owed.message,
                    )
            except SlackApiError as error:
                reason = str(error.response.get("error", ""))
                if reason not in UNPOSTABLE:
                    logger.warning("posting to %s failed (%s); will try again", owed.channel, reason)
                    return
                logger.warning("dropped a post to %s: %s", owed.channel, reason)
                self.store.dropped(owed)
                continue
            self.store.delivered(owed)

    def _posted(self, owed: Owed) -> bool:
        """Whether an earlier run posted `owed` and stopped before recording it (found by its metadata)."""
        since = f"{owed.created - 1:.6f}"
        if owed.thread:
            reply = self.client.conversations_replies(
                channel=owed.channel, ts=owed.thread, oldest=since, include_all_metadata=True, limit=200
            )
        else:
            reply = self.client.conversations_history(
                channel=owed.channel, oldest=since, include_all_metadata=True, limit=200
            )
        mark = post_metadata(owed)
        messages: list[dict[str, Any]] = reply.get("messages", [])
        return any(message.get("metadata") == mark for message in messages)


def post_metadata(owed: Owed) -> dict[str, Any]:
    """The Slack message metadata a queued post carries, by which a later run recognises it."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"outbox": owed.id, "queued": f"{owed.created:.6f}"},
    }
