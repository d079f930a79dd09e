"""The Slack bot's memory, one SQLite file in RAG_HOME: followed stories, posts owed, answers shown.

A post to Slack and a write to this file cannot be one transaction, so a post
goes through an outbox. Deciding to post is one transaction: the story is
marked checked for that ingest and the message is queued, with the story's
state as it will be once the message is out. Delivering is another: the
message is posted carrying its outbox id as Slack message metadata, then the
story's new state is saved and the outbox row deleted together. A crash before
the post leaves the row, which the next run posts; a crash after it leaves the
row too, and the next run finds the message in the channel by its metadata and
only finishes the bookkeeping. So a post is neither lost nor made twice, and a
story with a post still owed is not checked again until it is delivered.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.schema import Answer
from rag.updates.story import Story

# Answers are kept this long for their buttons (feedback, follow, share) to work.
ANSWER_DAYS = 30
SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team TEXT NOT NULL,
    channel TEXT NOT NULL,
    thread TEXT NOT NULL,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    state TEXT NOT NULL,
    checked REAL,
    created REAL NOT NULL,
    UNIQUE (team, channel, thread, question)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story INTEGER REFERENCES stories(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    thread TEXT,
    message TEXT NOT NULL,
    state TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    context TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS digests (channel TEXT PRIMARY KEY, day TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Followed:
    id: int
    team: str
    channel: str
    thread: str
    user: str
    story: Story
    checked: float | None


@dataclass(frozen=True)
class Owed:
    """A message queued in the outbox: `story` (when it is a story update) gets `state` once it is out."""

    id: int
    story: int | None
    channel: str
    thread: str | None
    message: dict[str, Any]
    state: Story | None
    created: float


class SlackStore:
    """One connection shared by the bot's threads (writes serialised by a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA)
        with self._transaction() as db:
            db.execute("DELETE FROM answers WHERE created < ?", (time.time() - ANSWER_DAYS * 86400,))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # followed stories
    def follow(
        self, team: str, channel: str, thread: str, user: str, story: Story, checked: float | None
    ) -> tuple[int, bool]:
        """Store a subscription, checked up to ingest stamp `checked` (what it already shows).

        Returns its number and whether it is new: the same question in the same thread is followed once.
        """
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO stories "
                "(team, channel, thread, user, question, state, checked, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (team, channel, thread, user, story.question, story.to_json(), checked, time.time()),
            )
            if cursor.rowcount:
                return int(cursor.lastrowid or 0), True
            row = db.execute(
                "SELECT id FROM stories WHERE team = ? AND channel = ? AND thread = ? AND question = ?",
                (team, channel, thread, story.question),
            ).fetchone()
            return int(row["id"]), False

    def followed(self, team: str | None = None, channel: str | None = None) -> list[Followed]:
        """Subscriptions, oldest first; of one channel of one workspace when given."""
        query = "SELECT * FROM stories"
        args: tuple[str, ...] = ()
        if team is not None and channel is not None:
            query, args = query + " WHERE team = ? AND channel = ?", (team, channel)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [_followed(row) for row in rows]

    def unfollow(self, team: str, channel: str, number: int) -> Followed | None:
        """Remove subscription `number` of this channel (and what it still owes); None if there is none."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM stories WHERE id = ? AND team = ? AND channel = ?", (number, team, channel)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM stories WHERE id = ?", (number,))
        return _followed(row)

    def due(self, stamp: float) -> list[Followed]:
        """Stories not yet checked for ingest `stamp` that owe no post."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM stories WHERE (checked IS NULL OR checked < ?) "
                "AND id NOT IN (SELECT story FROM outbox WHERE story IS NOT NULL) ORDER BY id",
                (stamp,),
            ).fetchall()
        return [_followed(row) for row in rows]

    def checked(
        self, followed: Followed, stamp: float, message: dict[str, Any] | None, state: Story | None
    ) -> bool:
        """Record that `followed` was checked for `stamp` and queue its update, in one transaction.

        False (and nothing queued) when it was checked for this stamp meanwhile or unfollowed.
        """
        with self._transaction() as db:
            claimed = db.execute(
                "UPDATE stories SET checked = ? WHERE id = ? AND (checked IS NULL OR checked < ?)",
                (stamp, followed.id, stamp),
            ).rowcount
            if claimed and message is not None and state is not None:
                self._queue(db, followed.id, followed.channel, followed.thread, message, state)
        return bool(claimed)

    # the outbox
    def owed(self) -> list[Owed]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM outbox ORDER BY id").fetchall()
        return [
            Owed(
                id=row["id"],
                story=row["story"],
                channel=row["channel"],
                thread=row["thread"],
                message=json.loads(row["message"]),
                state=Story.from_json(row["state"]) if row["state"] else None,
                created=row["created"],
            )
            for row in rows
        ]

    def delivered(self, owed: Owed) -> None:
        """The message is in Slack: the story takes its new state and the row goes, together."""
        with self._transaction() as db:
            if owed.story is not None and owed.state is not None:
                db.execute("UPDATE stories SET state = ? WHERE id = ?", (owed.state.to_json(), owed.story))
            db.execute("DELETE FROM outbox WHERE id = ?", (owed.id,))

    def dropped(self, owed: Owed) -> None:
        """A post Slack will never take (channel gone): the row goes, the story keeps its old state."""
        with self._transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (owed.id,))

    def digest_due(self, channel: str, day: str) -> bool:
        """Whether `channel` has had no digest for `day` yet."""
        with self._lock:
            row = self._db.execute("SELECT day FROM digests WHERE channel = ?", (channel,)).fetchone()
        return row is None or row["day"] < day

    def queue_digest(self, channel: str, day: str, message: dict[str, Any] | None) -> bool:
        """Mark `channel`'s digest for `day` done and queue it (None: nothing to post), unless it was."""
        with self._transaction() as db:
            row = db.execute("SELECT day FROM digests WHERE channel = ?", (channel,)).fetchone()
            if row is not None and row["day"] >= day:
                return False
            db.execute("INSERT OR REPLACE INTO digests (channel, day) VALUES (?, ?)", (channel, day))
            if message is not None:
                self._queue(db, None, channel, None, message, None)
        return True

    @staticmethod
    def _queue(
        db: sqlite3.Connection,
        story: int | None,
        channel: str,
        thread: str | None,
        message: dict[str, Any],
        state: Story | None,
    ) -> None:
        db.execute(
            "INSERT INTO outbox (story, channel, thread, message, state, created) VALUES (?, ?, ?, ?, ?, ?)",
            (story, channel, thread, json.dumps(message), state.to_json() if state else None, time.time()),
        )

    # answers the buttons under them refer to
    def keep_answer(self, answer: Answer, **context: Any) -> str:
        """Store an answer (without the retrieval trace) with where it was asked; returns its id."""
        key = uuid.uuid4().hex
        with self._transaction() as db:
            db.execute(
                "INSERT INTO answers (id, answer, context, created) VALUES (?, ?, ?, ?)",
                (key, answer.model_dump_json(exclude={"retrieved"}), json.dumps(context), time.time()),
            )
        return key

    def place_answer(self, key: str, **context: Any) -> dict[str, Any]:
        """Add to where answer `key` was shown (the thread of a message posted after it was kept)."""
        with self._transaction() as db:
            row = db.execute("SELECT context FROM answers WHERE id = ?", (key,)).fetchone()
            where = json.loads(row["context"]) | context
            db.execute("UPDATE answers SET context = ? WHERE id = ?", (json.dumps(where), key))
        return where

    def answer(self, key: str) -> tuple[Answer, dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute("SELECT answer, context FROM answers WHERE id = ?", (key,)).fetchone()
        if row is None:
            return None
        return Answer.model_validate_json(row["answer"]), json.loads(row["context"])


def _followed(row: sqlite3.Row) -> Followed:
    return Followed(
        id=row["id"],
        team=row["team"],
        channel=row["channel"],
        thread=row["thread"],
        user=row["user"],
        story=Story.from_json(row["state"]),
        checked=row["checked"],
    )
