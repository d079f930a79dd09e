"""The reader component: loading a trained model offline, reading in batches, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.components.answerer.extractive import CHUNK_WEIGHT, ExtractiveAnswerer, reader_passage
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


def test_the_answerer_adds_the_weighted_probability_to_what_ranks_sentences(
    seed_assistant: Assistant, tiny_reader: Path
) -> None:
    reader = Reader(tiny_reader)
    answerer = ExtractiveAnswerer(seed_assistant.embedder, 3, 0.32, reader=reader, reader_weight=0.3)
    question = "How many participants attended the congress?"
    found = seed_assistant.retrieve(question)

    scored, _ = answerer.score(question, found)
    plain, _ = ExtractiveAnswerer(seed_assistant.embedder, 3, 0.32).score(question, found)
    read = reader.probabilities(question, [reader_passage(item.candidate) for item in scored])

    for item, probability in zip(scored, read, strict=True):
        assert item.score - item.evidence - CHUNK_WEIGHT * item.chunk.score == pytest.approx(
            0.3 * probability, abs=1e-5
        )
    # Abstention reads the evidence alone: the reader never changes it.
    evidence = {(i.chunk.chunk_id, i.span.start): i.evidence for i in plain}
    assert all(evidence[(i.chunk.chunk_id, i.span.start)] == i.evidence for i in scored)


def test_asking_for_a_reader_that_was_never_trained_fails_at_start_with_what_to_do(make_settings, tmp_path):
    with pytest.raises(
        ReaderError, match=r"model\.onnx, tokenizer\.json, reader\.json missing \(make reader"
    ):
        Assistant(make_settings(reader_weight=0.3, reader_path=tmp_path / "none"))


def test_no_reader_is_loaded_unless_it_is_weighed(seed_assistant: Assistant) -> None:
    assert seed_assistant.answerer.reader is None and seed_assistant.answerer.reader_weight == 0


def test_a_broken_config_is_reported_not_guessed(tiny_reader: Path, tmp_path: Path) -> None:
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).write_bytes((tiny_reader / name).read_bytes())
    (tmp_path / "reader.json").write_text('{"recipe": {}}')

    with pytest.raises(ReaderError, match="not a reader config"):
        Reader(tmp_path)
