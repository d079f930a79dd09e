"""Time words resolved against a fixed reference day: the table a reader can check by hand."""

from __future__ import annotations

from datetime import date
from datetime import date as d

import pytest

from rag.query.timeframe import resolve, without_phrase

JAN5 = date(2024, 1, 5)  # a Friday
LEAP = date(2024, 2, 29)
JAN1 = date(2024, 1, 1)  # a Monday, the year's first day


@pytest.mark.parametrize(
    ("question", "as_of", "since", "until", "phrase", "period"),
    [
        # windows that run up to the reference day are hard limits
        ("Two planes collided on a runway this week?", JAN5, d(2023, 12, 29), JAN5, "this week", False),
        ("What happened today in Gaza?", JAN5, JAN5, JAN5, "today", False),
        ("Who resigned yesterday?", JAN1, d(2023, 12, 31), JAN1, "yesterday", False),
        ("What did the Fed do this month?", JAN5, d(2024, 1, 1), JAN5, "this month", False),
        ("Who won the most medals this year?", JAN1, JAN1, JAN1, "this year", False),
        ("What changed since June?", JAN5, d(2023, 6, 1), JAN5, "since June", False),
        ("Prices since 1 December?", JAN5, d(2023, 12, 1), JAN5, "since 1 December", False),
        ("Any news over the past two weeks?", JAN5, d(2023, 12, 22), JAN5, "past two weeks", False),
        ("What happened last week?", JAN5, d(2023, 12, 25), JAN5, "last week", False),
        ("Who said what in March?", d(2024, 3, 20), d(2024, 3, 1), d(2024, 3, 20), "in March", False),
        # past periods: preferred, with later reports still used
        ("What did the Fed do in March?", JAN5, d(2023, 3, 1), d(2023, 4, 3), "in March", True),
        ("What did the Fed do in March 2022?", JAN5, d(2022, 3, 1), d(2022, 4, 3), "in March 2022", True),
        ("What happened in 2022?", JAN5, d(2022, 1, 1), d(2022, 12, 31), "in 2022", True),
        ("What was decided last year?", JAN1, d(2023, 1, 1), d(2023, 12, 31), "last year", True),
        ("What was decided last month?", JAN1, d(2023, 12, 1), d(2024, 1, 1), "last month", False),
        ("What happened on 5 January?", d(2024, 2, 1), d(2024, 1, 5), d(2024, 1, 7), "on 5 January", True),
        ("What happened on January 3, 2023?", JAN5, d(2023, 1, 3), d(2023, 1, 5), "on January 3, 2023", True),
        ("What was announced 3 days ago?", JAN5, d(2024, 1, 1), d(2024, 1, 3), "3 days ago", True),
        # year rollover and the leap day
        ("Storms in December?", JAN5, d(2023, 12, 1), d(2024, 1, 3), "in December", True),
        ("What happened in February?", LEAP, d(2024, 2, 1), LEAP, "in February", False),
        ("What happened in February?", d(2025, 3, 1), d(2025, 2, 1), d(2025, 3, 1), "in February", False),
        ("What happened on 29 February?", d(2024, 3, 10), LEAP, d(2024, 3, 2), "on 29 February", True),
    ],
)
def test_time_words_become_a_window(question, as_of, since, until, phrase, period):
    timeframe = resolve(question, as_of)
    found = (timeframe.since, timeframe.until, timeframe.phrase, timeframe.period)
    assert found == (since, until, phrase, period)
    assert timeframe.as_of == as_of
    assert timeframe.published_until == as_of if period else until


@pytest.mark.parametrize(
    "question",
    [
        "Why did Putin move talks from Astana before the election?",
        "It may rain: what did forecasters say?",
        "How many people were evacuated from 5,000 homes?",
        "Fossils 85,000 years ago: where were they found?",
    ],
)
def test_phrases_it_cannot_resolve_are_left_alone(question):
    timeframe = resolve(question, JAN5)
    assert (timeframe.since, timeframe.until, timeframe.phrase) == (None, JAN5, None)


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("What is the latest on the Gaza ceasefire talks?", True),
        ("Who currently leads the party?", True),
        ("Is the bridge still closed?", True),
        ("Who leads the party?", False),
        ("What is the most recent toll on the bridge?", True),
        ("Has the strike ended yet?", True),
        # "new" before a role or thing asks for the newest holder; "a new study" and place names do not
        ("Who is the new prime minister?", True),
        ("What is the club's new name?", True),
        ("What will its new name be?", True),
        ("Who is the new Pope?", True),
        ("A new study ranks this diet first.", False),
        ("What did the New York Times endorse?", False),
        ("How long did the fires in the new South Wales bush burn?", False),
    ],
)
def test_latest_words_ask_for_more_recency(question, latest):
    assert resolve(question, JAN5).latest is latest


def test_the_window_is_described_for_the_reader():
    assert resolve("Where did planes collide this week?", JAN5).describe() == (
        "Articles from 29 Dec 2023 to 5 Jan 2024"
    )
    assert resolve("Where did planes collide?", JAN5).describe() == "Articles up to 5 Jan 2024"
    assert resolve("What happened in 2022?", JAN5).describe() == (
        "Articles from 1 Jan 2022 to 31 Dec 2022 first, then later ones up to 5 Jan 2024"
    )


def test_the_search_drops_the_time_words_but_keeps_the_topic():
    timeframe = resolve("Two planes collided on a runway this week?", JAN5)
    assert without_phrase("Two planes collided on a runway this week. Where?", timeframe) == (
        "Two planes collided on a runway . Where?"
    )
