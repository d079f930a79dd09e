"""Would a learned combination of what the answerer knows beat the hand-set weights? Measured by year.

`python -m evals.reader.combine [--candidates FILE] [--reader DIR | --reader-for YEAR=DIR ...]`

The answerer weighs a candidate sentence by hand-set constants (`SentenceFeatures.evidence`
plus `CHUNK_WEIGHT` times its chunk score) and abstains below `abstain_threshold`. Here
the same features feed a logistic regression fitted on the labelled candidates,
and each way is judged on questions it was not fitted on (abstention and AUC read the best
probability's margin over the threshold chosen on the fitted questions):

- without a reader, by year rotation: fit on two years, judge the third, three times,
  abstention pooled over the three held-out years;
- with a reader (trained on 2020-21), its log-odds join the features and the figures
  are for 2022 only, the combination fitted by five-fold cross-validation over its
  questions, so neither the reader nor the weights saw the questions judged;
- with a reader for each year that did not train on it (`--reader-for`, out of fold:
  the shipped one for 2022, `python -m evals.reader --train-years 2020,2022
  --valid-year 2021` for 2021, and so on), the shipped rule (`near_ties`) and the
  learned weights with the reader among them are judged by year rotation as well.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from evals.reader import candidates as candidate_file
from evals.reader.candidates import Question, hand_set_score, sentence_features
from evals.reader.figures import Figures, best_threshold, figures
from rag.components.answerer.extractive import near_tie_pool, near_tie_relevance
from rag.query.answer_types import names
from rag.text.terms import content_terms

# What the answerer knows of a candidate besides the reader (`SentenceFeatures`, `Sentence`).
FEATURES = ("dense", "overlap", "kind", "missing_names", "chunk_score", "time")
READER = "reader_logit"
HAND_THRESHOLD = 0.32
FOLDS = 5
# A quiz question sets a scene, then asks ("Kylie Jenner gave birth to her second child! Which
# company did she found?"): its last sentence, after any sentence boundary.
_ASKED = re.compile(r"(?<=[a-z0-9”\")][.!?])\s+(?=[A-Z“\"])")


def _novelty(question: Question) -> np.ndarray:
    """Share of up to five content words a candidate adds to the question: a sentence restating the
    question's scene ("Kylie Jenner and Travis Scott welcome their second child") adds none."""
    asked = set(content_terms(question.question))
    return np.array([min(len(set(content_terms(s.passage)) - asked), 5) / 5 for s in question.sentences])


def _new_names(question: Question) -> np.ndarray:
    """Share of up to three names a candidate holds that the question does not: most answers are one."""
    asked = set(content_terms(question.question))
    return np.array(
        [
            min(
                sum(
                    not any(n.startswith(a) or a.startswith(n) for a in asked) for n in set(names(s.passage))
                ),
                3,
            )
            / 3
            for s in question.sentences
        ]
    )


def _asked_overlap(question: Question) -> np.ndarray:
    """Share of the words new in the question's last sentence that a candidate holds (0 for a
    question of one sentence): it must answer what is asked, not restate the scene."""
    parts = _ASKED.split(question.question.strip())
    wanted = set(content_terms(parts[-1])) - set(content_terms(" ".join(parts[:-1])))
    if len(parts) < 2 or not wanted:
        return np.zeros(len(question.sentences))
    return np.array([len(wanted & set(content_terms(s.passage))) / len(wanted) for s in question.sentences])


# Cues read from the question's and candidates' text, not known to the answerer: `--with NAME`.
DERIVED: dict[str, Callable[[Question], np.ndarray]] = {
    "novelty": _novelty,
    "new_names": _new_names,
    "asked_overlap": _asked_overlap,
}


