"""URLs -> articles: a feed's new items (each item's page fetched) or a single page.

Failures are per source: a feed that times out, answers 404, serves HTML where
a feed was expected or is malformed becomes one `SourceError` and the others
go on. A feed's state (validators, items seen) is committed only after its
articles are in the store, and its validators only when every new item was
read, so an item that failed is tried again on the next poll.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from rag.ingest.feeds import FeedError, FeedItem, FeedRecord, FeedState, parse_feed
from rag.ingest.fetch import FEED_TYPES, PAGE_TYPES, Fetcher, FetchError
from rag.ingest.pages import PageError, article_from_item, article_from_page
from rag.ingest.pipeline import Ingestor, IngestReport, ProgressFactory
from rag.schema import Article
from rag.settings import Settings

_FAILURES = (FetchError, FeedError, PageError)


@dataclass(frozen=True)
class SourceError:
    """A feed, page or item that could not be read, and why (one line)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"failed {self.source}: {self.reason}"


@dataclass
class Collected:
    articles: list[Article] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    feeds: int = 0
    unchanged_feeds: int = 0
    items: int = 0
    pages: int = 0
    interrupted: bool = False
    records: dict[str, FeedRecord] = field(default_factory=dict)

    def add(self, article: Article) -> None:
        if all(article.id != other.id for other in self.articles):
            self.articles.append(article)


@dataclass
class SourcesReport:
    """What one fetch-and-ingest did: sources read, new items, and the ingest itself."""

    collected: Collected
    ingest: IngestReport | None

    @property
    def failed(self) -> bool:
        return bool(self.collected.errors)

    def summary(self) -> str:
        c = self.collected
        parts = []
        if c.feeds:
            parts.append(f"{c.feeds} feed{'s' * (c.feeds != 1)} ({c.unchanged_feeds} unchanged)")
        if c.pages:
            parts.append(f"{c.pages} page{'s' * (c.pages != 1)}")
        fetched = ", ".join(parts) or "nothing fetched"
        line = f"{fetched}; {c.items} new item{'s' * (c.items != 1)}"
        if self.ingest is not None:
            line += f"; {self.ingest.summary()}"
        if c.errors:
            line += f"; {len(c.errors)} failed"
        return line + ("; interrupted" if c.interrupted else "")


class Collector:
    """Fetches feeds and pages safely (see `fetch`), remembering per feed what was already read."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = FeedState(settings.feeds_state_path)

    def collect(
        self,
        feeds: Sequence[str] = (),
        urls: Sequence[str] = (),
        *,
        stop: threading.Event | None = None,
        progress: Callable[[int], Any] | None = None,
    ) -> Collected:
        """Read `feeds` (must be feeds) and `urls` (a feed or a page each); stop early when `stop` is set."""
        stop = stop or threading.Event()
        collected = Collected()
        sources = [(url, FEED_TYPES) for url in feeds] + [(url, FEED_TYPES + PAGE_TYPES) for url in urls]
        bar = progress(len(sources)) if progress else None
        fetcher = Fetcher(self.settings)
        try:
            with ThreadPoolExecutor(self.settings.fetch_workers, thread_name_prefix="fetch") as pool:
                for url, accept in sources:
                    if stop.is_set():
                        break
                    self._source(fetcher, pool, url, accept, collected, stop, bar)
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(items=collected.items, refresh=False)
        finally:
            fetcher.close()
            if bar is not None:
                bar.close()
        collected.interrupted = stop.is_set()
        return collected

    def commit(self, collected: Collected) -> None:
        """Remember what was read; call once its articles are stored."""
        for url, record in collected.records.items():
            self.state.update(url, record)
        if collected.records:
            self.state.save()

    def _source(
        self,
        fetcher: Fetcher,
        pool: ThreadPoolExecutor,
        url: str,
        accept: tuple[str, ...],
        collected: Collected,
        stop: threading.Event,
        bar: Any,
    ) -> None:
        record = self.state.get(url)
        try:
            response = fetcher.get(url, accept, etag=record.etag, last_modified=record.last_modified)
            if response.not_modified:
                collected.feeds += 1
                collected.unchanged_feeds += 1
                return
            if response.content_type in PAGE_TYPES:
                collected.add(article_from_page(response.body, response.url))
                collected.pages += 1
                return
            feed = parse_feed(response.body, url)
        except _FAILURES as error:
            collected.errors.append(SourceError(url, str(error)))
            return
        collected.feeds += 1
        new = [item for item in feed.items if item.key not in record.seen]
        collected.items += len(new)
        if bar is not None and new:
            bar.total += len(new)
        read = self._items(fetcher, pool, url, new, collected, stop, bar)
        complete = len(read) == len(new)
        collected.records[url] = FeedRecord(
            etag=response.etag if complete else None,
            last_modified=response.last_modified if complete else None,
            seen=record.seen | read,
        )

    def _items(
        self,
        fetcher: Fetcher,
        pool: ThreadPoolExecutor,
        feed_url: str,
        items: list[FeedItem],
        collected: Collected,
        stop: threading.Event,
        bar: Any,
    ) -> set[str]:
        """Fetch the items' pages, a few at a time; the keys of the items that became articles."""
        read: set[str] = set()
        running: dict[Future[Article], FeedItem] = {
            pool.submit(_item_article, fetcher, feed_url, item): item for item in items
        }
        while running:
            done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            if stop.is_set():
                for future in running:
                    future.cancel()
                return read
            for future in done:
                item = running.pop(future)
                try:
                    collected.add(future.result())
                    read.add(item.key)
                except _FAILURES as error:
                    collected.errors.append(SourceError(item.link or feed_url, str(error)))
                if bar is not None:
                    bar.update(1)
        return read


def _item_article(fetcher: Fetcher, feed_url: str, item: FeedItem) -> Article:
    """The item's page as an article; the feed's own text when the page cannot be had."""
    if not item.link:
        return article_from_item(item, feed_url)
    try:
        response = fetcher.get(item.link, PAGE_TYPES)
        return article_from_page(response.body, response.url, item)
    except (FetchError, PageError):
        if item.text and len(item.text.split()) >= 40:
            return article_from_item(item, feed_url)
        raise


def ingest_sources(
    ingestor: Ingestor,
    feeds: Sequence[str] = (),
    urls: Sequence[str] = (),
    *,
    stop: threading.Event | None = None,
    fetch_progress: Callable[[int], Any] | None = None,
    progress: ProgressFactory | None = None,
) -> SourcesReport:
    """Fetch, then ingest what was fetched, then remember it. An interrupted fetch ingests nothing."""
    collector = Collector(ingestor.settings)
    collected = collector.collect(feeds, urls, stop=stop, progress=fetch_progress)
    if collected.interrupted:
        return SourcesReport(collected, None)
    report = ingestor.add(collected.articles, progress=progress) if collected.articles else None
    collector.commit(collected)
    return SourcesReport(collected, report)
