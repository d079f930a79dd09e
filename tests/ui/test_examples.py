"""The chat's example questions: what a person would ask about the corpus's newest stories."""

from __future__ import annotations

import pytest

from rag.assistant import Assistant
from rag.components.vector_store import ArticleRecord
from ui.examples import corpus_examples, short_title


def record(title: str, published: str | None) -> ArticleRecord:
    return ArticleRecord(
        id=title, title=title, content_hash="h", chunks=1, path="", source=None, url=None, published=published
    )


@pytest.mark.parametrize(
    ("title", "short"),
    [
        (
            "Syria talks yield minimal results for Russia as Putin attempts to take control of peace process",
            "Syria talks yield minimal results for Russia",
        ),
        ("Flight cancellations: Why Southwest Airlines is melting down | CNN ...", "Flight cancellations"),
        (
            "Supreme Court says Trump-era border restriction will remain in ...",
            "Supreme Court says Trump-era border restriction will remain",
        ),
        (
            "Nearly 1.6 million asylum applications are pending in US immigration courts and at US…",
            "Nearly 1.6 million asylum applications are pending",
        ),
        (
            "China said will drop Covid-19 quarantine requirements for travelers beginning on…",
            "China said will drop Covid-19 quarantine requirements",
        ),
        ("'Immaculate Reception:' In interview hours before his death, Franco ...", "Immaculate Reception"),
        ("Brexit", "Brexit"),
    ],
)
def test_a_headline_is_cut_at_its_first_clause_break_to_a_few_words(title: str, short: str) -> None:
    assert short_title(title) == short


def test_the_newest_distinct_stories_come_first_and_undated_ones_last() -> None:
    articles = [
        record("Undated feature on harbor life", None),
        record("Kessler harbor bridge closed for repairs", "2024-01-10"),
        record("Southwest Airlines cancels thousands of flights", "2022-12-27"),
        record("Kessler harbor bridge reopens after repairs", "2024-06-12"),
        record("Southwest's meltdown: what went wrong", "2022-12-28"),
    ]

    assert corpus_examples(articles) == [
        "What is the latest on the Kessler harbor bridge?",
        "What is the latest on Southwest's meltdown?",
        "What is the latest on the Undated feature on harbor life?",
    ]
    assert corpus_examples(articles, limit=1) == ["What is the latest on the Kessler harbor bridge?"]
    assert corpus_examples([]) == []


@pytest.mark.parametrize(
    ("title", "question"),
    [
        ("Taylor and Travis tied the knot at Ma...", "What is the latest on Taylor and Travis?"),
        (
            "Syria talks yield minimal results for Russia as Putin attempts",
            "What is the latest on the Syria talks?",
        ),
        ("Key Bridge collapse: what we know", "What is the latest on the Key Bridge collapse?"),
        (
            "A deadly winter storm buried Buffalo, New York, in up to 51.9 inches of snow…",
            "What is the latest on a deadly winter storm?",
        ),
        (
            "Biden and Harris celebrate Kwanzaa in social media posts | CNN ...",
            "What is the latest on Biden and Harris?",
        ),
        (
            "Elon Musk's Twitter obsession isn't the core reason for Tesla stock's ...",
            "What is the latest on Elon Musk's Twitter obsession?",
        ),
        (
            "Flight cancellations: Why Southwest Airlines is melting down | CNN ...",
            "What is the latest on the flight cancellations?",
        ),
        ("The Fed raises rates again", "What is the latest on the Fed?"),
    ],
)
def test_a_headline_becomes_a_question_about_its_subject_never_quoted_or_cut_mid_word(
    title: str, question: str
) -> None:
    others = [record("Airline delays and flight cancellations grow", "2020-01-01")]
    [asked] = corpus_examples([record(title, "2025-07-01"), *others], limit=1)
    assert asked == question
    assert '"' not in asked and "..." not in asked and "…" not in asked


def test_a_headline_that_names_nothing_to_ask_about_is_not_offered() -> None:
    titles = [
        "There are 77 Christmas trees placed throughout the White House",
        "Millions of families participate in the Elf on the Shelf tradition.",
        "5 things to know for December 22: Winter weather, Ukraine, Jan. 6 ...",
    ]
    assert corpus_examples([record(title, "2022-12-22") for title in titles]) == []


def test_the_seed_corpus_example_is_answered_from_the_seed_article(seed_assistant: Assistant) -> None:
    [question] = corpus_examples(seed_assistant.articles())
    answer = seed_assistant.ask(question)

    assert question == "What is the latest on the Syria talks?"
    assert not answer.abstained
    assert answer.sources[0].title.startswith("Syria talks yield minimal results for Russia")