@dataclass(frozen=True)
class Logistic:
    """A logistic regression over named features: the probability that a candidate answers."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float

    def probabilities(self, columns: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(columns @ self.weights + self.bias)))


def fit(features: tuple[str, ...], columns: np.ndarray, labels: np.ndarray, l2: float = 1.0) -> Logistic:
    """Newton's method on the class-balanced, L2-penalised log loss (positives are rare)."""
    design = np.hstack([columns, np.ones((len(columns), 1))])
    positive = max(float(labels.mean()), 1e-6)
    balance = np.where(labels == 1, 0.5 / positive, 0.5 / max(1 - positive, 1e-6))
    penalty = l2 * np.diag(np.r_[np.ones(len(features)), 0.0])
    weights = np.zeros(design.shape[1])
    for _ in range(30):
        predicted = 1.0 / (1.0 + np.exp(-(design @ weights)))
        gradient = design.T @ (balance * (predicted - labels)) + penalty @ weights
        hessian = (design * (balance * predicted * (1 - predicted))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic(features, weights[:-1], float(weights[-1]))


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    """The reader's probabilities as log-odds, which a logistic regression weighs linearly."""
    clipped = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def columns(question: Question, features: tuple[str, ...], reader: np.ndarray | None = None) -> np.ndarray:
    """One row per candidate of `question`: its `features`, the reader's log-odds among them."""
    known = []
    for name in features:
        if name == READER:
            if reader is None:
                raise ValueError(f"{READER} needs the reader's probabilities")
            known.append(log_odds(reader))
        elif name in DERIVED:
            known.append(DERIVED[name](question))
        else:
            known.append(np.array([getattr(s, name) for s in question.sentences], dtype=np.float64))
    return np.stack(known, axis=1) if question.sentences else np.zeros((0, len(features)))


def hand_set(question: Question) -> tuple[np.ndarray, np.ndarray]:
    """The answerer's own evidence (abstention) and ranking score of each candidate."""
    evidence = np.array([sentence_features(s).evidence() for s in question.sentences])
    return evidence, np.array([hand_set_score(s) for s in question.sentences])


def near_ties(question: Question, probabilities: np.ndarray) -> np.ndarray:
    """The shipped rule as a ranking (`ExtractiveAnswerer._select`, through the same
    `near_tie_pool` and `near_tie_relevance`): among the sentences that could be quoted and score
    within `MARGIN` of the best, the reader's order decides when it says one of them answers."""
    evidence, ranked = hand_set(question)
    answering = evidence >= HAND_THRESHOLD
    if not answering.any():
        return ranked
    pool = near_tie_pool(evidence, ranked, HAND_THRESHOLD)
    chunk = np.array([s.chunk_score for s in question.sentences])
    time = np.array([s.time for s in question.sentences])
    relevance = near_tie_relevance(probabilities[pool], chunk[pool], time[pool]) if pool.sum() > 1 else None
    if relevance is None:
        return np.where(answering, ranked, -np.inf)
    order = np.full(len(ranked), -np.inf)
    order[pool] = relevance
    return order


def learned(
    fitted_on: Sequence[Question],
    judged: Sequence[Question],
    features: tuple[str, ...],
    reader: Mapping[str, np.ndarray] | None = None,
) -> tuple[Logistic, list[np.ndarray], float]:
    """A combination fitted on `fitted_on`, its probabilities for `judged`, and the abstention
    threshold chosen on `fitted_on`."""

    def rows(question: Question) -> np.ndarray:
        return columns(question, features, reader.get(question.id) if reader else None)

    model = fit(
        features,
        np.vstack([rows(q) for q in fitted_on]),
        np.concatenate([[s.label for s in q.sentences] for q in fitted_on]).astype(np.float64),
    )
    threshold = best_threshold(fitted_on, [model.probabilities(rows(q)) for q in fitted_on])
    return model, [model.probabilities(rows(q)) for q in judged], threshold


# What a way makes of the judged questions: each one's abstention margins and ranking scores.
Judged = dict[str, tuple[list[np.ndarray], list[np.ndarray]]]


def rotate(
    questions: Sequence[Question], judge: Callable[[list[Question], list[Question]], Judged]
) -> dict[str, Figures]:
    """Each year judged by `judge(fitted_on, judged)` fitted on the other years, then all held-out
    years pooled; a figure per way and year, and per way pooled."""
    pooled: dict[str, tuple[list[Question], list[np.ndarray], list[np.ndarray]]] = {}
    out: dict[str, Figures] = {}
    for year in sorted({q.year for q in questions}):
        judged = [q for q in questions if q.year == year]
        for way, (margins, order) in judge([q for q in questions if q.year != year], judged).items():
            out[f"{way} {year}"] = figures(judged, margins, 0.0, ranked=order)
            for kept, more in zip(
                pooled.setdefault(way, ([], [], [])), (judged, margins, order), strict=True
            ):
                kept.extend(more)
    for way, (judged, margins, order) in pooled.items():
        out[f"{way}, held-out years pooled"] = figures(judged, margins, 0.0, ranked=order)
    return out


def hand_set_way(judged: Sequence[Question]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The answerer's own margins over `HAND_THRESHOLD` and ranking of the judged questions."""
    evidence, ranked = zip(*(hand_set(q) for q in judged), strict=True)
    return [e - HAND_THRESHOLD for e in evidence], list(ranked)


def rotation(
    questions: Sequence[Question],
    features: tuple[str, ...],
    reader: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Figures]:
    """Learned weights over `features` by year rotation, the hand-set sum beside them.

    With `reader` (each question's probabilities from a reader that did not train on its
    year, `held_out_reading`), `READER` may be one of the features.
    """

    def judge(fitted_on: list[Question], judged: list[Question]) -> Judged:
        _, probabilities, threshold = learned(fitted_on, judged, features, reader)
        return {
            "learned": ([p - threshold for p in probabilities], probabilities),
            "hand-set": hand_set_way(judged),
        }

    return rotate(questions, judge)


def cross_validated(
    questions: Sequence[Question], features: tuple[str, ...], reader: Mapping[str, np.ndarray], seed: int = 13
) -> Figures:
    """`questions` judged fold by fold, each by weights and threshold fitted on the other folds."""
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    probabilities: list[np.ndarray] = [np.zeros(0)] * len(questions)
    thresholds = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        _, judged, threshold = learned(
            [q for i, q in enumerate(questions) if i not in held],
            [questions[i] for i in sorted(held)],
            features,
            reader,
        )
        for i, p in zip(sorted(held), judged, strict=True):
            probabilities[i] = p
        thresholds.append(threshold)
    # Each fold's abstention by its own threshold: the margin above it.
    scaled = [np.zeros(0)] * len(questions)
    for fold, threshold in enumerate(thresholds):
        for i in order[fold::FOLDS]:
            scaled[i] = probabilities[i] - threshold
    return figures(questions, scaled, 0.0, ranked=probabilities)


def _near_ties_way(judged: Sequence[Question], reader: Mapping[str, np.ndarray]) -> Judged:
    """The shipped rule and the hand-set order, both abstaining by the hand-set threshold."""
    hand = hand_set_way(judged)
    return {"near ties (shipped)": (hand[0], [near_ties(q, reader[q.id]) for q in judged]), "hand-set": hand}


def held_out_reading(questions: Sequence[Question], readers: Mapping[int, Path]) -> dict[str, np.ndarray]:
    """Each question's probabilities from the reader given for its year (one that did not train on
    it); questions of other years are not read."""
    from rag.components.reader import Reader

    read: dict[str, np.ndarray] = {}
    for year, folder in sorted(readers.items()):
        reader = Reader(folder)
        for question in questions:
            if question.year == year:
                read[question.id] = reader.probabilities(
                    question.question, [s.passage for s in question.sentences]
                )
    return read


def readers_by_year(values: Sequence[str], years: set[int]) -> dict[int, Path]:
    """`YEAR=DIR` options as a map; every year of the candidates needs one (else none at all)."""
    readers: dict[int, Path] = {}
    for value in values:
        year, _, folder = value.partition("=")
        if not year.strip().isdigit() or not folder or not Path(folder).is_dir():
            raise click.BadParameter(
                f"{value!r}: YEAR=DIR with an existing reader folder", param_hint="--reader-for"
            )
        if int(year) in readers:
            raise click.BadParameter(f"{year} is given twice", param_hint="--reader-for")
        readers[int(year)] = Path(folder)
    if readers and set(readers) != years:
        raise click.BadParameter(
            f"needs a reader for each year of the candidates ({', '.join(map(str, sorted(years)))})",
            param_hint="--reader-for",
        )
    return readers


@click.command()
@candidate_file.candidates_option
@click.option(
    "--reader-for",
    "held_out",
    multiple=True,
    metavar="YEAR=DIR",
    help="A reader that did not train on YEAR reads YEAR's candidates (one per year): its log-odds "
    "then join the learned features in the year rotation.",
)
@click.option(
    "--reader",
    "reader_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A reader trained on 2020-21: add its log-odds and judge on 2022 by cross-validation.",
)
@click.option("--year", type=int, default=2022, show_default=True, help="The year the reader did not see.")
@click.option(
    "--with",
    "derived",
    type=click.Choice(sorted(DERIVED)),
    multiple=True,
    help="Add a cue read from the text to the learned features (repeatable).",
)
def main(
    cache: Path, held_out: tuple[str, ...], reader_folder: Path | None, year: int, derived: tuple[str, ...]
) -> None:
    """Print held-out figures of learned and hand-set weights over the candidates' features."""
    questions = [q for q in candidate_file.read(cache) if q.sentences]
    readers = readers_by_year(held_out, {q.year for q in questions})
    for title, result in rotation(questions, FEATURES + derived).items():
        click.echo(result.table(title))
    if readers:
        read = held_out_reading(questions, readers)
        for title, result in rotate(questions, lambda _, judged: _near_ties_way(judged, read)).items():
            click.echo(result.table(title))
        for features in ((READER, "chunk_score", "time"), (READER, *FEATURES, *derived)):
            for title, result in rotation(questions, features, read).items():
                if title.startswith("learned"):
                    click.echo(result.table(f"{' + '.join(features)}: {title}"))
    if reader_folder is None:
        return
    judged = [q for q in questions if q.year == year]
    read = held_out_reading(judged, {year: reader_folder})
    for features in ((READER,), (READER, "chunk_score", "time"), (READER, *FEATURES)):
        click.echo(cross_validated(judged, features, read).table(f"{' + '.join(features)}, {year}"))


if __name__ == "__main__":
    main()
