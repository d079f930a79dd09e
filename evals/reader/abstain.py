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
from evals.reader.combine import HAND_THRESHOLD, fit, hand_set
from evals.reader.figures import Figures, best_threshold, figures

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
    """Each year judged by a model and a threshold fitted on the other years; then pooled."""
    pooled: dict[str, tuple[list[Question], list[np.ndarray], list[np.ndarray]]] = {
        "question-level": ([], [], []),
        "hand-set": ([], [], []),
    }
    out: dict[str, Figures] = {}
    for year in sorted({q.year for q in questions}):
        fitted_on = [q for q in questions if q.year != year]
        judged = [q for q in questions if q.year == year]
        fitted = answerable_probability(fitted_on, fitted_on)
        threshold = best_threshold(fitted_on, [np.array([p]) for p in fitted])
        learned = answerable_probability(fitted_on, judged)
        order = [hand_set(q)[1] for q in judged]
        ways = {
            "question-level": [np.array([p - threshold]) for p in learned],
            "hand-set": [hand_set(q)[0] - HAND_THRESHOLD for q in judged],
        }
        for way, margins in ways.items():
            out[f"{way} {year}"] = figures(judged, margins, 0.0, ranked=order)
            for kept, more in zip(pooled[way], (judged, margins, order), strict=True):
                kept.extend(more)
    for way, (judged, margins, order) in pooled.items():
        out[f"{way}, held-out years pooled"] = figures(judged, margins, 0.0, ranked=order)
    return out


@click.command()
@click.option(
    "--candidates",
    "cache",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=candidate_file.CANDIDATES,
    show_default=True,
    help="Labelled candidates (`python -m evals.reader` builds them).",
)
def main(cache: Path) -> None:
    """Print held-out abstention of a question-level model beside the hand-set threshold."""
    questions = [q for q in candidate_file.read(cache) if q.sentences]
    for title, result in rotation(questions).items():
        click.echo(result.table(title))


if __name__ == "__main__":
    main()
