"""A follow-up stays on the story the last answer quoted, on a real store.

History is role/content text, as every door keeps it: the focus (articles,
events, names) is recovered from the quoted sentences of the last answer.
"""

from __future__ import annotations

import pytest

from rag.assistant import Assistant
from rag.query.focus import quoted_sentences, recover_focus
from rag.schema import Turn
from tests.two_stories import AS_OF, BRIDGE_QUESTION


def turns(question: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.fixture(scope="module")
def bridge_history(two_stories_assistant: Assistant) -> list[dict[str, str]]:
    answer = two_stories_assistant.ask(BRIDGE_QUESTION, as_of=AS_OF)
    assert "Meridian" in answer.text
    return turns(BRIDGE_QUESTION, answer.text)


def article_titled(assistant: Assistant, words: str) -> str:
    return next(record.id for record in assistant.articles() if words in record.title)


def test_asked_alone_how_many_died_finds_the_newer_crash(two_stories_assistant: Assistant) -> None:
    answer = two_stories_assistant.ask("How many people died?", as_of=AS_OF)

    assert "67" in answer.text
    assert answer.answered_from is None and answer.focus is None


def test_a_follow_up_is_answered_from_the_story_the_last_answer_quoted(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    answer = two_stories_assistant.ask("How many people died?", bridge_history, as_of=AS_OF)

    assert "Six construction workers" in answer.text and "67" not in answer.text
    assert answer.standalone_question == "How many people died in the Harlan Bay Bridge collapse?"
    assert answer.answered_from == "focus"
    assert answer.focus is not None
    assert answer.focus.article_ids == [article_titled(two_stories_assistant, "Harlan Bay")]
    assert "Harlan Bay Bridge" in answer.focus.names


def test_a_reference_becomes_a_name_and_stays_on_the_story(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    answer = two_stories_assistant.ask("What did the governor say about it?", bridge_history, as_of=AS_OF)

    assert answer.standalone_question == "What did the governor say about the Harlan Bay Bridge collapse?"
    assert "years to rebuild" in answer.text
    assert answer.answered_from == "focus"


def test_streaming_a_follow_up_gives_the_same_answer(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    *pieces, final = two_stories_assistant.stream("How many people died?", bridge_history, as_of=AS_OF)

    assert "".join(pieces) == final.text
    assert final.text == two_stories_assistant.ask("How many people died?", bridge_history, as_of=AS_OF).text
    assert final.answered_from == "focus"


def test_a_new_topic_starts_afresh(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    answer = two_stories_assistant.ask(
        "What did investigators recover from the Corran River?", bridge_history, as_of=AS_OF
    )

    assert "flight recorders" in answer.text
    assert answer.standalone_question == answer.question
    assert answer.answered_from is None


def test_what_the_focus_cannot_answer_is_searched_in_the_archive(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    answer = two_stories_assistant.ask("When was the jet cleared to land?", bridge_history, as_of=AS_OF)

    assert "cleared to land" in answer.text
    assert answer.answered_from in ("topic", "archive")


def test_the_focus_is_recovered_from_the_quoted_sentences(
    two_stories_assistant: Assistant, bridge_history: list[dict[str, str]]
) -> None:
    history = [Turn.model_validate(turn) for turn in bridge_history]

    focus = recover_focus(history, two_stories_assistant.retriever)

    assert focus is not None
    assert focus.article_ids == [article_titled(two_stories_assistant, "Harlan Bay")]
    assert focus.event_ids and focus.topic == BRIDGE_QUESTION


def test_an_answer_that_quotes_nothing_stored_gives_names_but_no_articles(
    two_stories_assistant: Assistant,
) -> None:
    history = [
        Turn.model_validate(turn)
        for turn in turns(BRIDGE_QUESTION, "Because of the storm on Harlan Bay. [1]")
    ]

    focus = recover_focus(history, two_stories_assistant.retriever)

    assert focus is not None and focus.article_ids == [] and "Harlan Bay" in focus.names


@pytest.mark.parametrize(
    ("text", "quotes"),
    [
        (
            "The bridge collapsed after a ship hit it. [1] Six workers died on the bridge. [2]",
            ["The bridge collapsed after a ship hit it.", "Six workers died on the bridge."],
        ),
        # openings of a latest answer or a timeline line are not part of the quote
        (
            "As of 5 Jul 2024: Keir Starmer formally became prime minister. [1]",
            ["Keir Starmer formally became prime minister."],
        ),
        (
            "26 Mar 2025: The Harlan Bay Bridge collapsed early on Tuesday. [1]\n"
            "27 Mar 2025: Divers recovered the bodies of the workers. [2]",
            [
                "The Harlan Bay Bridge collapsed early on Tuesday.",
                "Divers recovered the bodies of the workers.",
            ],
        ),
        ("The indexed articles do not answer this question. The nearest articles are listed below.", []),
    ],
)
def test_quoted_sentences(text: str, quotes: list[str]) -> None:
    assert quoted_sentences(text) == quotes


def test_a_follow_up_without_words_of_its_own_is_read_as_understood_inside_the_focus(
    two_stories_assistant: Assistant,
) -> None:
    question = "What did Governor Alma Reyes say?"
    first = two_stories_assistant.ask(question, as_of=AS_OF)

    answer = two_stories_assistant.ask("Who is she?", turns(question, first.text), as_of=AS_OF)

    assert answer.standalone_question == "Who is Alma Reyes?"
    assert answer.answered_from == "focus"
    assert "Governor Alma Reyes" in answer.text
