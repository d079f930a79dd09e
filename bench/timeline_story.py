"""Timelines before and after story focus, over one store, side by side.

BEFORE is a checkout of the code to compare with (e.g. `git archive b9beeb5 | tar -x -C /tmp/base`);
after is this tree. Each question is asked with `rag timeline --json --as-of 2022-12-31`.

    python -m bench.timeline_story BEFORE HOME QUESTION...
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)


def main() -> None:
    before, home, *questions = sys.argv[1:]
    for question in questions:
        for name, code in (("before", before), ("after", ROOT)):
            show(name, question, timeline(code, home, question))


def timeline(code: str, home: str, question: str) -> dict:
    env = {**os.environ, "PYTHONPATH": code, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag", "--home", home, "timeline", "--json", "--as-of", "2022-12-31"]
    done = subprocess.run([*command, question], capture_output=True, text=True, env=env, cwd=code, check=True)
    return json.loads(done.stdout)


def show(name: str, question: str, answer: dict) -> None:
    more = answer.get("more", [])
    print(f"== {name}: {question!r}: {len(answer['claims'])} lines shown, {len(more)} behind more")
    for claim in answer["claims"]:
        print("   ", claim["text"][:150])
    for claim in more:
        print("  +", claim["text"][:150])


if __name__ == "__main__":
    main()
