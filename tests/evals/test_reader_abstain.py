"""Abstention learned over a whole question's candidates, judged on years it was not fitted on."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from evals.reader import candidates
from evals.reader.abstain import QUESTION_FEATURES, READER_FEATURES, aggregates, main, rotation
from tests.evals.test_reader_combine import made_up


def test_aggregates_describe_a_question_by_its_best_candidates() -> None:
    question = made_up(2020, 2, seed=1)[1]

    described = dict(zip(QUESTION_FEATURES, aggregates(question), strict=True))

    assert described["best_overlap"] == 0.9
    assert described["best_evidence"] >= described["top3_evidence"]
    assert described["evidence_gap"] >= 0


def test_rotation_learns_what_tells_an_unanswerable_question_on_the_other_years() -> None:
    questions = made_up(2020, 40, 1) + made_up(2021, 40, 2) + made_up(2022, 40, 3)

    result = rotation(questions)

    learned, hand = result["question-level, held-out years pooled"], result["hand-set, held-out years pooled"]
    assert learned.questions == hand.questions == 120 and learned.unanswerable == 24
    assert learned.abstention_precision == learned.abstention_recall == 1.0
    assert hand.abstention_recall < 1.0
    assert set(result) >= {f"question-level {year}" for year in (2020, 2021, 2022)}


def test_the_command_prints_both_ways_for_each_held_out_year(tmp_path) -> None:
    path = tmp_path / "candidates.jsonl"
    candidates.write(made_up(2020, 20, 1) + made_up(2021, 20, 2), path)

    result = CliRunner().invoke(main, ["--candidates", str(path)])

    assert result.exit_code == 0, result.output
    assert "question-level 2020: 20 questions, 4 unanswerable" in result.output
    assert "hand-set, held-out years pooled: 40 questions, 8 unanswerable" in result.output


def test_what_a_held_out_reader_says_joins_the_aggregates() -> None:
    questions = made_up(2020, 40, 1) + made_up(2021, 40, 2) + made_up(2022, 40, 3)
    said = {q.id: np.array([0.9 if s.label else 0.1 for s in q.sentences]) for q in questions}

    described = aggregates(questions[1], said[questions[1].id])
    result = rotation(questions, said)

    assert len(described) == len(QUESTION_FEATURES) + len(READER_FEATURES)
    assert described[-2] == pytest.approx(np.log(9))  # the best log-odds
    assert result["question-level, held-out years pooled"].abstention_recall == 1.0
