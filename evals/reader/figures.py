"""What a reader is judged by, on questions it did not train on.

- top 1: share of the questions whose retrieved sentences hold the answer for
  which the first sentence, ranked by reader probability plus the chunk and
  time terms, holds it;
- abstention: with the threshold on the best probability, precision and
  recall of refusing the unanswerable questions, with bootstrap intervals
  (2022 has only 29 of them);
- AUC of the best probability, unanswerable against answerable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.reader.candidates import Question
from rag.components.answerer.extractive import CHUNK_WEIGHT


@dataclass(frozen=True)
class Figures:
    questions: int
    unanswerable: int
    top1: float
    threshold: float
    abstention_precision: float
    abstention_recall: float
    precision_interval: tuple[float, float]
    recall_interval: tuple[float, float]
    auc: float

    def table(self, title: str) -> str:
        low_p, high_p = self.precision_interval
        low_r, high_r = self.recall_interval
        return "\n".join(
            [
                f"{title}: {self.questions} questions, {self.unanswerable} unanswerable",
                f"  top 1 holds the answer      {self.top1:.3f}",
                f"  abstention threshold        {self.threshold:.3f}",
                f"  abstention precision        {self.abstention_precision:.3f}  "
                f"(95% {low_p:.2f}-{high_p:.2f})",
                f"  abstention recall           {self.abstention_recall:.3f}  (95% {low_r:.2f}-{high_r:.2f})",
                f"  AUC, best probability       {self.auc:.3f}",
            ]
        )


def ranking(question: Question, probabilities: np.ndarray) -> np.ndarray:
    """Each candidate's reader probability plus what the retriever knows (chunk score, time), as
    the answerer weighs them; the reader-alone figure the issue asks for."""
    chunk = np.array([s.chunk_score for s in question.sentences], dtype=np.float32)
    time = np.array([s.time for s in question.sentences], dtype=np.float32)
    return probabilities + CHUNK_WEIGHT * chunk + time


def best_threshold(questions: Sequence[Question], probabilities: Sequence[np.ndarray]) -> float:
    """The threshold on the best probability with the highest abstention F1."""
    best = _bests(probabilities)
    unanswerable = np.array([q.unanswerable for q in questions])
    candidates = np.unique(np.concatenate([best, [0.0, 1.0]]))
    scores = []
    for value in candidates:
        precision, recall = _precision_recall(best < value + 1e-9, unanswerable)
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    index = int(np.argmax(scores))
    # Midway to the next best probability, so the threshold does not sit on one question's score.
    above = candidates[index + 1] if index + 1 < len(candidates) else candidates[index]
    return float((candidates[index] + above) / 2)


def figures(
    questions: Sequence[Question],
    probabilities: Sequence[np.ndarray],
    threshold: float,
    seed: int = 13,
    ranked: Sequence[np.ndarray] | None = None,
) -> Figures:
    """The figures of `probabilities` (abstention) and of `ranked` (top 1; unset = `ranking`)."""
    best = _bests(probabilities)
    orders = (
        ranked
        if ranked is not None
        else [ranking(q, p) for q, p in zip(questions, probabilities, strict=True)]
    )
    unanswerable = np.array([q.unanswerable for q in questions])
    refused = best < threshold
    answerable = [i for i, q in enumerate(questions) if q.answerable]
    top1 = np.mean([questions[i].sentences[int(np.argmax(orders[i]))].label for i in answerable])
    precision, recall = _precision_recall(refused, unanswerable)
    rng = random.Random(seed)
    draws = []
    for _ in range(1000):
        sample = [rng.randrange(len(questions)) for _ in questions]
        draws.append(_precision_recall(refused[sample], unanswerable[sample]))
    spread = np.array(draws)
    return Figures(
        questions=len(questions),
        unanswerable=int(unanswerable.sum()),
        top1=float(top1),
        threshold=threshold,
        abstention_precision=precision,
        abstention_recall=recall,
        precision_interval=_interval(spread[:, 0]),
        recall_interval=_interval(spread[:, 1]),
        auc=_auc(-best, unanswerable),
    )


def _bests(probabilities: Sequence[np.ndarray]) -> np.ndarray:
    return np.array([float(p.max()) if len(p) else 0.0 for p in probabilities])


def _precision_recall(refused: np.ndarray, unanswerable: np.ndarray) -> tuple[float, float]:
    hits = float(np.sum(refused & unanswerable))
    precision = hits / refused.sum() if refused.sum() else 0.0
    recall = hits / unanswerable.sum() if unanswerable.sum() else 0.0
    return precision, recall


def _interval(values: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))
