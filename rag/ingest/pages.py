"""A fetched web page (or a feed entry without one) -> an `Article` keyed by its canonical URL.

The id is the canonical URL, so a page met again under a tracking link or in
a second feed is the same article: unchanged it costs nothing, changed it
replaces its old version. A page may name a canonical URL on its own site
only; one pointing at another site would let a copy overwrite the original.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag.ingest.cleaning import clean_text
from rag.ingest.feeds import FeedItem
from rag.ingest.loaders import extract_html, parse_date
from rag.schema import Article

_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


class PageError(ValueError):
    """A page with no article text in it."""


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no default port."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(key, value) for key, value in pairs if not key.lower().startswith(_TRACKING)]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def article_from_page(html: bytes, url: str, item: FeedItem | None = None) -> Article:
    """The page's main text, title, author, outlet and date (trafilatura/htmldate); the feed fills gaps."""
    document = extract_html(html.decode("utf-8", errors="replace"), url)
    text = (document.text or "").strip() if document is not None else ""
    if document is None or not text:
        if item is not None and item.text:
            return article_from_item(item, url)
        raise PageError(f"no article text found in {url}")
    canonical = canonical_url(url)
    declared = canonical_url(document.url) if document.url else None
    if declared and _site(declared) == _site(canonical):
        canonical = declared
    title = document.title or (item.title if item else "") or canonical
    return _article(
        canonical,
        title,
        text,
        outlet=document.sitename or (item.outlet if item else None) or urlsplit(canonical).hostname,
        published=parse_date(document.date) or (item.published if item else None),
        author=document.author,
    )


def article_from_item(item: FeedItem, feed_url: str) -> Article:
    """An article from what the feed itself carries (an entry with no page, or a page without text)."""
    if not item.text:
        raise PageError(f"feed item {item.title or item.key!r} has no link and no text")
    url = canonical_url(item.link) if item.link else f"{canonical_url(feed_url)}#{item.key}"
    return _article(url, item.title or url, item.text, outlet=item.outlet, published=item.published)


def _article(
    url: str,
    title: str,
    text: str,
    *,
    outlet: str | None,
    published: date | None,
    author: str | None = None,
) -> Article:
    return Article(
        id=url,
        title=title.strip(),
        text=clean_text(title, text),
        path=url,
        source=outlet,
        url=url,
        published=published,
        author=author,
    )


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
