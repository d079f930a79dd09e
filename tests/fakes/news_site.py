"""A news site on a loopback port (the standard library's HTTP server): pages, feeds and failures.

Routes are set per test and may change between requests (a feed that gains
an item between two polls). ETag-bearing routes answer a matching
If-None-Match with 304, as a real server does. Every request is recorded with
its headers, and the most requests ever in flight at once is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0
    declare_length: bool = True


@dataclass
class NewsSite:
    url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, path: str, body: str | bytes = b"", **route: object) -> str:
        """Serve `body` at `path`; returns the full URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(data, **route)  # type: ignore[arg-type]
        return self.url + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for requested, headers in self.requests if requested == path]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {key.lower(): value for key, value in handler.headers.items()}
        path = urlsplit(handler.path).path  # the query string does not choose the page, as on most sites
        with self._lock:
            self.requests.append((path, headers))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            route = self.routes.get(path)
            if route is None:
                handler.send_response(404)
                handler.send_header("Content-Type", "text/plain")
                handler.send_header("Content-Length", "9")
                handler.end_headers()
                handler.wfile.write(b"not found")
                return
            time.sleep(route.delay)
            if route.etag and headers.get("if-none-match") == route.etag:
                handler.send_response(304)
                handler.send_header("ETag", route.etag)
                handler.end_headers()
                return
            handler.send_response(route.status)
            handler.send_header("Content-Type", route.content_type)
            if route.etag:
                handler.send_header("ETag", route.etag)
            for key, value in route.headers.items():
                handler.send_header(key, value)
            if route.declare_length:
                handler.send_header("Content-Length", str(len(route.body)))
            handler.end_headers()
            handler.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self.in_flight -= 1


@contextmanager
def news_site() -> Iterator[NewsSite]:
    site = NewsSite()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; a body without length ends at close

        def do_GET(self) -> None:
            site.handle(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    outlet: str = "The Loopback Times",
    author: str = "Ada Reporter",
    published: str = "2025-06-02",
    canonical: str | None = None,
) -> str:
    """An article page as news sites write it: metadata in <head>, the story in <article>, furniture."""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    return (
        f"<!doctype html><html><head><title>{escape(title)} | {escape(outlet)}</title>{link}"
        f'<meta property="og:site_name" content="{escape(outlet)}">'
        f'<meta name="author" content="{escape(author)}">'
        f'<meta property="article:published_time" content="{published}T08:00:00Z"></head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        f"<footer>© {escape(outlet)}. All rights reserved.</footer></body></html>"
    )


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    published: str = "2025-06-02"
    summary: str = ""


def rss(title: str, items: list[Item]) -> str:
    entries = "".join(
        f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
        f"<guid>{escape(item.link)}</guid><pubDate>{_rfc822(item.published)}</pubDate>"
        f"<description>{escape(item.summary)}</description></item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        f"<description>News</description>{entries}</channel></rss>"
    )


def atom(title: str, items: list[Item]) -> str:
    entries = "".join(
        f'<entry><title>{escape(item.title)}</title><link href="{escape(item.link)}"/>'
        f"<id>{escape(item.link)}</id><updated>{item.published}T08:00:00Z</updated>"
        f"<summary>{escape(item.summary)}</summary></entry>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:loopback:feed</id><updated>2025-06-02T08:00:00Z</updated>"
        f"{entries}</feed>"
    )


def _rfc822(day: str) -> str:
    return format_datetime(datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC))
