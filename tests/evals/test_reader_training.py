"""The reader's training code on a tiny sample, so `make reader` cannot rot between retrainings."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from evals.datasets import load_dataset
from evals.reader import candidates
from evals.reader.candidates import Question, Sentence
from evals.reader.figures import best_threshold, figures
from evals.reader.train import Pair, Recipe, training_lists, training_pairs
from rag.assistant import Assistant
from rag.components.reader import Reader
from tests.paths import ROOT

pytest.importorskip("datasets", reason="training needs the dev extras (datasets, accelerate)")

SEED = [case for case in load_dataset(ROOT / "evals" / "datasets" / "seed.jsonl") if not case.history]
SAMPLE = [case for case in SEED if not case.unanswerable][:8] + [case for case in SEED if case.unanswerable][
    :3
]


def sentence(text: str, label: int) -> Sentence:
    return Sentence(text, text, chunk_score=1.0, time=0.0, label=label)


@pytest.fixture(scope="module")
def seed_candidates(seed_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> list[Question]:
    path = tmp_path_factory.mktemp("reader") / "candidates.jsonl"
    candidates.write(candidates.build(seed_assistant, SAMPLE), path)
    return candidates.read(path)


def test_candidates_are_the_retrieved_sentences_labelled_by_the_gold_answer(
    seed_candidates: list[Question],
) -> None:
    by_id = {q.id: q for q in seed_candidates}
    participants = by_id["participants"]

    assert [s.sentence for s in participants.sentences if s.label] == [
        "The roughly 1,500 participants expressed hope that they could establish committees charged with "
        "studying changes to the existing Syrian Constitution."
    ]
    assert len(participants.sentences) > 10 and participants.answerable
    # The reader reads a sentence alone, unless it leans on the one before: then both, as quoted.
    leaning = [s for q in seed_candidates for s in q.sentences if s.passage != s.sentence]
    assert leaning and all(s.passage.startswith(s.sentence + " [SEP] ") for s in leaning)
    unanswerable = [q for q in seed_candidates if q.unanswerable]
    assert unanswerable and not any(s.label for q in unanswerable for s in q.sentences)


def test_pairs_keep_every_positive_and_a_seeded_sample_of_negatives() -> None:
    question = Question(
        "q",
        2021,
        "Who?",
        False,
        [sentence("Yes it is him.", 1)] + [sentence(f"No {i}.", 0) for i in range(20)],
    )
    recipe = Recipe(negatives=5)

    pairs = training_pairs([question], recipe)

    assert len(pairs) == 6 and sum(pair.label for pair in pairs) == 1
    assert pairs == training_pairs([question], recipe)
    assert training_pairs([question], Recipe(negatives=5, seed=14)) != pairs
    unanswerable = Question("u", 2021, "Who?", True, [sentence(f"No {i}.", 0) for i in range(20)])
    assert len(training_pairs([unanswerable], recipe)) == 20  # its near misses are all kept


def test_the_hardest_negatives_are_the_ones_the_hand_set_score_ranks_highest() -> None:
    near = [replace(sentence(f"Near {i}.", 0), overlap=0.9 - i / 100) for i in range(3)]
    far = [replace(sentence(f"Far {i}.", 0), overlap=0.0) for i in range(20)]
    question = Question("q", 2021, "Who?", False, [sentence("Yes it is him.", 1), *far, *near])

    hard = training_pairs([question], Recipe(negatives=5, hardest=3))
    random_only = training_pairs([question], Recipe(negatives=5))

    assert {p.passage for p in hard if p.passage.startswith("Near")} == {"Near 0.", "Near 1.", "Near 2."}
    assert sum(p.passage.startswith("Far") for p in hard) == 2 and len(hard) == 6
    assert sum(p.passage.startswith("Near") for p in random_only) < 3


def test_each_positive_comes_back_with_its_answer_taken_out_as_a_negative() -> None:
    question = Question(
        "q",
        2021,
        "How many attended?",
        False,
        [sentence("The roughly 1,500 participants met.", 1), sentence("Talks failed.", 0)],
        answers=["1,500", "roughly 1,500"],
    )

    pairs = training_pairs([question], Recipe())

    assert Pair("How many attended?", "The it participants met.", 0) in pairs
    assert len(training_pairs([question], Recipe(answerless=False))) == len(pairs) - 1


def test_listwise_training_reads_each_answerable_question_as_one_list() -> None:
    answerable = Question("q", 2021, "Who?", False, [sentence("Yes it is him.", 1), sentence("No.", 0)])
    unanswerable = Question("u", 2021, "Where?", True, [sentence(f"No {i}.", 0) for i in range(4)])

    lists = training_lists(training_pairs([answerable, unanswerable], Recipe()))

    # The unanswerable question's list ranks nothing: no positive to put first.
    assert list(lists) == ["Who?"]
    passages, labels = lists["Who?"]
    assert sorted(zip(passages, labels, strict=True)) == [("No.", 0.0), ("Yes it is him.", 1.0)]


def test_a_few_steps_train_export_and_load_as_a_reader(
    seed_candidates: list[Question], tiny_reader: Path
) -> None:
    reader = Reader(tiny_reader)
    probabilities = [
        reader.probabilities(q.question, [s.passage for s in q.sentences]) for q in seed_candidates
    ]
    threshold = best_threshold(seed_candidates, probabilities)
    measured = figures(seed_candidates, probabilities, threshold)

    assert {path.name for path in tiny_reader.iterdir()} == {
        "model.onnx",
        "tokenizer.json",
        "reader.json",
        "README.md",
    }
    assert (tiny_reader / "model.onnx").stat().st_size < 30 * 2**20  # int8: small enough to ship
    assert reader.config.max_tokens == 64 and (tiny_reader / "README.md").read_text() == "# card\n"
    assert all(
        len(p) == len(q.sentences) and np.all((p >= 0) & (p <= 1))
        for p, q in zip(probabilities, seed_candidates, strict=True)
    )
    assert 0 <= measured.top1 <= 1 and measured.unanswerable == sum(q.unanswerable for q in seed_candidates)


def test_make_reader_measures_on_a_held_out_year_then_ships_a_model_trained_on_more(
    seed_candidates: list[Question], tmp_path: Path
) -> None:
    from dataclasses import replace

    from click.testing import CliRunner

    from evals.reader.__main__ import main

    # The seed questions carry no year: split them into two, as the dev set's years are.
    dated = [replace(q, year=2020 if i % 2 else 2021) for i, q in enumerate(seed_candidates)]
    candidates.write(dated, tmp_path / "candidates.jsonl")
    out = tmp_path / "reader"
    common = ["--candidates", str(tmp_path / "candidates.jsonl"), "--out", str(out), "--max-steps", "2"]

    refused = CliRunner().invoke(main, [*common, "--train-years", "2020,2021", "--valid-year", "2021"])
    assert refused.exit_code == 2 and "must be held out" in refused.output and not out.exists()

    result = CliRunner().invoke(
        main, [*common, "--train-years", "2020", "--valid-year", "2021", "--ship-years", "2020,2021"]
    )
    assert result.exit_code == 0, result.output
    assert "2021 (held out)" in result.output and "shipped: trained on 2020,2021" in result.output
    card = (out / "README.md").read_text()
    assert "measured by a model trained on 2020" in card and "seed on 2020,2021" in card
    assert json.loads((out / "reader.json").read_text())["trained_on"] == "2020,2021"
    assert Reader(out).probabilities("Who?", ["Someone.", "No one."]).shape == (2,)


def test_make_reader_trains_listwise_when_asked(seed_candidates: list[Question], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from evals.reader.__main__ import main

    dated = [replace(q, year=2020 if i % 2 else 2021) for i, q in enumerate(seed_candidates)]
    candidates.write(dated, tmp_path / "candidates.jsonl")
    out = tmp_path / "reader"
    common = ["--candidates", str(tmp_path / "candidates.jsonl"), "--out", str(out), "--max-steps", "2"]

    result = CliRunner().invoke(
        main, [*common, "--train-years", "2020", "--valid-year", "2021", "--loss", "listwise"]
    )
    wrong = CliRunner().invoke(main, [*common, "--loss", "pairwise"])

    assert result.exit_code == 0, result.output
    assert json.loads((out / "reader.json").read_text())["recipe"]["loss"] == "listwise"
    assert "`LambdaLoss`" in (out / "README.md").read_text()
    assert Reader(out).probabilities("Who?", ["Someone.", "No one."]).shape == (2,)
    assert wrong.exit_code == 2 and "'pairwise' is not one of 'pointwise', 'listwise'" in wrong.output
