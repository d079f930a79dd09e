"""A timeline keeps to the asked story (its event and what continues it), the rest behind "more"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest

from rag.assistant import Assistant
from rag.query.timeline import story_days
from rag.schema import RetrievedChunk, Span


@dataclass(frozen=True)
class Line:
    chunk: RetrievedChunk
    span: Span
    score: float


def line(event: str, title: str, sentence: str, score: float) -> Line:
    chunk = RetrievedChunk(
        chunk_id=title, article_id=title, title=title, text=sentence, score=score, start=0, end=len(sentence)
    )
    return Line(chunk.model_copy(update={"event_id": event}), Span(sentence, 0, len(sentence)), score)


DAYS = {
    "2024-01-10": line("talks", "Lorvan ceasefire talks open in Geneva", "Envoys met in Geneva.", 0.9),
    "2024-01-12": line("talks", "Envoys press on", "Both sides sent delegations to the talks.", 0.5),
    "2024-01-20": line("strike", "Lorvan shelling kills six", "Shelling hit the Lorvan market.", 0.7),
    "2024-03-02": line("truce", "Lorvan ceasefire takes effect", "The guns fell silent at noon.", 0.8),
    "2024-03-04": line("calm", "Calm returns to Lorvan", "Shops reopened in Lorvan.", 0.4),
    "2024-05-09": line("war", "Lorvan war enters its third year", "Fighting in Lorvan went on.", 0.6),
}


def test_the_story_is_the_best_lines_event_the_days_that_carry_its_words_and_their_next_days() -> None:
    shown, more = story_days(DAYS, "How did the Lorvan ceasefire unfold?", lines=8)
    assert shown == ["2024-01-10", "2024-01-12", "2024-03-02", "2024-03-04"]
    assert more == []


def test_past_the_line_budget_the_weaker_days_of_the_story_go_behind_more() -> None:
    shown, more = story_days(DAYS, "How did the Lorvan ceasefire unfold?", lines=2)
    assert shown == ["2024-01-10", "2024-03-02"]
    assert more == ["2024-01-12", "2024-03-04"]


def test_a_question_whose_words_the_best_line_lacks_keeps_every_day() -> None:
    shown, _ = story_days(DAYS, "What happened?", lines=8)
    assert shown == sorted(DAYS)


STORY = [
    ("2024-01-15", "Harrow Bridge closes for repairs", "The Harrow Bridge closed to all traffic on Monday."),
    (
        "2024-03-04",
        "Harrow Bridge repairs reach the cables",
        "Crews began replacing the Harrow Bridge cables.",
    ),
    (
        "2024-06-08",
        "Harrow Bridge reopens after repairs",
        "The Harrow Bridge reopened to traffic on Saturday.",
    ),
]


@pytest.fixture(scope="module")
def harrow(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from rag.settings import Settings

    folder = tmp_path_factory.mktemp("harrow")
    corpus = folder / "harrow.jsonl"
    rows = [
        {"id": f"a{n}", "title": title, "body": body, "source": "Calder Gazette", "published_at": day}
        for n, (day, title, body) in enumerate(STORY)
    ]
    corpus.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    assistant = Assistant(Settings(home=folder / "home", timeline_lines=2))
    assistant.ingest([corpus])
    return assistant


def test_a_long_story_shows_its_strongest_lines_and_keeps_the_rest_for_more(harrow: Assistant) -> None:
    from ui.render import answer_markdown, render_answer

    answer = harrow.ask("How did the Harrow Bridge story unfold?", as_of=date(2024, 7, 1))
    assert answer.timeline and len(answer.claims) == 2
    assert len(answer.more) == 1
    days = [claim.text.split(":")[0] for claim in [*answer.claims, *answer.more]]
    assert sorted(days, key=lambda day: date.fromisoformat(_iso(day))) == [
        "15 Jan 2024",
        "4 Mar 2024",
        "8 Jun 2024",
    ]
    assert "<details><summary>1 more line</summary>" in answer_markdown(answer)
    assert "\nMore:\n" in render_answer(answer)


def _iso(label: str) -> str:
    from datetime import datetime

    return datetime.strptime(label, "%d %b %Y").date().isoformat()


def test_the_extra_lines_cite_sources_of_their_own(harrow: Assistant) -> None:
    answer = harrow.ask("How did the Harrow Bridge story unfold?", as_of=date(2024, 7, 1))
    numbers = {answer.citations[index].number for claim in answer.more for index in claim.citations}
    assert numbers and numbers <= {source.number for source in answer.sources}
