"""One story told on several dates: the answer depends on the day it is asked and the words used.

The Harrow Bridge closed in January 2024, reopened in June 2024, and its toll
rose in February 2025. A library budget story from 2023 is the only article
on its topic, so it must still answer although it is the oldest.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from rag.assistant import Assistant

ARTICLES = [
    {
        "id": "bridge-closed",
        "title": "Harrow Bridge closes for repairs",
        "body": "The Harrow Bridge over the Calder river closed to all traffic on Monday after inspectors "
        "found cracks in two of its steel cables. Drivers face a detour of about twelve miles. "
        "Engineers expect repairs to the bridge to take several months.",
        "source": "Calder Gazette",
        "published_at": "2024-01-15",
    },
    {
        "id": "bridge-reopened",
        "title": "Harrow Bridge reopens after cable repairs",
        "body": "The Harrow Bridge reopened to traffic on Saturday, five months after cracked cables forced "
        "its closure. The repaired bridge now carries a weight limit of 20 tonnes for lorries. "
        "Commuters welcomed the end of the long detour.",
        "source": "Northern Post",
        "published_at": "2024-06-08",
    },
    {
        "id": "bridge-toll",
        "title": "Toll on Harrow Bridge rises to pay for cable repairs",
        "body": "Drivers crossing the Harrow Bridge will pay a toll of three pounds from March, up from "
        "one pound, the council said. The higher toll will repay the loan that funded last year's "
        "cable repairs on the bridge.",
        "source": "Calder Gazette",
        "published_at": "2025-02-10",
    },
    {
        "id": "library-budget",
        "title": "Calder libraries to open on Sundays",
        "body": "Calder's public libraries will open on Sundays for the first time, the council said, "
        "after a donation of 400,000 pounds from a local foundation covered the extra staff.",
        "source": "Northern Post",
        "published_at": "2023-03-02",
    },
]


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from rag.settings import Settings

    folder = tmp_path_factory.mktemp("bridge")
    corpus = folder / "bridge.jsonl"
    corpus.write_text("\n".join(json.dumps(article) for article in ARTICLES) + "\n")
    assistant = Assistant(Settings(home=folder / "home"))
    assistant.ingest([corpus])
    return assistant


def cited_days(answer) -> list[str]:
    return [citation.published for citation in answer.citations]


def test_latest_cites_the_newest_report_first_and_says_as_of_when(bridge: Assistant) -> None:
    answer = bridge.ask("What is the latest on the Harrow Bridge?", as_of=date(2025, 3, 1))
    assert not answer.abstained
    assert cited_days(answer)[0] == "2025-02-10"
    assert answer.claims[0].text.startswith("As of 10 Feb 2025:")
    assert answer.timeframe is not None and answer.timeframe.latest


def test_nothing_published_after_the_as_of_day_is_used(bridge: Assistant) -> None:
    answer = bridge.ask("What is the latest on the Harrow Bridge?", as_of=date(2024, 3, 1))
    assert cited_days(answer) and set(cited_days(answer)) == {"2024-01-15"}
    assert all(chunk.published <= "2024-03-01" for chunk in answer.retrieved)
    assert answer.timeframe is not None and answer.timeframe.describe() == "Articles up to 1 Mar 2024"


def test_a_named_month_picks_that_months_report(bridge: Assistant) -> None:
    answer = bridge.ask("What happened to the Harrow Bridge in January?", as_of=date(2024, 7, 1))
    assert cited_days(answer)[0] == "2024-01-15"
    assert answer.timeframe is not None and answer.timeframe.phrase == "in January"
    # Asked in March 2025, "January" is January 2025: the 2024 closure is no longer "in January".
    later = bridge.ask("What happened to the Harrow Bridge in January?", as_of=date(2025, 3, 1))
    assert "2024-01-15" not in cited_days(later)


def test_this_week_is_the_week_before_the_as_of_day(bridge: Assistant) -> None:
    answer = bridge.ask("What happened to the Harrow Bridge this week?", as_of=date(2024, 6, 10))
    assert set(cited_days(answer)) == {"2024-06-08"}
    assert answer.timeframe is not None
    assert answer.timeframe.describe() == "Articles from 3 Jun 2024 to 10 Jun 2024"


def test_a_timeline_lists_every_dated_report_oldest_first(bridge: Assistant) -> None:
    answer = bridge.ask("How did the Harrow Bridge story unfold?", as_of=date(2025, 3, 1))
    assert answer.timeline
    assert [line.text.split(":")[0] for line in answer.claims] == ["15 Jan 2024", "8 Jun 2024", "10 Feb 2025"]
    assert cited_days(answer) == ["2024-01-15", "2024-06-08", "2025-02-10"]


def test_an_old_article_that_alone_answers_still_wins(bridge: Assistant) -> None:
    answer = bridge.ask("Who paid for the libraries to open on Sundays?", as_of=date(2025, 3, 1))
    assert not answer.abstained
    assert cited_days(answer)[0] == "2023-03-02"
    assert "foundation" in answer.text


def test_citations_carry_outlet_and_date(bridge: Assistant) -> None:
    answer = bridge.ask("What weight limit does the repaired Harrow Bridge have?", as_of=date(2025, 3, 1))
    assert answer.citations[0].dateline == "Northern Post, 8 Jun 2024"
    assert answer.sources[0].dateline == "Northern Post, 8 Jun 2024"


def test_the_cli_prints_dates_beside_sources_and_the_window(bridge: Assistant, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rag.cli import cli

    home = str(bridge.settings.home)
    result = CliRunner().invoke(
        cli, ["--home", home, "ask", "--as-of", "2024-06-10", "Harrow Bridge weight limit this week?"]
    )
    assert result.exit_code == 0, result.output
    assert "(Northern Post, 8 Jun 2024)" in result.output
    assert "Articles from 3 Jun 2024 to 10 Jun 2024." in result.output
    timeline = CliRunner().invoke(cli, ["--home", home, "timeline", "--as-of", "2025-03-01", "Harrow Bridge"])
    assert timeline.exit_code == 0, timeline.output
    lines = timeline.output.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["15 Jan 2024", "8 Jun 2024", "10 Feb 2025"]
