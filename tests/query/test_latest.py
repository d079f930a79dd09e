""" "Latest" over an archive behind the day asked: the newest coverage that answers, and how old it is.

The archive (`evals/datasets/latest-archive.jsonl`) tells seven stories: a
strike over days, a bridge over months, a dam over years, a border war, two
changes of office holder with more coverage of the previous holder, and a cup
final whose preview carries a headline that is itself a question. Its newest
article is from December 2024; most questions are asked on 1 Dec 2026, and
each story again as of days in between (`evals/datasets/latest.jsonl`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from click.testing import CliRunner

from evals.datasets import EvalCase, load_dataset
from evals.latest import expected
from evals.run import run_eval
from rag.assistant import Assistant
from rag.cli import cli
from rag.query.latest import age_note, elapsed, newest_first
from rag.schema import Answer, RetrievedChunk, Span, day_label
from rag.settings import Settings
from tests.paths import ROOT

ARCHIVE = ROOT / "evals" / "datasets" / "latest-archive.jsonl"
QUESTIONS = ROOT / "evals" / "datasets" / "latest.jsonl"
CASES = load_dataset(QUESTIONS)
LATE = date(2026, 12, 1)
# How the notes name the day asked: "today" when the tests run on it.
ASKED = "today" if date.today() == LATE else "the day asked (1 Dec 2026)"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    assistant = Assistant(Settings(home=tmp_path_factory.mktemp("latest") / "home"))
    assistant.ingest([ARCHIVE])
    return assistant


@pytest.fixture(scope="module")
def answers(archive: Assistant) -> dict[str, Answer]:
    return {case.id: archive.ask(case.question, as_of=case.as_of) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_latest_quotes_the_newest_article_that_answers_whatever_its_age(
    case: EvalCase, answers: dict[str, Answer]
) -> None:
    answer = answers[case.id]
    assert not answer.abstained
    assert answer.citations[0].article_id.endswith(f"#{expected(case)}"), answer.text
    assert any(gold.lower() in answer.text.lower() for gold in case.answers), answer.text


def test_the_first_sentence_says_which_day_it_is_current_as_of(answers: dict[str, Answer]) -> None:
    assert answers["bridge-late"].claims[0].text.startswith("As of 12 Feb 2024: ")
    assert answers["strike-mid"].claims[0].text.startswith("As of 12 Nov 2024: ")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_an_older_sentence_is_never_presented_as_current(case: EvalCase, answers: dict[str, Answer]) -> None:
    answer = answers[case.id]
    first = answer.citations[answer.claims[0].citations[0]].published
    for claim in answer.claims[1:]:
        cited = answer.citations[claim.citations[0]].published
        if cited and first and cited[:10] < first[:10]:
            assert claim.text.startswith(f"Earlier, on {day_label(cited)}: "), answer.text


def test_a_new_office_holder_beats_more_and_older_coverage_of_the_previous_one(
    answers: dict[str, Answer],
) -> None:
    coach = answers["coach-late"]
    assert "Maria Lopez" in coach.claims[0].text
    assert all("Hale" not in claim.text or claim.text.startswith("Earlier") for claim in coach.claims[1:])
    mayor = answers["mayor-late"]
    assert mayor.claims[0].text.startswith("As of 3 May 2024: Omar Keane was elected mayor")
    # Asked before the change, the holder then in office is the answer.
    assert "Tom Hale" in answers["coach-mid"].claims[0].text
    assert "Janet Ruiz" in answers["mayor-mid"].claims[0].text


def test_a_headline_that_is_itself_a_question_is_never_quoted(archive: Assistant) -> None:
    for question in ("Who won the Merrow Cup in 2024?", "Who won the latest Merrow Cup?"):
        answer = archive.ask(question, as_of=LATE)
        assert "?" not in answer.text, answer.text
        assert "Brennock won the Merrow Cup" in answer.text
        quoted = {citation.quote for citation in answer.citations}
        assert "Who won the Merrow Cup in 2024?" not in quoted


def test_an_old_article_that_alone_answers_still_answers(answers: dict[str, Answer]) -> None:
    assert answers["library-late"].citations[0].article_id.endswith("#library-sundays")
    assert answers["library-late"].notes == []  # not a question about the latest: no age to report


def test_a_latest_answer_says_how_old_its_newest_article_is(answers: dict[str, Answer]) -> None:
    assert answers["bridge-late"].notes == [
        f"The newest article on this is from 12 Feb 2024, 2 years before {ASKED}."
    ]
    assert answers["strike-late"].notes == [
        f"The newest article on this is from 19 Nov 2024, 2 years before {ASKED}."
    ]
    assert answers["dam-mid"].notes == [
        "The newest article on this is from 8 Jun 2022, 5 months before the day asked (1 Dec 2022)."
    ]
    # Four days is news, not an archive that is behind: nothing to say.
    assert answers["strike-days"].notes == []


def test_the_age_note_reads_the_same_through_every_door(archive: Assistant) -> None:
    question = "What is the latest on the Talvan border dispute?"
    note = f"The newest article on this is from 12 Sep 2024, 2 years before {ASKED}."
    assert archive.ask(question, as_of=LATE).notes == [note]
    streamed = list(archive.stream(question, as_of=LATE))
    assert isinstance(streamed[-1], Answer) and streamed[-1].notes == [note]
    printed = CliRunner().invoke(
        cli, ["--home", str(archive.settings.home), "ask", "--as-of", "2026-12-01", question]
    )
    assert printed.exit_code == 0, printed.output
    assert f"note: {note}" in printed.output
    case = EvalCase(id="talvan", question=question, answers=["peace agreement"], as_of=LATE)
    results, _ = run_eval(archive, [case], QUESTIONS)
    assert results[0]["notes"] == [note]
    age = elapsed(date(2024, 9, 12), date.today())
    assert archive.ask(question).notes == [
        f"The newest article on this is from 12 Sep 2024, {age} before today."
    ]


@pytest.mark.parametrize(
    ("earlier", "later", "said"),
    [
        (date(2025, 10, 16), date(2026, 12, 1), "13 months"),
        (date(2026, 11, 30), date(2026, 12, 1), "1 day"),
        (date(2026, 11, 18), date(2026, 12, 1), "13 days"),
        (date(2026, 11, 1), date(2026, 12, 1), "4 weeks"),
        (date(2026, 9, 30), date(2026, 12, 1), "2 months"),
        (date(2024, 12, 2), date(2026, 12, 1), "23 months"),
        (date(2024, 12, 1), date(2026, 12, 1), "2 years"),
    ],
)
def test_ages_are_said_as_a_person_says_them(earlier: date, later: date, said: str) -> None:
    assert elapsed(earlier, later) == said


def test_the_age_note_is_only_for_old_coverage() -> None:
    assert age_note(date(2026, 11, 20), date(2026, 12, 1), today=date(2026, 12, 1)) is None
    assert age_note(date(2025, 10, 16), date(2026, 12, 1), today=date(2026, 12, 1)) == (
        "The newest article on this is from 16 Oct 2025, 13 months before today."
    )


@dataclass(frozen=True)
class Sentence:
    """A scored candidate as an answerer hands it over (the fields `newest_first` reads)."""

    chunk: RetrievedChunk
    span: Span
    score: float
    evidence: float


def sentence(article: str, published: str | None, text: str, score: float, evidence: float = 0.5) -> Sentence:
    chunk = RetrievedChunk(
        chunk_id=f"{article}:0",
        article_id=article,
        title=article,
        text=text,
        score=1.0,
        start=0,
        end=len(text),
        published=published,
    )
    return Sentence(chunk, Span(text, 0, len(text)), score, evidence)


def test_an_older_sentence_that_adds_something_follows_marked_earlier() -> None:
    old = sentence(
        "closed", "2023-11-08", "The bridge closed after inspectors found cracks in its cables.", 1.2
    )
    new = sentence("toll", "2024-02-12", "Drivers will pay a toll of three pounds to cross the bridge.", 1.0)
    same_day = sentence(
        "toll-2", "2024-02-12", "The council voted for the higher toll on Tuesday night.", 0.95
    )
    repeat = sentence("toll-copy", "2023-12-01", "Drivers will pay a toll of three pounds to cross it.", 0.9)
    lines = newest_first(
        [old, repeat, same_day], [old, new, same_day, repeat], 0.32, "Latest on the bridge?", 3
    )
    assert [(line.item, line.opening) for line in lines] == [
        (new, "As of 12 Feb 2024: "),
        (same_day, ""),
        (old, "Earlier, on 8 Nov 2023: "),
    ]


def test_the_first_line_is_the_newest_article_close_enough_to_the_best() -> None:
    best = sentence("old", "2024-01-01", "The strike at the mill began over pay.", 2.0)
    close = sentence("new", "2024-03-01", "The strike at the mill ended with a deal.", 1.6)
    passing = sentence("paper", "2024-06-01", "The council also discussed the mill.", 1.0)
    weak = sentence("weak", "2024-07-01", "Nothing about it here at all.", 1.9, evidence=0.1)
    lines = newest_first([best], [best, weak, close, passing], 0.32, "Latest on the strike?", 3)
    assert lines[0] == (close, "As of 1 Mar 2024: ")
    assert lines[1] == (best, "Earlier, on 1 Jan 2024: ")


def test_who_is_the_new_holder_prefers_the_newest_sentence_naming_one() -> None:
    named = sentence("named", "2024-10-07", "The club appointed Maria Lopez as head coach.", 1.0)
    search = sentence("search", "2024-11-01", "The search for a head coach goes on at the club.", 1.1)
    lines = newest_first([search, named], [search, named], 0.32, "Who is the new coach of the club?", 3)
    assert lines[0] == (named, "As of 7 Oct 2024: ")
    assert lines[1] == (search, "Later, on 1 Nov 2024: ")


def test_undated_sentences_keep_their_order_when_nothing_is_dated() -> None:
    first = sentence("a", None, "The first undated sentence answers.", 1.0)
    second = sentence("b", None, "The second undated sentence answers too.", 0.9)
    assert newest_first([first, second], [first, second], 0.32, "Latest?", 3) == [(first, ""), (second, "")]
