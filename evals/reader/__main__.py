"""`python -m evals.reader`: retrain the reader from realtimeqa-dev and print its held-out figures."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from evals.datasets import load_dataset
from evals.reader import candidates as candidate_file
from evals.reader.candidates import Question
from evals.reader.card import Training, model_card
from evals.reader.figures import best_threshold, figures
from evals.reader.train import LOSSES, Recipe, describe, export, train, training_pairs
from rag.components.reader import TRAINED, Reader
from rag.settings import Settings

DATASET = Path("../shared/datasets/realtimeqa-dev")


@click.command()
@click.option(
    "--dataset",
    type=click.Path(path_type=Path),
    default=DATASET,
    show_default=True,
    help="Folder with corpus.jsonl and questions.jsonl.",
)
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=Path(".rag-dev"),
    show_default=True,
    help="Store the corpus is ingested into (kept apart from .rag).",
)
@click.option(
    "--candidates",
    "cache",
    type=click.Path(path_type=Path),
    default=candidate_file.CANDIDATES,
    show_default=True,
    help="Labelled candidates; built from the store when absent.",
)
@click.option("--rebuild", is_flag=True, help="Build the candidates again (after a retrieval change).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=TRAINED,
    show_default=True,
    help="Where the model goes (replaced whole, only when training completes).",
)
@click.option(
    "--train-years",
    default="2020,2021",
    show_default=True,
    help="Years the measured model trains on (VALID_YEAR must not be one).",
)
@click.option(
    "--valid-year",
    type=int,
    default=2022,
    show_default=True,
    help="Year the threshold is chosen on and the figures reported for.",
)
@click.option(
    "--ship-years",
    help="Years the shipped model trains on, by the same recipe, once the held-out figures are "
    "measured [default: --train-years, which ships the measured model].",
)
@click.option("--epochs", type=float, default=Recipe.epochs, show_default=True)
@click.option(
    "--negatives",
    type=int,
    default=Recipe.negatives,
    show_default=True,
    help="Negatives sampled per question.",
)
@click.option(
    "--hardest",
    type=click.IntRange(0),
    default=Recipe.hardest,
    show_default=True,
    help="Of the sampled negatives, how many are those the hand-set score ranks highest.",
)
@click.option(
    "--answerless/--no-answerless",
    default=Recipe.answerless,
    show_default=True,
    help="Also train on each positive with its gold answer replaced by 'it', as a negative.",
)
@click.option(
    "--loss",
    type=click.Choice(LOSSES),
    default=Recipe.loss,
    show_default=True,
    help="pointwise: binary cross-entropy per sentence (probabilities a threshold can be set on); "
    "listwise: LambdaLoss over each answerable question's candidates.",
)
@click.option("--max-steps", type=int, default=-1, help="Stop after N steps (a smoke run).")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions of each split.")
def main(
    dataset: Path,
    home: Path,
    cache: Path,
    rebuild: bool,
    out: Path,
    train_years: str,
    valid_year: int,
    ship_years: str | None,
    epochs: float,
    negatives: int,
    hardest: int,
    answerless: bool,
    loss: str,
    max_steps: int,
    limit: int | None,
) -> None:
    """Build labelled candidates, measure the recipe on VALID_YEAR, train the shipped model, export.

    The recipe is judged on a year it did not train on: a model trained on
    TRAIN_YEARS is read on VALID_YEAR (top 1, abstention precision / recall
    with bootstrap intervals, AUC). The shipped model is then trained by the
    same recipe and seed on SHIP_YEARS (unless they are TRAIN_YEARS), and the
    model card gives both.
    """
    measured_years, shipped_years = _years(train_years), _years(ship_years or train_years)
    if valid_year in measured_years:
        raise click.BadParameter(f"--valid-year {valid_year} is one of --train-years: it must be held out")
    questions = _questions(dataset, home, cache, rebuild)
    recipe = Recipe(
        epochs=epochs,
        negatives=negatives,
        hardest=hardest,
        answerless=answerless,
        loss=loss,
        max_steps=max_steps,
    )
    valid = [q for q in questions if q.year == valid_year][:limit]
    if not valid:
        raise click.ClickException(f"no questions for {valid_year} in {cache}")
    staging = out.with_name(out.name + ".new")
    measured = _train(questions, measured_years, recipe, limit, staging)
    probabilities, per_question_ms = _read(Reader(staging), valid)
    threshold = best_threshold(valid, probabilities)
    held_out = figures(valid, probabilities, threshold)
    click.echo(held_out.table(f"{valid_year} (held out)"))
    click.echo(
        f"  reader time per question    {per_question_ms:.0f} ms   trained in {measured.minutes:.1f} min"
    )
    shipped = measured
    if shipped_years != measured_years:
        shipped = _train(questions, shipped_years, recipe, limit, staging)
    card = model_card(recipe, held_out, measured, shipped, valid_year, per_question_ms)
    describe(staging, recipe, card, shipped.label)
    if out.exists():
        shutil.rmtree(out)
    staging.replace(out)
    click.echo(f"shipped: trained on {shipped.label} in {shipped.minutes:.1f} min, written to {out}")


def _years(text: str) -> set[int]:
    try:
        return {int(year) for year in text.split(",")}
    except ValueError:
        raise click.BadParameter(f"{text!r}: years separated by commas, e.g. 2020,2021") from None


def _train(
    questions: Sequence[Question], years: set[int], recipe: Recipe, limit: int | None, staging: Path
) -> Training:
    """Train on the questions of `years` and export the model to `staging` (replaced whole)."""
    chosen = [q for q in questions if q.year in years][:limit]
    if not chosen:
        raise click.ClickException(f"no questions for years {sorted(years)}")
    pairs = training_pairs(chosen, recipe)
    label = ",".join(str(year) for year in sorted(years))
    click.echo(f"training on {len(pairs)} pairs of {len(chosen)} questions ({label})", err=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        model = train(pairs, recipe, Path(work))
    minutes = (time.perf_counter() - started) / 60
    describe(export(model, staging), recipe, trained_on=label)
    return Training(label, len(pairs), minutes)


def _questions(dataset: Path, home: Path, cache: Path, rebuild: bool) -> list[Question]:
    if cache.exists() and not rebuild:
        return candidate_file.read(cache)
    corpus, questions = dataset / "corpus.jsonl", dataset / "questions.jsonl"
    if not corpus.exists() or not questions.exists():
        raise click.ClickException(
            f"no corpus.jsonl and questions.jsonl in {dataset} (see ../shared/README.md)"
        )
    from tqdm import tqdm

    from rag.assistant import Assistant

    # The candidates are what the answerer sees before any reader; the one being replaced may be absent.
    assistant = Assistant(Settings(home=home, reader=False))
    click.echo(f"ingesting {corpus} into {home}", err=True)
    click.echo(assistant.ingest([corpus]).summary(), err=True)
    cases = load_dataset(questions)
    built = candidate_file.build(assistant, cases, lambda items: tqdm(items, desc="candidates", unit="q"))
    candidate_file.write(built, cache)
    return candidate_file.read(cache)


def _read(reader: Reader, questions: Sequence[Question]) -> tuple[list[np.ndarray], float]:
    """The reader's probabilities for each question's candidates, and its mean time per question."""
    started = time.perf_counter()
    out = [reader.probabilities(q.question, [s.passage for s in q.sentences]) for q in questions]
    return out, (time.perf_counter() - started) * 1000 / max(len(questions), 1)


if __name__ == "__main__":
    sys.exit(main())
