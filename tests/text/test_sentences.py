"""Sentence spans are what citations point at: they must slice back exactly."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.text.sentences import is_question, quotable_sentences, split_sentences


def test_splits_at_stops_followed_by_a_capital():
    text = "Putin spoke on Wednesday. Turkey agreed! Did Iran? Yes."
    assert [span.text for span in split_sentences(text)] == [
        "Putin spoke on Wednesday.",
        "Turkey agreed!",
        "Did Iran?",
        "Yes.",
    ]


def test_keeps_abbreviations_initials_and_numbers_inside_a_sentence():
    text = "Mr. Lavrov met U.S. envoy J. Smith at 3.5 p.m. in Sochi. Talks ended."
    assert [span.text for span in split_sentences(text)] == [
        "Mr. Lavrov met U.S. envoy J. Smith at 3.5 p.m. in Sochi.",
        "Talks ended.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = "He said “Kazakhstan is not negotiating.” The ministry agreed."
    assert [span.text for span in split_sentences(text)] == [
        "He said “Kazakhstan is not negotiating.”",
        "The ministry agreed.",
    ]


def test_a_line_break_always_ends_a_sentence():
    assert [span.text for span in split_sentences("Headline without stop\nBody starts here.")] == [
        "Headline without stop",
        "Body starts here.",
    ]


def test_offset_shifts_spans_into_article_coordinates():
    article = "Intro line.\nPutin left. Erdogan stayed."
    chunk_start = article.index("Putin")
    spans = split_sentences(article[chunk_start:], offset=chunk_start)
    assert [article[span.start : span.end] for span in spans] == ["Putin left.", "Erdogan stayed."]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_every_span_is_the_exact_text_it_claims(text):
    spans = split_sentences(text)
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip() and span.text
    starts = [span.start for span in spans]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Who won the Merrow Cup in 2024?", True),
        ("When does the final start?  ", True),
        ('"Why would we stop now?"', True),
        ("(Is the bridge open?)", True),
        ("The 2020 documentary \u201cWho Killed Malcolm X?\u201d drew attention to the case.", False),
        ("Brennock won the Merrow Cup.", False),
    ],
)
def test_a_sentence_that_asks_is_a_question(sentence: str, question: bool) -> None:
    assert is_question(sentence) is question


def test_questions_are_not_quotable_but_stay_sentences() -> None:
    text = "Who won the Merrow Cup in 2024?\nBrennock won the Merrow Cup on Sunday after extra time."
    assert split_sentences(text)[0].text == "Who won the Merrow Cup in 2024?"
    assert [span.text for span in quotable_sentences(text)] == [
        "Brennock won the Merrow Cup on Sunday after extra time."
    ]
