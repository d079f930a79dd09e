"""The learned combination of candidate features, judged on years it was not fitted on."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from evals.reader import candidates
from evals.reader.candidates import Question, Sentence
from evals.reader.combine import DERIVED, FEATURES, READER, columns, fit, main, near_ties, rotation


def made_up(year: int, count: int, seed: int) -> list[Question]:
    """Questions whose answering sentence is told by its word overlap, while its dense
    similarity is noise that outweighs overlap in the hand-set sum; every fifth question
    has no answer and only low-overlap candidates."""
    rng = random.Random(seed)
    questions = []
    for number in range(count):
        unanswerable = number % 5 == 0
        sentences = [
            Sentence(
                f"s{i}",
                f"s{i}",
                chunk_score=rng.random(),
                time=0.0,
                label=int(i == 0 and not unanswerable),
                dense=rng.random(),
                overlap=0.9 if i == 0 and not unanswerable else rng.random() * 0.4,
            )
            for i in range(6)
        ]
        questions.append(Question(f"{year}-{number}", year, "q?", unanswerable, sentences))
    return questions


def test_fit_learns_which_feature_tells_the_answer() -> None:
    questions = made_up(2020, 60, seed=1)
    rows = np.vstack([columns(q, FEATURES) for q in questions])
    labels = np.concatenate([[s.label for s in q.sentences] for q in questions]).astype(float)

    model = fit(FEATURES, rows, labels)

    weight = dict(zip(FEATURES, model.weights, strict=True))
    assert weight["overlap"] > 3 and abs(weight["dense"]) < weight["overlap"] / 3
    assert model.probabilities(rows)[labels == 1].min() > model.probabilities(rows)[labels == 0].max()


def test_rotation_judges_each_year_on_weights_fitted_on_the_others() -> None:
    questions = made_up(2020, 40, 1) + made_up(2021, 40, 2) + made_up(2022, 40, 3)

    result = rotation(questions, FEATURES)

    assert set(result) == {
        f"{way} {year}" for way in ("learned", "hand-set") for year in (2020, 2021, 2022)
    } | {
        "learned, held-out years pooled",
        "hand-set, held-out years pooled",
    }
    learned, hand = result["learned, held-out years pooled"], result["hand-set, held-out years pooled"]
    assert learned.questions == 120 and learned.unanswerable == 24
    assert learned.top1 == 1.0 and hand.top1 < 0.8
    assert learned.abstention_precision == learned.abstention_recall == 1.0


def test_the_command_prints_the_figures_of_a_candidates_file(tmp_path) -> None:
    path = tmp_path / "candidates.jsonl"
    candidates.write(made_up(2020, 20, 1) + made_up(2021, 20, 2), path)

    result = CliRunner().invoke(main, ["--candidates", str(path)])

    assert result.exit_code == 0, result.output
    assert "learned 2021: 20 questions, 4 unanswerable" in result.output
    assert "hand-set, held-out years pooled: 40 questions, 8 unanswerable" in result.output


def test_a_cue_read_from_the_text_joins_the_learned_features(tmp_path) -> None:
    path = tmp_path / "candidates.jsonl"
    candidates.write(made_up(2020, 20, 1) + made_up(2021, 20, 2), path)

    result = CliRunner().invoke(main, ["--candidates", str(path), "--with", "novelty", "--with", "new_names"])
    unknown = CliRunner().invoke(main, ["--candidates", str(path), "--with", "colour"])

    assert result.exit_code == 0, result.output
    assert "learned, held-out years pooled: 40 questions, 8 unanswerable" in result.output
    assert unknown.exit_code == 2 and "'colour' is not one of" in unknown.output


def test_novelty_and_new_names_count_what_a_candidate_adds_to_the_question() -> None:
    restating = Sentence("Kylie Jenner and Travis Scott welcome their second child", "", 0.0, 0.0, 0)
    answering = Sentence("Jenner founded Kylie Cosmetics, which Coty bought in 2019.", "", 0.0, 0.0, 1)
    question = Question(
        "q",
        2022,
        "Kylie Jenner gave birth to her second child with Travis Scott! Which company did she found?",
        False,
        [replace(s, passage=s.sentence) for s in (restating, answering)],
    )

    assert list(DERIVED["new_names"](question)) == [0.0, pytest.approx(2 / 3)]
    assert DERIVED["novelty"](question)[0] < DERIVED["novelty"](question)[1]
    assert list(DERIVED["asked_overlap"](question)) == [0.0, 0.5]  # "found" of {company, found}


def test_a_held_out_reader_joins_the_rotation_as_a_feature() -> None:
    questions = made_up(2020, 40, 1) + made_up(2021, 40, 2) + made_up(2022, 40, 3)
    # What a reader that read each year without training on it said: sure of every answering sentence.
    said = {q.id: np.array([0.95 if s.label else 0.2 for s in q.sentences]) for q in questions}

    alone = rotation(questions, ("dense", "chunk_score"))
    read = rotation(questions, (READER, "dense", "chunk_score"), said)

    assert alone["learned, held-out years pooled"].top1 < 0.8
    assert read["learned, held-out years pooled"].top1 == 1.0


def test_the_command_needs_a_held_out_reader_for_every_year(tmp_path, tiny_reader) -> None:
    path = tmp_path / "candidates.jsonl"
    candidates.write(made_up(2020, 10, 1) + made_up(2021, 10, 2), path)

    both = CliRunner().invoke(
        main,
        [
            "--candidates",
            str(path),
            "--reader-for",
            f"2020={tiny_reader}",
            "--reader-for",
            f"2021={tiny_reader}",
        ],
    )
    one = CliRunner().invoke(main, ["--candidates", str(path), "--reader-for", f"2020={tiny_reader}"])

    assert both.exit_code == 0, both.output
    assert "near ties (shipped), held-out years pooled: 20 questions" in both.output
    assert "reader_logit + chunk_score + time: learned, held-out years pooled: 20 questions" in both.output
    assert one.exit_code == 2 and "needs a reader for each year of the candidates (2020, 2021)" in one.output


def test_near_ties_rank_as_the_answerer_chooses() -> None:
    def candidate(overlap: float, label: int) -> Sentence:
        return Sentence("s", "s", chunk_score=1.0, time=0.0, label=label, dense=0.5, overlap=overlap)

    # The hand-set score prefers the first by a hair; the third is far behind.
    question = Question("q", 2022, "q?", False, [candidate(0.62, 0), candidate(0.60, 1), candidate(0.1, 0)])

    sure = near_ties(question, np.array([0.3, 0.9, 0.99]))
    unsure = near_ties(question, np.array([0.3, 0.4, 0.99]))

    assert int(np.argmax(sure)) == 1  # the reader settles the near tie
    assert np.isinf(sure[2])  # a sentence far behind is never reached, however sure the reader
    assert int(np.argmax(unsure)) == 0  # all near ties under one half: the hand-set order stands
