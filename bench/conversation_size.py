"""How much a kept web-chat conversation weighs: each answer as kept beside the whole `Answer`.

The chat keeps every answer of a conversation (the sources panel, the event
view and the thumbs need it), in the browser's storage (a few MB per site) or
in a user's file on the server. `ui.conversations.slim` keeps only the cited
chunks of `retrieved`; this prints the mean size per answer both ways over the
questions of a Q&A set (default: the seed set over the shipped corpus; or any
set over an existing store with --home), each asked as of its own day.

    python -m bench.conversation_size [DATASET] [--home RAG_HOME] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from evals.datasets import load_dataset
from rag.assistant import Assistant
from rag.settings import Settings
from ui.conversations import slim

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=ROOT / "evals" / "datasets" / "seed.jsonl")
    parser.add_argument("--home", type=Path, help="An ingested store to ask (default: the seed corpus).")
    parser.add_argument("--limit", type=int, default=50, help="Questions asked [50].")
    args = parser.parse_args()
    cases = load_dataset(args.dataset)[: args.limit]
    with tempfile.TemporaryDirectory() as scratch:
        assistant = Assistant(Settings(home=args.home or Path(scratch)))
        if args.home is None:
            assistant.ingest([ROOT / "corpus"])
        whole = kept = 0
        for case in cases:
            answer = assistant.ask(case.question, case.history, as_of=case.as_of).model_dump(mode="json")
            whole += len(json.dumps(answer))
            kept += len(json.dumps(slim(answer)))
    whole_mean, kept_mean = whole / max(len(cases), 1), kept / max(len(cases), 1)
    print(
        f"{len(cases)} answers, mean bytes per answer: whole Answer {whole_mean:,.0f}, kept {kept_mean:,.0f}"
    )
    print(f"a conversation of 10 answers: {whole_mean / 100:,.0f} kB whole, {kept_mean / 100:,.0f} kB kept")


if __name__ == "__main__":
    main()
