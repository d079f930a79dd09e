"""Ingest throughput: the whole pipeline next to the raw encoder on the very same chunks.

For each embedding backend, a fresh process ingests N synthetic articles into an
empty store (load, clean, chunk, embed with the sentences' vectors, write), then
encodes the stored chunk texts again with the bare model (no cache, no store, no
sentences) and re-ingests the unchanged corpus. Targets: pipeline >= 0.9x the raw
encoder's chunks/s; re-ingest < 5% of the first ingest's time.

When ../shared/datasets/realtimeqa-dev holds the real news corpus, its first
`--dev-articles` articles are ingested too (onnx backend), in the same table.

    .venv/bin/python -m bench.ingest [--articles 300] [--dev-articles 300] [--backends onnx onnx-int8 torch]

The ingest embeds as the settings say: the default reads each chunk whole, then
its sentences; `RAG_INGEST_ENCODING=segments` reads each token once (the workers
inherit the environment).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, peak_rss_mb, print_table, seed_sentences, write_corpus, write_json

DEV_CORPUS = ROOT.parent / "shared" / "datasets" / "realtimeqa-dev" / "corpus.jsonl"


def worker(backend: str, corpus: Path, home: Path) -> dict[str, float]:
    """One backend, measured in this process (so peak memory is its own)."""
    from rag.assistant import Assistant
    from rag.ingest.pipeline import _embedding_text
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home, embedding_backend=backend))
    model = assistant.embedder.inner
    # Warm up on full-size batches, so neither side pays for loading or for onnxruntime growing its arena.
    sentences = seed_sentences()
    model.embed([" ".join(sentences[(i + j) % len(sentences)] for j in range(8)) for i in range(64)])
    started = time.perf_counter()
    report = assistant.ingest([corpus])
    pipeline = time.perf_counter() - started
    texts = [_embedding_text(chunk) for chunk in assistant.store.iter_all()]
    started = time.perf_counter()
    model.embed(texts)
    raw = time.perf_counter() - started
    started = time.perf_counter()
    again = assistant.ingest([corpus])
    reingest = time.perf_counter() - started
    assert again.chunks_embedded == 0 and again.unchanged == report.added
    return {
        "chunks": report.chunks_written,
        "pipeline_s": pipeline,
        "pipeline_chunks_per_s": report.chunks_written / pipeline,
        "raw_chunks_per_s": len(texts) / raw,
        "ratio": (report.chunks_written / pipeline) / (len(texts) / raw),
        "reingest_s": reingest,
        "reingest_share": reingest / pipeline,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--dev-articles", type=int, default=300, help="0: no real news corpus")
    parser.add_argument("--backends", nargs="+", default=["onnx", "onnx-int8", "torch"])
    parser.add_argument("--worker", nargs=3, metavar=("BACKEND", "CORPUS", "HOME"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        backend, corpus, home = options.worker
        print(json.dumps(worker(backend, Path(corpus), Path(home))))
        return

    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-ingest-"))
    corpus = scratch / "corpus"
    write_corpus(corpus, options.articles)
    runs = [(f"{backend}, synthetic", backend, corpus) for backend in options.backends]
    if options.dev_articles and DEV_CORPUS.is_file():
        dev = scratch / "dev" / "corpus.jsonl"
        dev.parent.mkdir()
        records = DEV_CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)
        # Spread over the file (briefs first, web articles after), so both kinds are in the sample.
        step = max(1, len(records) // options.dev_articles)
        dev.write_text("".join(records[::step][: options.dev_articles]), encoding="utf-8")
        runs.append((f"onnx, realtimeqa-dev {options.dev_articles} articles", "onnx", dev.parent))
    elif options.dev_articles:
        print(f"no {DEV_CORPUS}: synthetic articles only")
    results = {}
    for label, backend, folder in runs:
        print(f"ingesting {folder} with the {backend} backend…", flush=True)
        home = scratch / label.replace(" ", "-").replace("/", "_")
        command = [sys.executable, "-m", "bench.ingest", "--worker", backend, str(folder), str(home)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[label] = json.loads(output.strip().splitlines()[-1])
    print_table(
        f"Ingest of {options.articles} synthetic articles and real news, 2 CPU cores",
        [
            "backend, corpus",
            "chunks",
            "pipeline chunks/s",
            "raw encoder chunks/s",
            "ratio (target >= 0.9)",
            "re-ingest s",
            "re-ingest / first (target < 0.05)",
            "peak RSS MB",
        ],
        [
            [
                name,
                r["chunks"],
                r["pipeline_chunks_per_s"],
                r["raw_chunks_per_s"],
                r["ratio"],
                r["reingest_s"],
                r["reingest_share"],
                r["peak_rss_mb"],
            ]
            for name, r in results.items()
        ],
    )
    write_json(
        "ingest", {"articles": options.articles, "dev_articles": options.dev_articles, "backends": results}
    )


if __name__ == "__main__":
    main()
