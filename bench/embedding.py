"""The embedding backends side by side: speed, agreement with torch, and answer quality on the seed set.

For torch (the baseline), onnx and onnx-int8: chunks/s on the same chunks of
synthetic news, mean and minimum cosine to the torch vectors, and the seed
evaluation (retrieval hit@5, MRR@10, answers containing the gold answer) over
the shipped corpus. The int8 backend should keep retrieval quality unchanged.

    .venv/bin/python -m bench.embedding [--chunks 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, print_table, write_corpus, write_json

BACKENDS = ["torch", "onnx", "onnx-int8"]


def main() -> None:
    from evals.datasets import load_dataset
    from evals.run import run_eval
    from rag.assistant import Assistant
    from rag.ingest.chunking import chunk_article
    from rag.ingest.loaders import load_file
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=200)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-embedding-"))
    dataset = ROOT / "evals" / "datasets" / "seed.jsonl"
    cases = load_dataset(dataset)
    assistants = {name: Assistant(Settings(home=scratch / name, embedding_backend=name)) for name in BACKENDS}
    counter = assistants["onnx"].embedder.count_tokens
    texts = []
    for path in write_corpus(scratch / "corpus", options.chunks // 3 + 1):
        for article in load_file(path, path.name):
            texts += [f"{article.title}\n{chunk.text}" for chunk in chunk_article(article, counter, 200, 40)]
    texts = texts[: options.chunks]

    rows, results, reference = [], {}, None
    for name, assistant in assistants.items():
        model = assistant.embedder.inner
        model.embed(["warm up"])
        started = time.perf_counter()
        vectors = model.embed(texts)
        speed = len(texts) / (time.perf_counter() - started)
        reference = vectors if reference is None else reference
        cosines = np.sum(vectors * reference, axis=1)
        assistant.ingest([ROOT / "corpus"])
        _, summary = run_eval(assistant, cases, dataset)
        quality = summary["metrics"]
        results[name] = {
            "chunks_per_s": speed,
            "cosine_to_torch_mean": float(cosines.mean()),
            "cosine_to_torch_min": float(cosines.min()),
            "hit_rate@5": quality["hit_rate@5"],
            "mrr@10": quality["mrr@10"],
            "contains_answer": quality["contains_answer"],
            "accuracy": quality["accuracy"],
        }
        r = results[name]
        rows.append(
            [
                name,
                speed,
                speed / results["torch"]["chunks_per_s"],
                r["cosine_to_torch_mean"],
                r["cosine_to_torch_min"],
                r["hit_rate@5"],
                r["mrr@10"],
                r["contains_answer"],
                r["accuracy"],
            ]
        )
    print_table(
        f"Embedding backends: {len(texts)} chunks of synthetic news; seed set of {len(cases)} questions",
        [
            "backend",
            "chunks/s",
            "x torch",
            "cos mean",
            "cos min",
            "hit@5",
            "MRR@10",
            "contains answer",
            "accuracy",
        ],
        rows,
    )
    write_json("embedding", results)


if __name__ == "__main__":
    main()
