"""Would abstention learned over the whole question beat one threshold on the best sentence's evidence?

`python -m evals.reader.abstain [--candidates FILE]`

The answerer refuses when its best sentence's evidence falls below one
hand-set threshold. An unanswerable question of realtimeqa-dev retrieves the
right topic and fails only on the specific thing asked, so the evidence of one
sentence says little; what the candidates show together might say more (does
any of them supply the kind of answer asked, do they all lack a name the
question uses, how far ahead of the rest is the best). Here those aggregates
feed a logistic regression of "the articles do not answer", judged by year
rotation (fit on two years, judge the third), abstention pooled over the three
held-out years, beside the hand-set threshold judged the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from evals.reader import candidates as candidate_file
from evals.reader.candidates import Question
from evals.reader.combine import Judged, fit, hand_set, hand_set_way, rotate
from evals.reader.figures import Figures, best_threshold

# What the candidates of one question show together.
QUESTION_FEATURES = (
    "best_evidence",
    "evidence_gap",
    "best_dense",
    "best_overlap",
    "fewest_missing_names",
    "any_kind_supplied",
    "top_kind",
    "top_chunk_score",
    "best_time",
    "top3_evidence",
)


def aggregates(question: Question) -> np.ndarray:
    """`QUESTION_FEATURES` of one question, from its candidates as the answerer weighs them."""
    evidence, ranked = hand_set(question)
    top = int(np.argmax(ranked))
    ordered = np.sort(evidence)[::-1]
    sentences = question.sentences
    return np.array(
        [
            ordered[0],
            ordered[0] - (ordered[1] if len(ordered) > 1 else 0.0),
            max(s.dense for s in sentences),
            max(s.overlap for s in sentences),
            min(s.missing_names for s in sentences),
            max(s.kind for s in sentences),
            sentences[top].kind,
            sentences[top].chunk_score,
            max(s.time for s in sentences),
            float(ordered[:3].mean()),
        ]
    )


def answerable_probability(fitted_on: Sequence[Question], judged: Sequence[Question]) -> list[float]:
    """P(the articles answer) for `judged`, by a logistic regression fitted on `fitted_on`."""
    columns = np.vstack([aggregates(q) for q in fitted_on])
    mean, spread = columns.mean(axis=0), columns.std(axis=0) + 1e-9
    model = fit(
        QUESTION_FEATURES,
        (columns - mean) / spread,
        np.array([0.0 if q.unanswerable else 1.0 for q in fitted_on]),
    )
    return list(model.probabilities((np.vstack([aggregates(q) for q in judged]) - mean) / spread))


def rotation(questions: Sequence[Question]) -> dict[str, Figures]:
    """The question-level model by year rotation, the hand-set threshold beside it."""

    def judge(fitted_on: list[Question], judged: list[Question]) -> Judged:
        threshold = best_threshold(
            fitted_on, [np.array([p]) for p in answerable_probability(fitted_on, fitted_on)]
        )
        margins = [np.array([p - threshold]) for p in answerable_probability(fitted_on, judged)]
        hand = hand_set_way(judged)
        return {"question-level": (margins, hand[1]), "hand-set": hand}

    return rotate(questions, judge)


@click.command()
@candidate_file.candidates_option
def main(cache: Path) -> None:
    """Print held-out abstention of a question-level model beside the hand-set threshold."""
    questions = [q for q in candidate_file.read(cache) if q.sentences]
    for title, result in rotation(questions).items():
        click.echo(result.table(title))


if __name__ == "__main__":
    main()
