"""How "latest" behaves on an archive that is behind the day asked, for a few settings at once.

The synthetic archive (`evals/datasets/latest-archive.jsonl`) holds seven
stories told over days, months or years, two changes of office holder, a
headline that is itself a question and a newest paper that mentions several
stories in passing; its newest article is two years before the day most
questions (`evals/datasets/latest.jsonl`) are asked, and each story is also
asked as of days in between. For each setting it prints:

- contains: the answer holds the expected answer;
- newest first: the first citation is the newest article that answers (the
  one holding the question's first evidence sentence);
- older as current: claims citing an article older than the first claim's
  without saying "Earlier, on ..." (must be 0);
- noted: latest answers asked two years on that say how old their newest article is.

    python -m evals.latest [--home DIR] [--dev-store STORE --dev-set DIR]

With `--dev-store` (a store holding realtimeqa-dev, as `make eval` leaves it
in .rag-dev) it also runs realtimeqa-dev's questions and prints its headline
figures for each setting: that "latest" over an old archive does not cost
anything on questions asked in the week of their news.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evals import metrics
from evals.datasets import EvalCase, load_dataset
from evals.run import run_eval
from rag.assistant import Assistant
from rag.query import latest
from rag.settings import Settings

DATASETS = Path(__file__).parent / "datasets"
ARCHIVE = DATASETS / "latest-archive.jsonl"
QUESTIONS = DATASETS / "latest.jsonl"
RECORDS = [json.loads(line) for line in ARCHIVE.read_text(encoding="utf-8").splitlines()]
# (recency_anchor_margin, LEAD_MARGIN): an anchor margin of None counts ages from the day asked, as before.
VARIANTS = [
    (None, 0.25),
    (None, 0.5),
    (None, 0.75),
    (0.05, 0.5),
    (0.1, 0.5),
    (0.15, 0.5),
    (0.2, 0.25),
    (0.2, 0.5),
    (0.2, 0.75),
    (0.3, 0.5),
]
DEV_ANCHORS = (None, 0.2)
DEV_FIGURES = (
    "contains_answer",
    "hit_rate@5",
    "citation_precision",
    "abstention_precision",
    "abstention_recall",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, help="store for the synthetic archive (default: a temporary one)"
    )
    parser.add_argument("--dev-store", type=Path, help="a store holding realtimeqa-dev")
    parser.add_argument("--dev-set", type=Path, default=Path("../shared/datasets/realtimeqa-dev"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        Assistant(Settings(home=home)).ingest([ARCHIVE])
        cases = load_dataset(QUESTIONS)
        print(f"synthetic archive, {len(cases)} questions")
        print(row("anchor", "lead", "contains", "newest first", "older as current", "noted"))
        for anchor, margin in VARIANTS:
            settings = Settings(home=home, recency_anchor_margin=anchor)
            with lead_margin(margin):
                figures = synthetic(Assistant(settings), cases)
            print(row(anchor, margin, *figures))
    if args.dev_store:
        dev = load_dataset(args.dev_set / "questions.jsonl")
        print(f"\nrealtimeqa-dev, {len(dev)} questions")
        print(row("anchor", *DEV_FIGURES))
        for anchor in DEV_ANCHORS:
            assistant = Assistant(Settings(home=args.dev_store, recency_anchor_margin=anchor))
            _, summary = run_eval(assistant, dev, args.dev_set / "questions.jsonl")
            print(row(anchor, *(f"{summary['metrics'][name]:.3f}" for name in DEV_FIGURES)))


def row(*cells: object) -> str:
    return " ".join(f"{cell!s:>{max(10, len(str(cell)))}}" for cell in cells)


@contextmanager
def lead_margin(value: float) -> Iterator[None]:
    """`latest.LEAD_MARGIN` set to `value` for the duration (a measurement knob, not a setting)."""
    saved = latest.LEAD_MARGIN
    latest.LEAD_MARGIN = value
    try:
        yield
    finally:
        latest.LEAD_MARGIN = saved


def expected(case: EvalCase) -> str:
    """The key of the archive article holding the case's first evidence sentence (the newest that answers)."""
    return next(record["id"] for record in RECORDS if case.evidence[0] in record["body"])


def synthetic(assistant: Assistant, cases: list[EvalCase]) -> tuple[str, str, int, str]:
    contains = newest = older = noted = late = 0
    for case in cases:
        answer = assistant.ask(case.question, as_of=case.as_of)
        contains += bool(metrics.contains_answer(answer.text, case.answers)) and not answer.abstained
        newest += bool(answer.citations) and answer.citations[0].article_id.endswith(f"#{expected(case)}")
        first = answer.citations[0].published if answer.citations else None
        for claim in answer.claims[1:]:
            cited = answer.citations[claim.citations[0]].published
            older += bool(
                first and cited and cited[:10] < first[:10] and not claim.text.startswith("Earlier")
            )
        if case.as_of and case.as_of.year == 2026 and answer.timeframe and answer.timeframe.latest:
            late += 1
            noted += any(note.startswith("The newest article on this") for note in answer.notes)
    total = len(cases)
    return f"{contains}/{total}", f"{newest}/{total}", older, f"{noted}/{late}"


if __name__ == "__main__":
    main()
