"""Names found in quoted news sentences and questions: the table a reader can check by hand."""

from __future__ import annotations

import pytest

from rag.text.names import capitalised_phrases, names


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("Keir Starmer became prime minister.", [("Keir Starmer", True)]),
        (
            "The Francis Scott Key Bridge in Baltimore collapsed.",
            [("Francis Scott Key Bridge", False), ("Baltimore", False)],
        ),
        ("Officials at the Bank of England said so.", [("Officials", True), ("Bank of England", False)]),
        # function words, question words and months are capitalised without being names
        ("What happened at Haneda airport in January?", [("Haneda", False)]),
        ("He said It was over. They left on Monday.", []),
        # a run stops at punctuation and at words that are not capitalised
        (
            "Japan Airlines, Boeing and Airbus",
            [("Japan Airlines", True), ("Boeing", False), ("Airbus", False)],
        ),
        # titles and possessives end a name
        ("“Police said the fire spread,” Mayor Karen Bass said.", [("Police", True), ("Karen Bass", False)]),
        ("Japan’s Prime Minister Fumio Kishida spoke.", [("Japan", True), ("Fumio Kishida", False)]),
    ],
)
def test_capitalised_phrases(text: str, phrases: list[tuple[str, bool]]) -> None:
    assert capitalised_phrases(text) == phrases


def test_names_count_a_sentence_opener_only_when_it_is_a_name_elsewhere_too() -> None:
    # "Police" and "Officials" open one sentence each; "Assad" is named twice
    quoted = [
        "Police said Assad had fled. Assad has ruled Syria since 2000.",
        "Officials in Syria said the talks would resume.",
    ]

    assert names(quoted) == ["Assad", "Syria"]


def test_names_are_in_order_of_first_mention() -> None:
    assert names(["Boeing and Airbus met Boeing.", "Airbus said Nasa agreed."]) == [
        "Boeing",
        "Airbus",
        "Nasa",
    ]
