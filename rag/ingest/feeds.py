"""RSS 0.9x/1.0/2.0 and Atom feeds (via feedparser), and what each feed's last poll left behind.

`FeedState` lives in `RAG_HOME/feeds.json`: per feed its ETag and
Last-Modified (so an unchanged feed costs one 304) and the items already
ingested (so a poll ingests only new ones). It is written atomically and only
after the items it names are in the store, so a poll killed halfway is simply
done again.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


class FeedError(ValueError):
    """A document that is not a usable feed."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: where its article lives, and what the feed itself says of it."""

    key: str
    link: str | None
    title: str
    text: str
    published: date | None
    outlet: str | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: list[FeedItem]


def parse_feed(body: bytes, url: str) -> Feed:
    """The feed's items; raises `FeedError` for a document feedparser cannot read as a feed."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    outlet = parsed.feed.get("title") or None
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or None
        key = entry.get("id") or link or entry.get("title")
        if key:
            items.append(
                FeedItem(
                    key=str(key),
                    link=link,
                    title=str(entry.get("title") or ""),
                    text=_entry_text(entry),
                    published=_entry_date(entry),
                    outlet=outlet,
                )
            )
    # feedparser reads broken XML leniently; it is a feed only if it is one and something usable came out.
    if not parsed.get("version") or (parsed.get("bozo") and not items):
        problem = parsed.get("bozo_exception")
        reason = f": {str(problem).splitlines()[0]}" if problem else ""
        raise FeedError(f"malformed feed at {url}{reason}")
    return Feed(outlet, items)


def _entry_text(entry: Any) -> str:
    """The entry's fullest text (content:encoded, then summary), as plain text."""
    import trafilatura

    contents = [part.get("value", "") for part in entry.get("content", [])] + [entry.get("summary", "")]
    html = max(contents, key=len)
    if "<" not in html:
        return html.strip()
    return (trafilatura.extract(f"<html><body><article>{html}</article></body></html>") or "").strip()


def _entry_date(entry: Any) -> date | None:
    """The entry's day in UTC, as feedparser normalizes it; None when no date fits in a `date`.

    A zero time written east of Greenwich (0001-01-01T00:00:00+01:00) falls in year 0 in UTC.
    """
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            with contextlib.suppress(ValueError):
                return date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


@dataclass
class FeedRecord:
    etag: str | None = None
    last_modified: str | None = None
    seen: set[str] = field(default_factory=set)


class FeedState:
    """Per feed URL: validators for a conditional GET and the keys of items already ingested."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, FeedRecord] = {}
        if path.exists():
            for url, raw in json.loads(path.read_text()).items():
                self.records[url] = FeedRecord(raw.get("etag"), raw.get("last_modified"), set(raw["seen"]))

    def get(self, url: str) -> FeedRecord:
        return self.records.get(url) or FeedRecord()

    def update(self, url: str, record: FeedRecord) -> None:
        self.records[url] = record

    def save(self) -> None:
        """Write atomically: a reader (or a crash) sees the old file or the new one, never half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            url: {"etag": r.etag, "last_modified": r.last_modified, "seen": sorted(r.seen)}
            for url, r in self.records.items()
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1))
        temporary.replace(self.path)
