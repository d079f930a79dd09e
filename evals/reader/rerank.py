"""Does the reader rank chunks better than retrieval's fusion? hit@5 on a held-out year, both ways.

`python -m evals.reader.rerank [--home .rag-dev] [--reader DIR] [--year 2022] [--fetch 20]`:
retrieval returns `--fetch` chunks; fusion keeps its first five, the reader
keeps the five whose best sentence it rates highest. A chunk is a hit when it
holds the question's evidence, as `rag eval` counts it.
"""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from evals.datasets import load_dataset
from evals.metrics import evidence_in
from rag.assistant import Assistant
from rag.components.answerer.extractive import reader_passage
from rag.components.reader import TRAINED, Reader
from rag.query.candidates import candidate_sentences
from rag.schema import RetrievedChunk
from rag.settings import Settings

DATASET = Path("../shared/datasets/realtimeqa-dev/questions.jsonl")


@click.command()
@click.option("--dataset", type=click.Path(exists=True, path_type=Path), default=DATASET, show_default=True)
@click.option("--home", type=click.Path(path_type=Path), default=Path(".rag-dev"), show_default=True)
@click.option("--reader", "folder", type=click.Path(path_type=Path), default=TRAINED, show_default=True)
@click.option("--year", type=int, default=2022, show_default=True, help="Questions of this year only.")
@click.option("--fetch", type=click.IntRange(6, 50), default=20, show_default=True)
def main(dataset: Path, home: Path, folder: Path, year: int, fetch: int) -> None:
    assistant = Assistant(Settings(home=home))
    reader = Reader(folder)
    cases = [c for c in load_dataset(dataset) if c.as_of and c.as_of.year == year and not c.unanswerable]
    fused = reranked = 0
    for case in tqdm(cases, desc="questions", unit="q"):
        chunks = assistant.retrieve(case.question, k=fetch, as_of=case.as_of).chunks
        candidates = candidate_sentences(chunks)
        probabilities = reader.probabilities(case.question, [reader_passage(c) for c in candidates])
        best: dict[str, float] = {}
        for candidate, p in zip(candidates, probabilities, strict=True):
            best[candidate.chunk.chunk_id] = max(best.get(candidate.chunk.chunk_id, 0.0), float(p))
        by_reader = sorted(chunks, key=lambda chunk: best.get(chunk.chunk_id, 0.0), reverse=True)
        fused += _hit(chunks[:5], case.evidence)
        reranked += _hit(by_reader[:5], case.evidence)
    click.echo(f"{year}, {len(cases)} answerable questions, top {fetch} retrieved:")
    click.echo(f"  hit@5 fusion   {fused / len(cases):.3f}")
    click.echo(f"  hit@5 reader   {reranked / len(cases):.3f}")


def _hit(chunks: list[RetrievedChunk], evidence: list[str]) -> bool:
    return any(evidence_in(chunk.text, chunk.article_id, evidence) for chunk in chunks)


if __name__ == "__main__":
    main()
