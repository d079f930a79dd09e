"""Feeds and pages over real HTTP on loopback, into a real store with the real model."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import cli
from tests.fakes.news_site import Item, article_html, atom, news_site, rss

TOWNS = ["Arden", "Belmont", "Calder", "Dunmore", "Eskdale", "Farley", "Glenrock", "Harwick"]


def paragraphs(town: str) -> list[str]:
    """Four paragraphs of a local report that no other town's report shares."""
    return [
        f"The council of {town} voted on Tuesday to rebuild the old stone bridge over the river.",
        f"Engineers said the bridge in {town} had been closed since the spring floods damaged two arches.",
        f"Work in {town} will begin in September and is expected to cost about four million pounds.",
        f"Shopkeepers in {town} welcomed the decision, saying trade had fallen since the closure.",
    ]


def publish(site, town: str, *, outlet: str = "The Loopback Times", published: str = "2025-06-02") -> Item:
    path = f"/{town.lower()}/bridge.html"
    url = site.serve(path, article_html(f"{town} to rebuild its bridge", paragraphs(town), outlet=outlet))
    return Item(f"{town} to rebuild its bridge", url, published)


@pytest.fixture
def site():
    with news_site() as site:
        yield site


@pytest.fixture
def assistant(make_settings):
    return Assistant(make_settings(fetch_allow_private=True, fetch_timeout=1.0))


def by_id(assistant):
    return {record.id: record for record in assistant.articles()}


def test_an_rss_and_an_atom_feed_bring_their_items_pages(site, assistant):
    rss_items = [publish(site, "Arden"), publish(site, "Belmont")]
    atom_items = [publish(site, "Calder", outlet="Atom Weekly")]
    rss_url = site.serve("/rss.xml", rss("Loopback Times", rss_items), content_type="application/rss+xml")
    atom_url = site.serve("/atom.xml", atom("Atom Weekly", atom_items), content_type="application/atom+xml")

    report = assistant.ingest_urls([rss_url, atom_url])

    assert report.collected.errors == []
    assert (report.collected.feeds, report.collected.items, report.ingest.added) == (2, 3, 3)
    articles = by_id(assistant)
    assert set(articles) == {item.link for item in rss_items + atom_items}
    calder = articles[atom_items[0].link]
    assert (calder.title, calder.source, calder.published, calder.url) == (
        "Calder to rebuild its bridge",
        "Atom Weekly",
        "2025-06-02",
        atom_items[0].link,
    )
    meta = assistant.store.chunk_metadata({"article_id": calder.id})
    assert {m["author"] for m in meta.values()} == {"Ada Reporter"}
    chunk_text = " ".join(chunk.text for chunk in assistant.store.get(ids=list(meta)))
    assert "Calder had been closed since the spring floods" in chunk_text
    assert "All rights reserved" not in chunk_text and "Home" not in chunk_text.split()


def test_an_unchanged_feed_costs_one_304_and_a_changed_one_brings_only_its_new_item(site, assistant):
    items = [publish(site, "Arden"), publish(site, "Belmont")]
    feed = site.serve("/rss.xml", rss("Times", items), content_type="application/rss+xml", etag='"v1"')
    assert assistant.ingest_urls([feed]).ingest.added == 2

    before = len(site.requests)
    again = assistant.ingest_urls([feed])
    assert (again.collected.unchanged_feeds, again.collected.items, again.ingest) == (1, 0, None)
    assert [path for path, _ in site.requests[before:]] == ["/robots.txt", "/rss.xml"]
    assert site.requests[-1][1]["if-none-match"] == '"v1"'

    items.append(publish(site, "Calder"))
    site.serve("/rss.xml", rss("Times", items), content_type="application/rss+xml", etag='"v2"')
    before = len(site.requests)
    changed = assistant.ingest_urls([feed])
    assert (changed.collected.items, changed.ingest.added, changed.ingest.unchanged) == (1, 1, 0)
    assert [p for p, _ in site.requests[before:] if p.endswith(".html")] == ["/calder/bridge.html"]
    assert len(by_id(assistant)) == 3


def test_each_failing_source_is_reported_and_the_others_go_on(site, assistant):
    good = site.serve("/rss.xml", rss("Times", [publish(site, "Arden")]), content_type="application/rss+xml")
    html = site.serve("/html.xml", article_html("Not a feed", ["Just a page."]))
    malformed = site.serve("/bad.xml", "<rss><channel><item><title>oops", content_type="application/rss+xml")
    slow = site.serve("/slow.xml", rss("Slow", []), content_type="application/rss+xml", delay=3)
    missing = site.url + "/missing.xml"

    report = assistant.ingest_urls([missing, html, malformed, slow, good])

    reasons = {error.source: error.reason for error in report.collected.errors}
    assert set(reasons) == {missing, html, malformed, slow}
    assert reasons[missing].startswith("HTTP 404")
    assert "expected a feed (XML)" in reasons[html] and "got text/html" in reasons[html]
    assert reasons[malformed].startswith("malformed feed")
    assert reasons[slow].startswith("timed out")
    assert report.failed and report.ingest.added == 1
    assert list(by_id(assistant)) == [site.url + "/arden/bridge.html"]


