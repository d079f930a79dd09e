"""Cold start: `rag --help` and a whole `rag ask` process, next to the torch backend in the same run.

Targets: `rag --help` < 1 s (no heavy import at import time); `rag ask` end
to end < 4 s. The baseline is the same command with RAG_EMBEDDING_BACKEND=torch,
which loads sentence-transformers and torch as a tutorial would.

    .venv/bin/python -m bench.coldstart [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, print_table, write_json

QUESTION = "why did Putin move talks from Astana?"


def timed_runs(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    rag = str(Path(sys.executable).parent / "rag")
    home = Path(tempfile.mkdtemp(prefix="rag-bench-cold-"))
    env = {**os.environ, "RAG_HOME": str(home)}
    subprocess.run([rag, "ingest", "-q", "corpus"], check=True, cwd=ROOT, env=env)
    torch_env = {**env, "RAG_EMBEDDING_BACKEND": "torch"}
    rows = {
        "rag --help": timed_runs([rag, "--help"], options.runs, env),
        "rag ask (onnx, default)": timed_runs([rag, "ask", QUESTION], options.runs, env),
        "rag ask (torch, baseline)": timed_runs([rag, "ask", QUESTION], options.runs, torch_env),
    }
    print_table(
        f"Cold start, seconds over {options.runs} runs (shipped corpus)",
        ["command", "median s", "min s", "max s", "target"],
        [
            [name, statistics.median(values), min(values), max(values), target]
            for (name, values), target in zip(rows.items(), ["< 1", "< 4", "-"], strict=True)
        ],
    )
    write_json("coldstart", {name: values for name, values in rows.items()})


if __name__ == "__main__":
    main()
