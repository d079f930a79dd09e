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

from collections.abc import Mapping, Sequence
from pathlib import Path

import click
import numpy as np

from evals.reader import candidates as candidate_file
from evals.reader.candidates import Question
from evals.reader.combine import (
    Judged,
    fit,
    hand_set,
    hand_set_way,
    held_out_reading,
    log_odds,
    readers_by_year,
    rotate,
)
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
# What a reader that did not train on the question's year says of its candidates.
READER_FEATURES = ("best_reader_logit", "top_reader_logit")


def aggregates(question: Question, reader: np.ndarray | None = None) -> np.ndarray:
    """`QUESTION_FEATURES` of one question, from its candidates as the answerer weighs them, and
    `READER_FEATURES` when the reader's probabilities for them are given."""
    evidence, ranked = hand_set(question)
    top = int(np.argmax(ranked))
    ordered = np.sort(evidence)[::-1]
    sentences = question.sentences
    known = np.array(
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
    if reader is None:
        return known
    odds = log_odds(reader)
    return np.r_[known, odds.max(), odds[top]]


def answerable_probability(
    fitted_on: Sequence[Question],
    judged: Sequence[Question],
    reader: Mapping[str, np.ndarray] | None = None,
) -> list[float]:
    """P(the articles answer) for `judged`, by a logistic regression fitted on `fitted_on`."""

    def rows(questions: Sequence[Question]) -> np.ndarray:
        return np.vstack([aggregates(q, reader[q.id] if reader else None) for q in questions])

    columns = rows(fitted_on)
    mean, spread = columns.mean(axis=0), columns.std(axis=0) + 1e-9
    names = QUESTION_FEATURES + (READER_FEATURES if reader else ())
    model = fit(
        names, (columns - mean) / spread, np.array([0.0 if q.unanswerable else 1.0 for q in fitted_on])
    )
    return list(model.probabilities((rows(judged) - mean) / spread))


def rotation(
    questions: Sequence[Question], reader: Mapping[str, np.ndarray] | None = None
) -> dict[str, Figures]:
    """The question-level model by year rotation, the hand-set threshold beside it; with `reader`
    (`held_out_reading`), what the reader says joins the aggregates."""

    def judge(fitted_on: list[Question], judged: list[Question]) -> Judged:
        threshold = best_threshold(
            fitted_on, [np.array([p]) for p in answerable_probability(fitted_on, fitted_on, reader)]
        )
        margins = [np.array([p - threshold]) for p in answerable_probability(fitted_on, judged, reader)]
        hand = hand_set_way(judged)
        return {"question-level": (margins, hand[1]), "hand-set": hand}

    return rotate(questions, judge)


@click.command()
@candidate_file.candidates_option
@click.option(
    "--reader-for",
    "held_out",
    multiple=True,
    metavar="YEAR=DIR",
    help="A reader that did not train on YEAR reads YEAR's candidates (one per year): what it says "
    "then joins the question's aggregates.",
)
def main(cache: Path, held_out: tuple[str, ...]) -> None:
    """Print held-out abstention of a question-level model beside the hand-set threshold."""
    questions = [q for q in candidate_file.read(cache) if q.sentences]
    readers = readers_by_year(held_out, {q.year for q in questions})
    read = held_out_reading(questions, readers) if readers else None
    for title, result in rotation(questions, read).items():
        click.echo(result.table(title))


if __name__ == "__main__":
    main()
