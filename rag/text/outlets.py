"""One canonical name per news outlet, however its articles spell it.

The same outlet arrives under several names: a feed says "CNN", a scraped
record "cnn.com", another "USAtoday" or "THE WEEK". Coverage counts outlets,
so every article gets one name: the outlet's registered domain when its URL
(or its source, when that is a domain) gives one, from the Public Suffix List
(tldextract's bundled copy, never fetched), so "edition.cnn.com" and
"www.cnn.com" are one outlet and "theweek.co.uk" is not "co.uk". A small table
turns known domains and spellings into the name readers know ("CNN",
"USA Today"); any other outlet is named by its domain, or by its source as
written when there is neither.
"""

from __future__ import annotations

import re
from functools import cache

# Registered domain -> the outlet's name as readers know it.
KNOWN_DOMAINS: dict[str, str] = {
    "apnews.com": "AP",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "cnn.com": "CNN",
    "foxnews.com": "Fox News",
    "nytimes.com": "The New York Times",
    "reuters.com": "Reuters",
    "theguardian.com": "The Guardian",
    "theweek.co.uk": "The Week",
    "theweek.com": "The Week",
    "usatoday.com": "USA Today",
    "washingtonpost.com": "The Washington Post",
}
# Spellings without a domain, squashed (lower case, letters and digits only) -> registered domain.
KNOWN_NAMES: dict[str, str] = {
    "ap": "apnews.com",
    "associatedpress": "apnews.com",
    "bbc": "bbc.co.uk",
    "bbcnews": "bbc.co.uk",
    "cnn": "cnn.com",
    "foxnews": "foxnews.com",
    "newyorktimes": "nytimes.com",
    "reuters": "reuters.com",
    "theguardian": "theguardian.com",
    "theweek": "theweek.co.uk",
    "thenewyorktimes": "nytimes.com",
    "thewashingtonpost": "washingtonpost.com",
    "usatoday": "usatoday.com",
    "washingtonpost": "washingtonpost.com",
}
_DOMAIN_LIKE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/.*)?$", re.IGNORECASE)
_SQUASH = re.compile(r"[^a-z0-9]")


def outlet_name(source: str | None, url: str | None = None) -> str | None:
    """The outlet an article came from: "CNN" for "cnn.com", "CNN" or https://edition.cnn.com/…."""
    domain = registered_domain(url) if url else None
    if domain is None and source and _DOMAIN_LIKE.match(source.strip()):
        domain = registered_domain(source.strip())
    if domain is None and source:
        domain = KNOWN_NAMES.get(_SQUASH.sub("", source.lower()))
    if domain is not None:
        return KNOWN_DOMAINS.get(domain, domain)
    name = " ".join(source.split()) if source else ""
    return name or None


def registered_domain(url: str) -> str | None:
    """ "https://www.bbc.co.uk/news/x" -> "bbc.co.uk"; None for a URL without a public suffix."""
    parts = _extractor()(url)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}".lower()


@cache
def _extractor():  # type: ignore[no-untyped-def]
    import tldextract

    # The Public Suffix List snapshot shipped with tldextract: no download, no cache on disk.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
