"""Coverage on every answer: which outlets reported the cited event, a wire copy once, another event never."""

from __future__ import annotations

from datetime import date

from rag.query.coverage import coverage_line
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


def test_the_answer_names_the_other_outlets_once_with_short_dates(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=AS_OF)
    line = coverage_line(answer)
    quoted = {source.source for source in answer.sources}
    others = [outlet for outlet in [*EVENT_OUTLETS, COPY_OUTLET] if outlet not in quoted]
    assert line is not None and line.startswith("Also reported by ")
    assert [outlet for outlet in [*EVENT_OUTLETS, COPY_OUTLET] if outlet in line] == others
    assert "2025" not in line and OLDER_OUTLET not in line


def test_an_event_covered_by_one_outlet_has_no_coverage_line(event_assistant):
    answer = event_assistant.ask("Which Valmora road closed in the floods?", as_of=date(2025, 6, 10))
    assert not answer.abstained
    assert [item.outlets[0].outlet for item in answer.coverage] == [OLDER_OUTLET]
    assert coverage_line(answer) is None


def test_articles_published_after_the_as_of_day_are_not_counted(event_assistant):
    answer = event_assistant.ask(QUESTION, as_of=date(2025, 10, 16))
    assert not answer.abstained
    assert "Daily Post" in {source.source for source in answer.sources}
    assert coverage_line(answer) is None, "on 16 Oct only the Daily Post had reported it"
