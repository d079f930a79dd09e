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
small reads, however big the archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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

    def assign(self, article_id: str, story_id: str, published: date | None, vector: np.ndarray) -> str:
        """The event `article_id` belongs to: its story's, or its closest match's within the window.

        `vector` embeds the article's title and lead (normalised, as the embedder returns it).
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
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?)", (article_id, event, day, vector.tobytes())
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


def _open(path: Path | None) -> sqlite3.Connection:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path or ":memory:", check_same_thread=False)
    db.execute(
        "CREATE TABLE IF NOT EXISTS events (article_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, "
        "day INTEGER, vector BLOB NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS events_day ON events (day)")
    return db
