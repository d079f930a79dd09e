"""Stories of one event across outlets (the same news in other words) grouped into one event.

A story (`rag.ingest.stories`) is one text: a wire copy, an update. An event is
one happening that several outlets report in their own words within a few
days: shingles cannot see that, meaning can. Each article is compared with the
articles published within `window_days` of it by what ingest already has: the
embedding of its title and lead (the vector of its first chunk, computed
anyway). An article joins the event of its closest match when their cosine
reaches the threshold, else starts its own (event id = its article id); copies
of a story are in the story's event by definition. Measured on labelled pairs
of real articles (`python -m bench.events`): the names and figures two leads
share, added to the cosine, gained 0.01 F1 at best and nothing at the
precision-first threshold, so they are not used.

Rows persist in `RAG_HOME/events-COLLECTION.sqlite` (vector and day), read a
day at a time when a new article needs them, so a new article costs a few
small reads, however big the archive. Each row also keeps the id of the
article's first chunk, so the articles of an event are read from the store by
id (`EventHeads`, for the "Also reported by" line): a metadata filter over
Chroma costs about 160 ms at a million chunks whatever it matches, a read by
id about 2 ms.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _Entry:
    article_id: str
    event_id: str
    vector: np.ndarray


class EventIndex:
    """article id -> event id, from the lead's vector and the publication day; SQLite-backed."""

    def __init__(self, threshold: float, window_days: int, path: Path | None = None) -> None:
        self.threshold = threshold
        self.window_days = window_days
        self._db = _open(path)
        self._days: dict[int, dict[str, _Entry]] = {}

    def event_of(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT event_id FROM events WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def assign(
        self,
        article_id: str,
        story_id: str,
        published: date | None,
        vector: np.ndarray,
        head: str | None = None,
    ) -> str:
        """The event `article_id` belongs to: its story's, or its closest match's within the window.

        `vector` embeds the article's title and lead (normalised, as the embedder returns it); `head` is
        the id of the article's first chunk.
        An undated article cannot be placed in a window: it is an event of its own story.
        """
        self.forget([article_id])
        vector = np.asarray(vector, dtype=np.float32)
        event = self.event_of(story_id) if story_id != article_id else None
        if event is None and published is not None:
            event = self._closest(published.toordinal(), vector)
        event = event or story_id
        day = published.toordinal() if published else None
        self._db.execute(
            "INSERT OR REPLACE INTO events (article_id, event_id, day, vector, head) VALUES (?, ?, ?, ?, ?)",
            (article_id, event, day, vector.tobytes(), head),
        )
        if day is not None:
            self._day(day)[article_id] = _Entry(article_id, event, vector)
        return event

    def forget(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            row = self._db.execute("SELECT day FROM events WHERE article_id = ?", (article_id,)).fetchone()
            if row is None:
                continue
            self._db.execute("DELETE FROM events WHERE article_id = ?", (article_id,))
            if row[0] in self._days:
                self._days[row[0]].pop(article_id, None)

    def heads_missing(self) -> bool:
        """Whether an article's row lacks its first chunk's id (written before heads were kept)."""
        return self._db.execute("SELECT 1 FROM events WHERE head IS NULL LIMIT 1").fetchone() is not None

    def name_heads(self, heads: dict[str, str]) -> None:
        """Record the first chunk id of every article whose row lacks it (article id -> chunk id)."""
        self._db.executemany(
            "UPDATE events SET head = ? WHERE article_id = ? AND head IS NULL",
            [(head, article_id) for article_id, head in heads.items()],
        )
        # An article the store no longer holds has no first chunk: '' names nothing, and asks no more.
        self._db.execute("UPDATE events SET head = '' WHERE head IS NULL")

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def _closest(self, day: int, vector: np.ndarray) -> str | None:
        best, best_score = None, self.threshold
        for other_day in range(day - self.window_days, day + self.window_days + 1):
            for entry in self._day(other_day).values():
                score = float(vector @ entry.vector)
                if score >= best_score:
                    best, best_score = entry.event_id, score
        return best

    def _day(self, day: int) -> dict[str, _Entry]:
        """The entries of one publication day, read from disk the first time they are needed."""
        if day not in self._days:
            rows = self._db.execute("SELECT article_id, event_id, vector FROM events WHERE day = ?", (day,))
            self._days[day] = {
                article_id: _Entry(article_id, event_id, np.frombuffer(vector, dtype=np.float32))
                for article_id, event_id, vector in rows
            }
        return self._days[day]


# How long a question waits for the event index's file; then its coverage is read from the store instead.
LOCK_WAIT_SECONDS = 0.5


class EventHeads:
    """event id -> the first chunk id of each of its articles, read from the event index's file.

    An event with an article ingested before heads were kept (its head unknown) is left out: the
    caller reads that one from the store's metadata instead. Each call opens the file read-only,
    so any thread may call it while an ingest writes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event_ids: Sequence[str]) -> dict[str, list[str]]:
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = self._read(f"SELECT event_id, head FROM events WHERE event_id IN ({marks})", list(event_ids))
        heads: dict[str, list[str]] = defaultdict(list)
        unknown = set()
        for event_id, head in rows:
            if head is None:
                unknown.add(event_id)
            heads[event_id].append(head)
        return {event_id: found for event_id, found in heads.items() if event_id not in unknown}

    def head_of(self, article_id: str) -> str | None:
        """The first chunk id of one article, when the index names it."""
        rows = self._read("SELECT head FROM events WHERE article_id = ?", [article_id])
        return rows[0][0] if rows and rows[0][0] else None

    def _read(self, query: str, parameters: list[str]) -> list[tuple[Any, ...]]:
        """The rows of one read-only query; none when the file is missing, older, being created or locked."""
        if not self.path.exists():
            return []
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=LOCK_WAIT_SECONDS)) as db:
            try:
                return db.execute(query, parameters).fetchall()
            except sqlite3.OperationalError:  # written before heads were kept, being created, or locked
                return []


def _open(path: Path | None) -> sqlite3.Connection:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path or ":memory:", check_same_thread=False)
    # Write-ahead: serving processes read event heads while an ingest writes (a rollback journal made
    # a question wait 5 s on the lock and then miss, during a million-row update).
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS events (article_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, "
        "day INTEGER, vector BLOB NOT NULL, head TEXT)"
    )
    if "head" not in {row[1] for row in db.execute("PRAGMA table_info(events)")}:
        db.execute("ALTER TABLE events ADD COLUMN head TEXT")  # an index from before heads were kept
    db.execute("CREATE INDEX IF NOT EXISTS events_day ON events (day)")
    db.execute("CREATE INDEX IF NOT EXISTS events_event ON events (event_id)")
    db.commit()
    return db
