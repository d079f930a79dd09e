"""`rag eval`: score the assistant on a Q&A file, or compare two runs."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rag.cli import answerer_option, friendly_errors, load_settings, reader_option

if TYPE_CHECKING:
    from rag.settings import Settings


@click.command()
@click.argument("dataset", required=False, type=click.Path(path_type=Path))
@click.option("-k", "top_k", type=click.IntRange(1, 50), help="Chunks to retrieve [RAG_TOP_K; 5].")
@click.option("--out", type=click.Path(path_type=Path), help="Run folder [RAG_EVAL_RUNS_DIR/<timestamp>].")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions.")
@answerer_option
@reader_option
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="RUN_A RUN_B",
    help="Compare two run folders instead of running.",
)
@click.pass_context
@friendly_errors
def command(
    ctx: click.Context,
    dataset: Path | None,
    top_k: int | None,
    out: Path | None,
    limit: int | None,
    answerer: str | None,
    reader: bool | None,
    compare: tuple[Path, Path] | None,
) -> None:
    """Score the assistant on DATASET and write results, summary and an HTML report.

    DATASET is this project's JSONL ({"id", "question", "answers", "evidence",
    "unanswerable", "history"}, or a conversation {"id", "as_of", "turns": [{"question",
    "answers", "standalone"}, ...]}), RAGAS-style JSONL (question, ground_truth or
    reference, contexts) or CSV with those columns.

    The summary breaks the wrong answers down by kind (not retrieved, retrieved
    but answered wrong, wrongly abstained, answered when unanswerable) with
    examples, and gives metrics per quiz outlet and year for realtimeqa ids;
    --compare shows the deltas of both. Conversations are replayed turn by turn
    with the assistant's own answers as history; the follow-ups are reported
    beside the same questions asked standalone.

    \b
    Examples:
      rag eval evals/datasets/seed.jsonl
      rag eval evals/datasets/seed.jsonl -k 8 --out evals/runs/k8
      rag eval evals/datasets/seed.jsonl --no-reader --out evals/runs/hand-set
      rag eval evals/datasets/seed.jsonl --answerer llamacpp --out evals/runs/smollm2
      rag eval --compare evals/runs/A evals/runs/B
    """
    from evals.compare import compare_runs, format_comparison

    if compare:
        click.echo(format_comparison(compare_runs(*compare)))
        return
    if dataset is None:
        raise click.UsageError("give a DATASET to run, or --compare RUN_A RUN_B")
    _run(load_settings(ctx, top_k=top_k, answerer=answerer, reader=reader), dataset, out, limit)


def _run(settings: Settings, dataset: Path, out: Path | None, limit: int | None) -> None:
    from tqdm import tqdm

    from evals.breakdown import format_breakdown
    from evals.conversations import format_conversations
    from evals.datasets import DatasetError, load_dataset
    from evals.report import headline_rows, render_report
    from evals.run import run_eval, write_run
    from rag.assistant import Assistant

    try:
        cases = load_dataset(dataset)[:limit]
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    folder = out or settings.eval_runs_dir / datetime.now().strftime("%Y%m%d-%H%M%S")
    assistant = Assistant(settings)
    if assistant.health().chunks == 0:
        raise click.ClickException("the store is empty: run `rag ingest` first")
    results, summary = run_eval(
        assistant, cases, dataset, progress=lambda items: tqdm(items, desc="eval", unit="q", file=sys.stderr)
    )
    write_run(folder, results, summary)
    (folder / "report.html").write_text(render_report(results, summary), encoding="utf-8")
    for name, mean, interval in headline_rows(summary):
        click.echo(f"{name:<24}{mean:>8}  {interval}")
    click.echo("\n" + format_breakdown(results))
    table = format_conversations(summary.get("conversations"))
    if table:
        click.echo("\n" + table)
    click.echo(f"\n{len(results)} questions; results, summary and report.html in {folder}")
