"""Comparing outlets: a quote per outlet, what they share, the figures they give differently."""

from __future__ import annotations

import pytest

from rag.query.compare import asks_for_comparison, figures, topic_of
from tests.events_fixture import AS_OF, COMPARE_QUESTION, EVENT_OUTLETS, OLDER_OUTLET


@pytest.mark.parametrize(
    "question",
    [
        "How did outlets report the Valmora floods?",
        "How did the media cover the Abe shooting?",
        "Do the sources disagree on the death toll?",
        "compare coverage of the Twitter deal",
        "Compare the reporting on Hurricane Ian",
    ],
)
def test_compare_questions_are_recognised(question):
    assert asks_for_comparison(question)


@pytest.mark.parametrize(
    "question",
    ["How did the floods unfold?", "Who reported the fire first?", "What did CNN report about Ian?"],
)
def test_other_questions_are_not(question):
    assert not asks_for_comparison(question)


def test_the_topic_is_the_question_without_the_compare_words():
    assert topic_of("How did outlets report the Valmora floods?") == "the Valmora floods"
    assert topic_of("Do the sources disagree on the death toll?") == "the death toll"


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("By Thursday 12 dead were counted.", [("12 dead", 12, "dead")]),
        ("The toll rose, with at least 14 dead.", [("at least 14 dead", 14, "dead")]),
        ("Officials said 12 people were killed.", [("12 people were killed", 12, "dead")]),
        ("Some 300 homes were flooded.", [("Some 300 homes", 300, "house")]),
        ("The deal is worth $44 billion.", [("$44 billion", 44e9, "$billion")]),
        ("Prices rose 7.5% in 2021, on Oct 16.", [("7.5%", 7.5, "percent")]),
        ("It happened in 1984 and again on 16 October.", []),
    ],
)
def test_figures_are_numbers_attached_to_a_noun_or_unit(sentence, found):
    assert [(f.text, f.value, f.unit) for f in figures(sentence)] == found


@pytest.fixture(scope="module")
def comparison(event_assistant):
    return event_assistant.ask(COMPARE_QUESTION, as_of=AS_OF)


def test_a_compare_question_gets_one_quoted_line_per_outlet_of_the_event(comparison):
    assert comparison.comparison and not comparison.abstained
    lines = [claim.text for claim in comparison.claims]
    for outlet in EVENT_OUTLETS:
        assert any(line.startswith(f"{outlet}, ") for line in lines), outlet
    assert not any(OLDER_OUTLET in line for line in lines)
    assert OLDER_OUTLET not in {source.source for source in comparison.sources}


def test_the_conflicting_figure_sits_side_by_side(comparison):
    [differ] = [claim.text for claim in comparison.claims if claim.text.startswith("Differ:")]
    assert "Daily Post: 12 dead [" in differ
    assert "Evening Star: at least 14 dead [" in differ


def test_what_they_share_is_said_by_several_outlets(comparison):
    [shared] = [claim for claim in comparison.claims if claim.text.startswith("Shared by ")]
    cited = {comparison.citations[index].source for index in shared.citations}
    assert len(cited) >= 2


def test_every_line_is_a_verbatim_quote_at_its_recorded_span(comparison):
    chunks = {chunk.chunk_id: chunk for chunk in comparison.retrieved}
    for citation in comparison.citations:
        chunk = chunks[citation.chunk_id]
        assert chunk.text[citation.start - chunk.start : citation.end - chunk.start] == citation.quote
    for claim in comparison.claims:
        for index in claim.citations:
            assert f"[{comparison.citations[index].number}]" in claim.text
    quoted = [claim for claim in comparison.claims if '"' in claim.text]
    for claim in quoted:
        quote = claim.text.split('"', 1)[1].rsplit('"', 1)[0]
        assert quote == comparison.citations[claim.citations[0]].quote


def test_the_comparison_carries_the_coverage_of_its_event(comparison):
    assert any(len(item.outlets) == 3 for item in comparison.coverage)


def test_a_comparison_as_of_a_day_hears_no_outlet_that_reported_later(event_assistant):
    from datetime import date

    answer = event_assistant.ask(COMPARE_QUESTION, as_of=date(2025, 10, 17))
    assert not answer.abstained
    assert {source.source for source in answer.sources} <= {"Daily Post", "Evening Star", "Coast Times"}
    assert all((citation.published or "") <= "2025-10-17" for citation in answer.citations)
