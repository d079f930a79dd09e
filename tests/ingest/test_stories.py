"""Near-duplicates: a wire story and its copies and updates are one story; other stories stay apart."""

from __future__ import annotations

import pytest

from rag.assistant import Assistant
from rag.ingest.stories import StoryIndex, group
from tests.fakes.news_site import Item, article_html, news_site, rss

WIRE = [
    "Officials in Lisbon said on Thursday that the new metro line will open to passengers in March, "
    "two years later than first planned, after tunnelling under the old town ran into flooded ground.",
    "The line adds seven stations and links the airport with the central Rossio square in 18 minutes, "
    "according to the city's transport authority, which expects 80,000 journeys a day.",
    "The project cost 1.2 billion euros, about a third more than budgeted, most of it paid from European "
    "recovery funds. The contractor blamed the delays on groundwater and on a shortage of boring machines.",
    "Residents of the Alfama district, where several buildings cracked during the works, said they were "
    "still waiting for compensation. The city promised to settle all claims before the opening.",
]
OTHER = [
    "Lisbon's city council approved a plan on Monday to double the number of buses on night routes, "
    "responding to complaints from hospital and hotel workers who finish late.",
    "The council said 40 extra buses would run from May, paid for by a tourist tax that rose to four "
    "euros a night in January. Unions welcomed the plan but asked for better shelters at stops.",
    "Opposition councillors said the metro, not buses, should get the money, since the new line to the "
    "airport is already over budget and behind schedule.",
]


def wire_copy(headline_outlet: str) -> tuple[str, list[str]]:
    """The wire story as one outlet runs it: its own headline, dateline and footer."""
    footer = f"Copyright 2025 {headline_outlet}. Sign up for our newsletter for more transport news."
    return f"{headline_outlet}: Lisbon airport metro delayed", [f"LISBON (AP) — {WIRE[0]}", *WIRE[1:], footer]


def test_a_copy_with_another_headline_and_footer_is_the_same_story():
    _, copy_a = wire_copy("The Daily Tram")
    _, copy_b = wire_copy("Harbour Herald")
    stories = group([("a", "\n".join(copy_a)), ("b", "\n".join(copy_b))], threshold=0.7)
    assert stories == {"a": "a", "b": "a"}


def test_an_update_that_adds_paragraphs_is_the_same_story():
    update = [
        "UPDATE: The transport minister said on Friday that the opening could slip again to April.",
        "She told parliament that safety tests on the signalling system had not yet begun.",
        *WIRE[:3],
    ]
    stories = group([("first", "\n".join(WIRE)), ("later", "\n".join(update))], threshold=0.7)
    assert stories["later"] == "first"


def test_two_stories_on_the_same_topic_stay_apart():
    stories = group([("metro", "\n".join(WIRE)), ("buses", "\n".join(OTHER))], threshold=0.7)
    assert stories == {"metro": "metro", "buses": "buses"}


def test_a_short_brief_quoted_in_a_long_report_is_not_a_copy():
    brief = WIRE[0]
    stories = group([("report", "\n".join(WIRE + OTHER)), ("brief", brief)], threshold=0.7)
    assert stories["brief"] == "brief"


def test_signatures_persist_so_a_later_run_finds_the_earlier_copy(tmp_path):
    path = tmp_path / "stories.sqlite"
    first = StoryIndex(0.7, path)
    assert first.assign("a", "\n".join(wire_copy("The Daily Tram")[1])) == "a"
    first.close()
    later = StoryIndex(0.7, path)
    assert later.assign("b", "\n".join(wire_copy("Harbour Herald")[1])) == "a"
    assert later.assign("c", "\n".join(OTHER)) == "c"
    later.forget(["a"])
    assert later.story_of("a") is None and later.story_of("b") == "a"


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    """Two outlets running the wire story, then one a day later, and a different story on the topic."""
    settings_home = tmp_path_factory.mktemp("stories-home")
    with news_site() as site:
        items = []
        for outlet, day in (("The Daily Tram", "2025-06-02"), ("Harbour Herald", "2025-06-03")):
            title, body = wire_copy(outlet)
            url = site.serve(
                f"/{outlet.split()[-1].lower()}/metro.html",
                article_html(title, body, outlet=outlet, published=day),
            )
            items.append(Item(title, url, day))
        url = site.serve("/buses.html", article_html("Night buses doubled", OTHER, outlet="The Daily Tram"))
        items.append(Item("Night buses doubled", url))
        feed = site.serve("/rss.xml", rss("Wire", items), content_type="application/rss+xml")
        from rag.settings import Settings

        assistant = Assistant(Settings(home=settings_home, fetch_allow_private=True))
        report = assistant.ingest_urls([feed])
        assert report.ingest.added == 3
        yield assistant


def test_stats_count_stories_and_copies(syndicated):
    stats = syndicated.stats()
    assert (stats.articles, stats.stories, stats.copies) == (3, 2, 1)


def test_the_answer_cites_one_copy_and_names_the_other_outlets(syndicated):
    answer = syndicated.ask("when will the Lisbon airport metro line open?")
    assert not answer.abstained and "March" in answer.text
    articles: dict[str, set[str]] = {}
    for chunk in answer.retrieved:
        articles.setdefault(chunk.story_id, set()).add(chunk.article_id)
    assert all(len(ids) == 1 for ids in articles.values()), "one article per story"
    [source] = [s for s in answer.sources if "metro" in s.title.lower()]
    assert source.source == "The Daily Tram" and source.published == "2025-06-02", "the earliest copy"
    assert source.also_reported_by == ["Harbour Herald"]
