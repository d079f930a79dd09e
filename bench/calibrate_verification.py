"""Measure the support threshold of citation verification instead of guessing it.

Scores every claim of a labelled set (default: evals/datasets/support.jsonl,
model-style sentences about the seed article, some true to it and some
invented) against the seed article's sentences, the way `rag.query.verify` scores an
LLM's sentences, and prints both groups side by side with the threshold that
separates them best.

    .venv/bin/python -m bench.calibrate_verification [DATASET]
"""

from __future__ import annotations

import json
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

from bench.common import ROOT, SEED_ARTICLE
from rag.components.embedding import build_embedder
from rag.ingest.loaders import load_file
from rag.query.verify import PromptSource, Verifier
from rag.schema import RetrievedChunk
from rag.settings import Settings


def main() -> None:
    current_threshold = Settings().verify_threshold
    dataset = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "evals" / "datasets" / "support.jsonl"
    labelled = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    [article] = load_file(SEED_ARTICLE, "seed")
    whole = RetrievedChunk(
        chunk_id="seed",
        article_id="seed",
        title=article.title,
        text=article.text,
        score=1.0,
        start=0,
        end=len(article.text),
    )
    with tempfile.TemporaryDirectory() as home:
        verifier = Verifier(build_embedder(Settings(home=Path(home))), threshold=-1.0)
        scored = [
            (verifier.best_support(item["claim"], [PromptSource(1, [whole])], item["question"]), item)
            for item in labelled
        ]
    points = sorted((match[2] if match else 0.0, item["supported"], item["claim"]) for match, item in scored)
    for title, wanted in (("supported (lowest first)", True), ("invented (highest first)", False)):
        rows = [point for point in points if point[1] is wanted]
        print(f"{title:<92}{'score':>7}")
        for score, _, claim in rows if wanted else reversed(rows):
            print(f"  {claim[:88]:<90}{score:>7.3f}")
    best = max(
        ((sum((score >= t) == label for score, label, _ in points) / len(points), t) for t in _cuts(points)),
        key=lambda pair: (pair[0], -abs(pair[1] - current_threshold)),
    )
    print(f"\nbest threshold {best[1]:.3f} classifies {best[0]:.0%} of {len(points)} claims correctly")
    current = sum((score >= current_threshold) == label for score, label, _ in points) / len(points)
    print(f"current RAG_VERIFY_THRESHOLD {current_threshold}: {current:.0%} correct")


def _cuts(points: list[tuple[float, bool, str]]) -> list[float]:
    """Midpoints between neighbouring scores: the only thresholds that differ."""
    scores = [score for score, _, _ in points]
    return [(low + high) / 2 for low, high in pairwise(scores)]


if __name__ == "__main__":
    main()
