"""The reader component: loading a trained model offline, reading in batches, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.components.answerer.extractive import (
    CHUNK_WEIGHT,
    MARGIN,
    ExtractiveAnswerer,
    reader_passage,
)
from rag.components.reader import Reader, ReaderError
from rag.components.reader.inputs import passage_text


def test_probabilities_are_one_per_passage_and_barely_depend_on_the_batch(tiny_reader: Path) -> None:
    reader = Reader(tiny_reader)
    question = "How many people attended the congress?"
    passages = [
        passage_text("About 1,500 people attended the congress in Sochi."),
        passage_text("His comments were met with boos.", "Lavrov read out a statement from Putin."),
        passage_text("word " * 400),  # longer than the model reads: cut, not an error
    ]

    together = reader.probabilities(question, passages)
    alone = [reader.probabilities(question, [passage])[0] for passage in passages]

    assert together.shape == (3,) and all(0 <= p <= 1 for p in together)
    # Dynamic int8 scales activations per batch, so padding moves a probability by a few thousandths.
    assert together == pytest.approx(alone, abs=0.01)
    assert reader.probabilities("x " * 500, passages).shape == (3,)  # so is a question that long


# Seed questions whose answering sentences include near ties (within MARGIN of the best).
NEAR_TIE_QUESTIONS = [
    "Who boycotted the summit?",
    "Which Western countries declined to attend?",
    "Where was the conference held?",
    "How did the audience react to Lavrov's statement?",
    "who is their foreign minister?",
]


def test_the_reader_orders_the_near_ties_and_changes_no_score(
    seed_assistant: Assistant, tiny_reader: Path
) -> None:
    reader = Reader(tiny_reader)
    with_reader = ExtractiveAnswerer(seed_assistant.embedder, 3, 0.32, reader=reader)
    plain = ExtractiveAnswerer(seed_assistant.embedder, 3, 0.32)
    overruled = 0
    for question in NEAR_TIE_QUESTIONS:
        found = seed_assistant.retrieve(question)
        scored, _ = plain.score(question, found)
        # Scores and evidence (what abstention reads) are the hand-set ones either way.
        assert [(i.score, i.evidence) for i in with_reader.score(question, found)[0]] == [
            (i.score, i.evidence) for i in scored
        ]
        answering = [item for item in scored if item.evidence >= 0.32]
        near_ties = [item for item in answering if item.score >= answering[0].score - MARGIN]
        read = reader.probabilities(question, [reader_passage(item.candidate) for item in near_ties])
        relevance = [p + CHUNK_WEIGHT * i.chunk.score + i.time for p, i in zip(read, near_ties, strict=True)]
        # A reader that finds no near tie answering (every probability under one half) has no say.
        first = near_ties[relevance.index(max(relevance))] if max(read) >= 0.5 else answering[0]
        overruled += first is not answering[0]

        answer = with_reader.answer(question, found)

        assert first.span.text in answer.claims[0].text, question
        assert all(any(i.span.text in claim.text for i in near_ties) for claim in answer.claims)
    assert overruled  # at least once the reader's order is not the hand-set one, so the test can tell


def test_a_reader_that_is_not_there_fails_at_start_with_what_to_do(make_settings, tmp_path):
    with pytest.raises(
        ReaderError, match=r"model\.onnx, tokenizer\.json, reader\.json missing \(make reader"
    ):
        Assistant(make_settings(reader_path=tmp_path / "none"))


def test_without_the_reader_the_hand_set_scores_choose(make_settings) -> None:
    assert Assistant(make_settings(reader=False)).answerer.reader is None


def test_a_broken_config_is_reported_not_guessed(tiny_reader: Path, tmp_path: Path) -> None:
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).write_bytes((tiny_reader / name).read_bytes())
    (tmp_path / "reader.json").write_text('{"recipe": {}}')

    with pytest.raises(ReaderError, match="not a reader config"):
        Reader(tmp_path)