def test_an_item_dated_before_year_one_is_read_as_undated(site, assistant):
    # Go's zero time written east of Greenwich (0001-01-01T00:00:00+01:00) is 31 December of year 0 in
    # UTC: outside what a date can hold. The item still counts, as an undated one; the feed goes on.
    arden, belmont = publish(site, "Arden"), publish(site, "Belmont")
    entries = "".join(
        f'<entry><title>{item.title}</title><link href="{item.link}"/><id>{item.link}</id>'
        f"<updated>{updated}</updated></entry>"
        for item, updated in [(arden, "0001-01-01T00:00:00+01:00"), (belmont, "2025-06-02T08:00:00Z")]
    )
    feed = site.serve(
        "/atom.xml",
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Zero Times</title><id>urn:loopback:zero</id>{entries}</feed>",
        content_type="application/atom+xml",
    )

    report = assistant.ingest_urls([feed])

    assert report.collected.errors == []
    assert (report.collected.items, report.ingest.added) == (2, 2)
    assert set(by_id(assistant)) == {arden.link, belmont.link}


def test_a_page_is_one_article_under_its_canonical_url_however_it_is_linked(site, assistant):
    canonical = site.url + "/arden/bridge.html"
    site.serve(
        "/arden/bridge.html",
        article_html("Arden to rebuild its bridge", paragraphs("Arden"), canonical=canonical),
    )
    first = assistant.ingest_urls(urls=[canonical + "?utm_source=newsletter#comments"])
    second = assistant.ingest_urls(urls=[canonical + "?utm_campaign=social"])
    assert (first.ingest.added, second.ingest.added, second.ingest.unchanged) == (1, 0, 1)
    assert list(by_id(assistant)) == [canonical]


def test_a_page_that_names_another_site_as_canonical_keeps_its_own_url(site, assistant):
    url = site.serve(
        "/copy.html",
        article_html("Arden bridge", paragraphs("Arden"), canonical="https://original.example/arden"),
    )
    assistant.ingest_urls(urls=[url])
    assert list(by_id(assistant)) == [url]


def test_a_changed_page_replaces_its_old_version(site, assistant):
    url = site.serve("/arden.html", article_html("Arden", paragraphs("Arden")))
    assistant.ingest_urls(urls=[url])
    site.serve("/arden.html", article_html("Arden", [*paragraphs("Arden"), "The vote was unanimous."]))
    report = assistant.ingest_urls(urls=[url])
    assert (report.ingest.changed, report.ingest.added) == (1, 0)
    [record] = assistant.articles()
    texts = [chunk.text for chunk in assistant.store.get(where={"article_id": url})]
    assert len(texts) == record.chunks and "unanimous" in " ".join(texts)


def run(home, *args):
    env = {"RAG_FETCH_ALLOW_PRIVATE": "true", "RAG_FETCH_TIMEOUT": "1"}
    return CliRunner(env=env).invoke(cli, ["--home", str(home), *args], prog_name="rag")


def test_rag_ingest_takes_urls_and_a_feeds_file_and_fails_per_source(site, tmp_path):
    feed = site.serve("/rss.xml", rss("Times", [publish(site, "Arden")]), content_type="application/rss+xml")
    page = publish(site, "Belmont").link
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# my feeds\n{feed}\n\n{site.url}/gone.xml\n")

    result = run(tmp_path / "home", "ingest", "-q", "--feeds", str(feeds), page)

    assert result.exit_code == 1
    assert f"failed {site.url}/gone.xml: HTTP 404 Not Found\n" in result.output
    assert "1 feed (0 unchanged), 1 page; 1 new item; 2 added" in result.output
    assert result.output.rstrip().endswith("; 1 failed")
    assert "Traceback" not in result.output
    stats = run(tmp_path / "home", "stats", "--json")
    assert '"articles": 2' in stats.output


@pytest.mark.parametrize(
    ("target", "reason"),
    [("file:///etc/passwd", "only http and https"), ("http://169.254.169.254/latest/", "link-local")],
)
def test_rag_ingest_refuses_unsafe_urls_and_changes_nothing(site, tmp_path, target, reason):
    url = site.serve("/go", status=302, headers={"Location": target})
    for given in (target, url):
        result = run(tmp_path / "home", "ingest", "-q", given)
        assert result.exit_code == 1 and reason in result.output
    assert '"articles": 0' in run(tmp_path / "home", "stats", "--json").output


def test_rag_ingest_names_a_page_that_is_only_furniture_and_indexes_the_others(site, tmp_path):
    furniture = "If you're already a subscriber, thank you! Sign up for our newsletter to get more."
    promo = site.serve("/subscribe.html", article_html("Subscribe to the Times", [furniture]))
    page = publish(site, "Belmont").link

    result = run(tmp_path / "home", "ingest", "-q", promo, page)

    assert result.exit_code == 0, result.output
    assert f"skipped {promo}: no text left after cleaning" in result.output
    assert "2 pages; 0 new items; 1 added" in result.output
    assert result.output.rstrip().endswith("; 1 skipped")
