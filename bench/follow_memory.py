"""Resident memory of a serving process that follows other processes' ingests (embedded Chroma).

A store of `--size` synthetic chunks (bench.scale's, pool vectors) is built once;
then, for each variant in its own process, an `Assistant` asks a question, another
process runs `rag ingest` of 20 new articles twice, and after each the serving
process waits until it has reopened the store and two follow checks have passed
(still asking), then reads its resident memory. Variants: `stopped` (what ships:
the replaced client is stopped and the heap trimmed) and `kept` (the replaced
client left to the garbage collector, as before), same store, same run.

    .venv/bin/python -m bench.follow_memory [--size 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, print_table, rss_mb, write_json

QUESTION = "What did officials say about the harbour?"


def serve(home: Path, variant: str) -> dict[str, float | str]:
    from rag.assistant import Assistant
    from rag.components.vector_store.chroma import ChromaStore
    from rag.settings import Settings

    if variant == "kept":
        ChromaStore._stop_retired = lambda self: None
    assistant = Assistant(Settings(home=home, store_follow_seconds=1))
    assistant.ask(QUESTION)
    figures: dict[str, float | str] = {"variant": variant, "fresh_mb": rss_mb()}
    for round_ in (1, 2):
        folder = home.parent / f"new-{variant}-{round_}"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(20):
            (folder / f"a{n}.txt").write_text(
                f"Harbour report {variant} {round_} {n}\n\nOfficials in Port {variant}{round_}x{n} said the "
                f"harbour reopened after repairs that took {n + 3} weeks. Ferries resume on Monday.\n",
                encoding="utf-8",
            )
        subprocess.run(
            [sys.executable, "-m", "rag", "--home", str(home), "ingest", "-q", "--no-prune", str(folder)],
            check=True,
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "RAG_INGEST_NICENESS": "0"},
        )
        while assistant.store.seen_ingest() != assistant.store.last_ingest():
            assistant.ask(QUESTION)
            time.sleep(0.2)
        settle = time.monotonic() + 3
        while time.monotonic() < settle:
            assistant.ask(QUESTION)
            time.sleep(0.2)
        figures[f"after_ingest_{round_}_mb"] = rss_mb()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--worker", nargs=2, metavar=("HOME", "VARIANT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(serve(Path(options.worker[0]), options.worker[1])))
        return
    from bench.scale import build_hybrid

    home = Path(tempfile.mkdtemp(prefix="rag-bench-follow-")) / "hybrid"
    print(f"building {options.size} chunks…", flush=True)
    build_hybrid(options.size, 600, home)
    results = []
    for variant in ("stopped", "kept"):
        command = [sys.executable, "-m", "bench.follow_memory", "--worker", str(home), variant]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    print_table(
        f"Serving process following two ingests, {options.size} chunks, resident MB",
        ["replaced client", "fresh", "after 1st ingest", "after 2nd ingest"],
        [[r["variant"], r["fresh_mb"], r["after_ingest_1_mb"], r["after_ingest_2_mb"]] for r in results],
    )
    write_json("follow_memory", {"size": options.size, "variants": results})


if __name__ == "__main__":
    main()
