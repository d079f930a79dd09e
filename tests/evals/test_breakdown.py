"""Failure kinds and per-group metrics, on results shaped as `rag eval` writes them."""

from __future__ import annotations

from typing import Any

import pytest

from evals import breakdown
from evals.compare import format_comparison
from evals.groups import NO_BRIEF, UNKNOWN, case_groups, outlets
from rag.components.vector_store.chroma import ArticleRecord


def result(
    qid: str,
    *,
    correct: bool,
    unanswerable: bool = False,
    abstained: bool = False,
    hit: float | None = 1.0,
    groups: dict[str, str] | None = None,
) -> dict[str, Any]:
    metrics: dict[str, float | None] = {}
    if not unanswerable:
        metrics = {"hit_rate@5": hit, "contains_answer": float(correct), "citation_precision": None}
    return {
        "id": qid,
        "question": f"question {qid}?",
        "unanswerable": unanswerable,
        "gold_answers": [] if unanswerable else [f"gold {qid}"],
        "answer": "The sources do not answer this." if abstained else f"answer {qid} [1]",
        "abstained": abstained,
        "correct": correct,
        "retrieved": [
            {"article_id": "a#1", "title": "Gas prices dip", "published": "2022-06-19", "text": "x"},
            {"article_id": "a#1", "title": "Gas prices dip", "published": "2022-06-19", "text": "y"},
            {"article_id": "b#2", "title": None, "published": None, "text": "z"},
        ],
        "metrics": metrics,
        "groups": groups or {},
    }


RESULTS = [
    result("right", correct=True),
    result("missed", correct=False, hit=0.0),
    result("missed-abstained", correct=False, hit=0.0, abstained=True),
    result("wrong", correct=False, hit=1.0),
    result("shy", correct=False, hit=1.0, abstained=True),
    result("no-evidence-listed", correct=False, hit=None),
    result("rightly-abstained", correct=True, unanswerable=True, abstained=True),
    result("answered", correct=False, unanswerable=True),
]


@pytest.mark.parametrize(
    ("qid", "kind"),
    [
        ("right", None),
        ("missed", "not_retrieved"),
        ("missed-abstained", "not_retrieved"),
        ("wrong", "answered_wrong"),
        ("shy", "wrongly_abstained"),
        ("no-evidence-listed", "answered_wrong"),
        ("rightly-abstained", None),
        ("answered", "answered_unanswerable"),
    ],
)
def test_each_wrong_result_has_exactly_one_kind(qid: str, kind: str | None) -> None:
    [found] = [r for r in RESULTS if r["id"] == qid]

    assert breakdown.category(found) == kind


def test_counts_add_up_to_the_wrong_answers() -> None:
    counts = breakdown.counts(RESULTS)

    assert counts == {
        "not_retrieved": 2,
        "answered_wrong": 2,
        "wrongly_abstained": 1,
        "answered_unanswerable": 1,
        "not_retrieved_abstained": 1,
    }
    assert sum(counts[name] for name in breakdown.CATEGORIES) == sum(not r["correct"] for r in RESULTS)


def test_an_example_shows_question_gold_answer_and_distinct_top_articles_with_dates() -> None:
    shy = breakdown.example(RESULTS[4])
    answered = breakdown.example(RESULTS[-1])

    assert shy["gold"] == "gold shy" and shy["answer"] == "(abstained)"
    assert shy["top"] == ["Gas prices dip (2022-06-19)", "b#2 (undated)"]
    assert answered["gold"] == "(unanswerable)" and answered["answer"] == "answer answered [1]"


def test_the_terminal_breakdown_lists_every_kind_with_examples() -> None:
    text = breakdown.format_breakdown(RESULTS, examples=1)

    assert text.splitlines()[0] == "failures (6 of 8 questions)"
    assert "  not retrieved (evidence not in the top 5): 2, 1 of them abstained" in text
    assert "  retrieved but abstained: 1" in text
    assert "    - question shy?" in text
    assert "      top: Gas prices dip (2022-06-19); b#2 (undated)" in text
    assert "by quiz" not in text


def test_group_metrics_split_the_figures_by_each_group() -> None:
    results = [
        result("c1", correct=True, groups={"quiz": "CNN", "year": "2020"}),
        result("c2", correct=False, hit=0.0, groups={"quiz": "CNN", "year": "2021"}),
        result("w1", correct=False, hit=1.0, groups={"quiz": "THE WEEK", "year": "2021"}),
        result(
            "u1", correct=True, unanswerable=True, abstained=True, groups={"quiz": NO_BRIEF, "year": "2021"}
        ),
    ]

    tables = breakdown.group_metrics(results)

    assert set(tables) == {"quiz", "year"}
    assert tables["quiz"]["CNN"]["questions"] == 2
    assert tables["quiz"]["CNN"]["accuracy"] == 0.5
    assert tables["quiz"]["CNN"]["hit_rate@5"] == 0.5
    assert tables["quiz"]["CNN"]["abstention_recall"] is None
    assert tables["quiz"][NO_BRIEF]["abstention_recall"] == 1.0
    assert tables["quiz"][NO_BRIEF]["contains_answer"] is None
    assert tables["year"]["2021"]["questions"] == 3
    assert tables["year"]["2021"]["accuracy"] == pytest.approx(1 / 3)
    table = breakdown.format_breakdown(results)
    assert "by year" in table and any(line.startswith("THE WEEK") for line in table.splitlines())


def test_quiz_outlet_comes_from_the_brief_with_the_same_date_and_position() -> None:
    def record(article_id: str, source: str | None) -> ArticleRecord:
        return ArticleRecord(article_id, "t", "h", 1, "p", source, None, None)

    sources = outlets(
        [
            record("data/corpus.jsonl#brief-20200103_0", "CNN"),
            record("data/corpus.jsonl#brief-20210312_4", "THE WEEK"),
            record("data/corpus.jsonl#web-1509", "cnn.com"),
            record("corpus/seed.txt", None),
        ]
    )

    assert sources == {"20200103_0": "CNN", "20210312_4": "THE WEEK"}
    assert case_groups("rtqa-20210312_4", False, sources) == {"quiz": "THE WEEK", "year": "2021"}
    assert case_groups("rtqa-20220101_9", True, sources) == {"quiz": NO_BRIEF, "year": "2022"}
    assert case_groups("rtqa-20220101_9", False, sources) == {"quiz": UNKNOWN, "year": "2022"}
    assert case_groups("astana-why", False, sources) == {}


def test_a_comparison_shows_failure_and_group_deltas() -> None:
    comparison = {
        "a": "A",
        "b": "B",
        "metrics": [],
        "broke": [],
        "fixed": [],
        "same_corpus": True,
        "failures": [{"kind": label, "a": 5, "b": 3} for label in breakdown.CATEGORIES.values()],
        "groups": [{"group": "quiz=CNN", "metric": "accuracy", "a": 0.5, "b": 0.75}],
    }

    lines = format_comparison(comparison).splitlines()

    assert next(line for line in lines if line.startswith("retrieved but abstained")).split()[-3:] == [
        "5",
        "3",
        "-2",
    ]
    assert next(line for line in lines if line.startswith("quiz=CNN")).split() == [
        "quiz=CNN",
        "accuracy",
        "0.500",
        "0.750",
        "+0.250",
    ]
