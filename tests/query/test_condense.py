"""Follow-ups read against the conversation: the table a reader can check by hand.

Each case is the last question and answer, the follow-up, and what it is
understood as; `follow_up` says whether it leans on the conversation's focus
(and so is answered from the focus first).
"""

from __future__ import annotations

import pytest

from rag.query.condense import condense, read, text_focus
from rag.schema import Focus, Turn

BRIDGE_ANSWER = (
    "The Francis Scott Key Bridge in Baltimore collapsed after the container ship Dali lost power "
    "and struck one of its supports. [1]"
)
STARMER_ANSWER = "Keir Starmer is the leader of the Labour Party. [1]"
HANEDA_ANSWER = (
    "A Japan Airlines plane collided with a coast guard aircraft on the runway at Haneda airport in "
    "Tokyo. [1]"
)
NEVADA_ANSWER = "Vermont Sen. Bernie Sanders won the Nevada caucuses with a wide margin. [1]"


def history(question: str, answer: str) -> list[Turn]:
    return [Turn(role="user", content=question), Turn(role="assistant", content=answer)]


BRIDGE = history("Why did the Baltimore bridge collapse?", BRIDGE_ANSWER)
STARMER = history("Who is Keir Starmer?", STARMER_ANSWER)
HANEDA = history("What happened at Haneda airport in January 2024?", HANEDA_ANSWER)
NEVADA = history("Who won the Nevada Democratic caucuses?", NEVADA_ANSWER)
TWITCH = history(
    "Which streaming platform suspended the Trump campaign's account?",
    "Twitch, an Amazon-owned streaming platform, said the Trump campaign channel violated its policies. [1] "
    "Among the content Twitch said violated its policies was a rebroadcast rally video. [2]",
)
TRAVEL_BAN = history(
    "Which four countries did the Trump administration add to its travel ban?",
    "Immigrants from Myanmar, Eritrea, Kyrgyzstan and Nigeria will be barred from settling in the US. [1]",
)


@pytest.mark.parametrize(
    ("turns", "question", "standalone", "follow_up"),
    [
        # no topic of its own: the last question's topic is appended
        (BRIDGE, "How many people died?", "How many people died in the Baltimore bridge collapse?", True),
        (HANEDA, "How many people died?", "How many people died at Haneda airport in January 2024?", True),
        (NEVADA, "Who came second?", "Who came second in the Nevada Democratic caucuses?", True),
        (NEVADA, "And who came third?", "Who came third in the Nevada Democratic caucuses?", True),
        # references become names
        (STARMER, "When did he become prime minister?", "When did Keir Starmer become prime minister?", True),
        (STARMER, "What is his party?", "What is Keir Starmer's party?", True),
        (
            BRIDGE,
            "Who owned the ship that hit it?",
            "Who owned the ship that hit the Francis Scott Key Bridge?",
            True,
        ),
        (NEVADA, "Who did he beat?", "Who did Bernie Sanders beat?", True),
        # after a question that asked for a name, "it" is that name, which the text does not say for sure
        (
            TWITCH,
            "Which company owns it?",
            "Which company owns it? (after: Which streaming platform suspended the Trump campaign's account)",
            True,
        ),
        # a topic that is a clause is carried as the question it came from
        (
            TRAVEL_BAN,
            "Who else is affected by it?",
            "Who else is affected by it? (after: Which four countries did the Trump administration add to "
            "its travel ban)",
            True,
        ),
        # it names what the last answer quoted: it continues the story as it is
        (HANEDA, "How many people were on the Japan Airlines plane?", None, True),
        # it names nothing: worded as asked, read in the focus first
        (BRIDGE, "Which agency is investigating the collision with the support?", None, True),
        # a new topic: nothing carried, no focus
        (BRIDGE, "Who won the Super Bowl in February?", None, False),
        (STARMER, "What did the Federal Reserve decide about interest rates?", None, False),
        # "there is" is not a place
        (BRIDGE, "Is there a plan to rebuild the Key Bridge?", None, True),
    ],
)
def test_a_follow_up_becomes_a_standalone_question(
    turns: list[Turn], question: str, standalone: str | None, follow_up: bool
) -> None:
    reading = read(question, turns)

    assert reading.standalone == (standalone or question)
    assert reading.follow_up is follow_up


@pytest.mark.parametrize(
    "question",
    ["Why did the Baltimore bridge collapse?", "How many people died?", "When did he become prime minister?"],
)
def test_without_history_a_question_is_left_as_asked(question: str) -> None:
    assert condense(question, []) == question
    assert read(question, []).follow_up is False


def test_the_focus_of_text_history_is_the_last_question_as_understood_and_its_names() -> None:
    turns = [*STARMER, *history("When did he become prime minister?", "On 5 July 2024. [1]")]

    focus = text_focus(turns)

    assert focus.topic == "When did Keir Starmer become prime minister?"
    assert focus.names[0] == "Keir Starmer"


def test_a_focus_given_by_the_pipeline_is_what_the_question_is_read_against() -> None:
    focus = Focus(
        names=["Vicky White", "Casey White"], topic="Where were Vicky White and Casey White captured?"
    )

    assert condense("How old is she?", STARMER, focus) == "How old is Vicky White?"
