"""Measure the abstention threshold instead of guessing it.

Asks every question of a Q&A set (default: the seed set) over the shipped
corpus and prints the best evidence score of answerable and unanswerable
questions side by side. A good threshold sits in the gap between the highest
unanswerable score and the lowest answerable one.

    python bench/calibrate_abstention.py [DATASET]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from evals.datasets import load_dataset
from rag.assistant import Assistant
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    dataset = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "evals" / "datasets" / "seed.jsonl"
    cases = load_dataset(dataset)
    with tempfile.TemporaryDirectory() as home:
        assistant = Assistant(Settings(home=Path(home), abstain_threshold=0.0))
        assistant.ingest([ROOT / "corpus"])
        scored = [(case, assistant.ask(case.question, case.history).evidence_score or 0.0) for case in cases]
    answerable = sorted((score, case.question) for case, score in scored if not case.unanswerable)
    unanswerable = sorted(((s, case.question) for case, s in scored if case.unanswerable), reverse=True)
    print(f"{'answerable (lowest first)':<70}{'score':>7}")
    for score, question in answerable[:8]:
        print(f"  {question[:66]:<68}{score:>7.3f}")
    print(f"{'unanswerable (highest first)':<70}{'score':>7}")
    for score, question in unanswerable[:8]:
        print(f"  {question[:66]:<68}{score:>7.3f}")
    low, high = unanswerable[0][0], answerable[0][0]
    print(f"\nhighest unanswerable {low:.3f}, lowest answerable {high:.3f}", end="")
    print(f": threshold midpoint {(low + high) / 2:.3f}" if high > low else ": the sets overlap")
    print(f"current RAG_ABSTAIN_THRESHOLD: {Settings().abstain_threshold}")


if __name__ == "__main__":
    main()
