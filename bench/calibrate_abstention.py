"""Measure the abstention threshold instead of guessing it.

Asks every question of a Q&A set (default: the seed set over the shipped
corpus; or any set over an existing store with --home) as of its own date,
with abstention off, and prints the evidence scores of answerable and
unanswerable questions side by side, then a sweep of thresholds with the
abstention precision and recall each would give. A good threshold sits where
both are high; the closing line names the one with the best F1.

    python -m bench.calibrate_abstention [DATASET] [--home RAG_HOME]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from evals.datasets import load_dataset
from rag.assistant import Assistant
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    seed = ROOT / "evals" / "datasets" / "seed.jsonl"
    parser.add_argument("dataset", nargs="?", type=Path, default=seed)
    parser.add_argument("--home", type=Path, help="An ingested store to ask (default: the seed corpus).")
    args = parser.parse_args()
    cases = load_dataset(args.dataset)
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        assistant = Assistant(Settings(home=home, abstain_threshold=-1.0))
        if args.home is None:
            assistant.ingest([ROOT / "corpus"])
        scored = [
            (case, assistant.ask(case.question, case.history, as_of=case.as_of).evidence_score or 0.0)
            for case in cases
        ]
    answerable = np.array([score for case, score in scored if not case.unanswerable])
    unanswerable = np.array([score for case, score in scored if case.unanswerable])
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable questions")
    for name, scores in (("answerable", answerable), ("unanswerable", unanswerable)):
        if len(scores):
            quartiles = np.percentile(scores, [10, 25, 50, 75, 90])
            print(f"  {name:<13} p10/25/50/75/90: " + " ".join(f"{q:.3f}" for q in quartiles))
    if not len(unanswerable) or not len(answerable):
        return
    print(f"\n{'threshold':>9} {'abst. prec.':>12} {'abst. recall':>13} {'answerable kept':>16} {'F1':>6}")
    best = (0.0, 0.0)
    for threshold in np.arange(0.10, 0.75, 0.02):
        right = int((unanswerable < threshold).sum())
        wrong = int((answerable < threshold).sum())
        precision = right / (right + wrong) if right + wrong else 0.0
        recall = right / len(unanswerable)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        kept = 1 - wrong / len(answerable)
        print(f"{threshold:>9.2f} {precision:>12.3f} {recall:>13.3f} {kept:>16.3f} {f1:>6.3f}")
        best = max(best, (f1, float(threshold)))
    print(f"\nhighest unanswerable {unanswerable.max():.3f}, lowest answerable {answerable.min():.3f}")
    print(f"best F1 {best[0]:.3f} at {best[1]:.2f}", end="; ")
    print(f"current RAG_ABSTAIN_THRESHOLD: {Settings().abstain_threshold}")


if __name__ == "__main__":
    main()
