"""What a question may be answered from: one source and/or a range of publication days.

Its own module because both retrievers read it: the dense side turns it into
a Chroma `where`, the lexical side into a day range and a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to a source (or any of `outlets`), an event and/or a range of publication days.

    `articles` and `events` together are one restriction: chunks of any of these articles or events
    (a conversation's focus).
    """

    source: str | None = None
    since: date | None = None
    until: date | None = None
    outlets: tuple[str, ...] = ()
    event: str | None = None
    articles: tuple[str, ...] = ()
    events: tuple[str, ...] = ()

    def where(self, today: date | None = None) -> dict[str, Any] | None:
        """The filters as a Chroma `where`; an `until` of `today` or later is left to `keep`.

        "Nothing after today" excludes almost nothing, so it is checked on the
        candidates instead of making every question a filtered vector search.
        """
        clauses: list[dict[str, Any]] = []
        if self.source:
            clauses.append({"source": self.source})
        if self.outlets:
            clauses.append({"source": {"$in": list(self.outlets)}})
        if self.event:
            clauses.append({"event_id": self.event})
        focus = [
            {key: {"$in": list(values)}}
            for key, values in (("article_id", self.articles), ("event_id", self.events))
            if values
        ]
        if focus:
            clauses.append(focus[0] if len(focus) == 1 else {"$or": focus})
        if self.since:
            clauses.append({"published_day": {"$gte": day_number(self.since)}})
        if self.until and not (today and self.until >= today):
            clauses.append({"published_day": {"$lte": day_number(self.until)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def keep(self, metadata: dict[str, Any]) -> bool:
        """Whether a chunk with this metadata passes (checked on every candidate: kept cheap)."""
        low, high = self.days
        day = metadata.get("published_day") or 0
        source = metadata.get("source")
        return (
            (not self.source or source == self.source)
            and (not self.outlets or source in self.outlets)
            and (not self.event or metadata.get("event_id") == self.event)
            and low <= day <= high
            and (not (self.articles or self.events) or self.in_focus(metadata))
        )

    def in_focus(self, metadata: dict[str, Any]) -> bool:
        """Whether a chunk belongs to one of `articles` or `events`."""
        return metadata.get("article_id") in self.articles or metadata.get("event_id") in self.events

    @cached_property
    def days(self) -> tuple[int, int]:
        """The window as inclusive YYYYMMDD numbers (0 and 99991231 when open)."""
        return (
            day_number(self.since) if self.since else 0,
            day_number(self.until) if self.until else 99991231,
        )

    def __bool__(self) -> bool:
        return bool(
            self.source
            or self.since
            or self.until
            or self.outlets
            or self.event
            or self.articles
            or self.events
        )

    def within(self, since: date | None, until: date | None) -> Filters:
        """These filters narrowed to [since, until] (a question's time window)."""
        return Filters(
            source=self.source,
            since=max(filter(None, (self.since, since)), default=None),
            until=min(filter(None, (self.until, until)), default=None),
            outlets=self.outlets,
            event=self.event,
            articles=self.articles,
            events=self.events,
        )


def day_number(value: date) -> int:
    """A day as the YYYYMMDD number chunks carry in their `published_day` metadata."""
    return value.year * 10000 + value.month * 100 + value.day


def from_day_number(number: int) -> date:
    """The inverse of `day_number`."""
    return date(number // 10000, number // 100 % 100, number % 100)
