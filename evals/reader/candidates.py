"""Labelled candidates: the sentences our retriever returns for each question, as the answerer sees them.

The negatives are the hard ones met in use: sentences of the right topic's
chunks that do not hold the answer. A candidate is positive when what would be
quoted for it holds a gold answer (SQuAD-normalised containment): the sentence,
with the one before when it leans on it ("It is now the first team valued at
$10 billion" names the team only there). An unanswerable question's candidates
are all negative. Each question keeps its year, so data is split by time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from evals.datasets import EvalCase
from evals.metrics import contains_answer
from rag.assistant import Assistant
from rag.components.answerer.extractive import (
    CHUNK_WEIGHT,
    ExtractiveAnswerer,
    SentenceFeatures,
    reader_passage,
)
from rag.query.candidates import with_antecedent

# Where `python -m evals.reader` keeps the labelled candidates it builds from the dev store.
CANDIDATES = Path("evals/runs/reader/candidates.jsonl")

# The `--candidates FILE` option of the commands that read a built candidates file.
candidates_option = click.option(
    "--candidates",
    "cache",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=CANDIDATES,
    show_default=True,
    help="Labelled candidates (`python -m evals.reader` builds them).",
)


@dataclass(frozen=True)
class Sentence:
    sentence: str
    # What the reader reads of a candidate (`reader_passage`).
    passage: str
    # The fused retrieval score of the sentence's chunk (best chunk = 1).
    chunk_score: float
    # What the answerer adds for the chunk's date (the retriever's recency prior and period bonus).
    time: float
    label: int
    # What the answerer knows of it besides the reader (`SentenceFeatures`).
    dense: float = 0.0
    overlap: float = 0.0
    kind: float = 0.0
    missing_names: float = 0.0


def sentence_features(sentence: Sentence) -> SentenceFeatures:
    """What the answerer knew of a candidate, as it weighs it."""
    return SentenceFeatures(
        sentence.dense,
        sentence.overlap,
        sentence.kind,
        sentence.missing_names,
        sentence.time,
        sentence.chunk_score,
    )


def hand_set_score(sentence: Sentence) -> float:
    """What the answerer ranks a candidate by without a reader (`ExtractiveAnswerer.score`)."""
    return sentence_features(sentence).evidence() + CHUNK_WEIGHT * sentence.chunk_score


@dataclass(frozen=True)
class Question:
    id: str
    year: int
    question: str
    unanswerable: bool
    sentences: list[Sentence]
    # The gold answers (the recipe's answerless negatives remove them from positives).
    answers: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return any(sentence.label for sentence in self.sentences) and not self.unanswerable


def build(
    assistant: Assistant,
    cases: Sequence[EvalCase],
    progress: Callable[[Iterable[EvalCase]], Iterable[EvalCase]] = iter,
) -> Iterator[Question]:
    """One `Question` per case with every candidate sentence of its retrieved chunks, labelled."""
    answerer = _extractive(assistant)
    for case in progress(cases):
        found = assistant.retrieve(case.question, as_of=case.as_of)
        candidates, features, _ = answerer.features(case.question, found)
        sentences = [
            Sentence(
                sentence=candidate.span.text,
                passage=reader_passage(candidate),
                chunk_score=known.chunk,
                time=known.time,
                label=_label(case, with_antecedent(candidate).text),
                dense=known.dense,
                overlap=known.overlap,
                kind=known.kind,
                missing_names=known.missing_names,
            )
            for candidate, known in zip(candidates, features, strict=True)
        ]
        year = case.as_of.year if case.as_of else 0
        yield Question(case.id, year, case.question, case.unanswerable, sentences, list(case.answers))


def _extractive(assistant: Assistant) -> ExtractiveAnswerer:
    """The extractive answerer: its own, or the one a language-model answerer measures evidence with."""
    answerer = assistant.answerer
    return answerer if isinstance(answerer, ExtractiveAnswerer) else answerer.extractive


def _label(case: EvalCase, quoted: str) -> int:
    return int(not case.unanswerable and bool(contains_answer(quoted, case.answers)))


def write(questions: Iterable[Question], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as handle:
        for question in questions:
            handle.write(json.dumps(asdict(question)) + "\n")
            count += 1
    partial.replace(path)
    return count


def read(path: Path) -> list[Question]:
    questions = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            raw["sentences"] = [Sentence(**sentence) for sentence in raw["sentences"]]
            questions.append(Question(**raw))
    return questions
