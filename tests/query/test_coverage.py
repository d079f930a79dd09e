"""Coverage on every answer: which outlets reported the cited event, a wire copy once, another event never."""

from __future__ import annotations

from datetime import date

from rag.query.coverage import coverage_lines
from tests.events_fixture import AS_OF, COPY_OUTLET, COVERAGE_LINE, EVENT_OUTLETS, OLDER_OUTLET, QUESTION


def test_the_answer_says_which_outlets_reported_its_event_oldest_first(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=AS_OF)
    assert not answer.abstained
    [coverage] = [item for item in answer.coverage if len(item.outlets) > 1]
    assert [report.outlet for report in coverage.outlets] == EVENT_OUTLETS
    assert coverage.copies_by == [COPY_OUTLET]
    assert coverage.line == COVERAGE_LINE
    assert OLDER_OUTLET not in {article.outlet for article in coverage.articles}
    assert len(coverage.articles) == 4
    assert "coverage" in answer.model_dump(mode="json")


def test_an_event_covered_by_one_outlet_says_so(event_assistant):
    answer = event_assistant.ask("Which Valmora road closed in the floods?", as_of=date(2025, 6, 10))
    assert coverage_lines(answer.coverage) == [f"Reported by 1 outlet: {OLDER_OUTLET} (2 Jun 2025)."]


def test_articles_published_after_the_as_of_day_are_not_counted(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=date(2025, 10, 16))
    assert not answer.abstained
    assert [line for line in coverage_lines(answer.coverage) if "Daily Post" in line] == [
        "Reported by 1 outlet: Daily Post (16 Oct 2025)."
    ]
