"""A fixed slice of realtimeqa-dev small enough for `make test`, chosen once and written down.

`python -m evals.dev_slice choose` picks the questions with a fixed seed and,
for each, the articles it needs: its evidence brief, and the web article a
lexical search for the question ranks first (the distractor on the same
topic that makes it hard; among articles up to MAX_WEB_CHARS long, to keep
the ingest small). Only the ids go into `evals/datasets/`; the data
stays in ../shared and `write_slice` copies the chosen records into a scratch
folder when a test runs (`python -m evals.dev_slice write DIR` does the same
and prints the two commands that ingest and score it).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SLICE_FILE = Path(__file__).parent / "datasets" / "realtimeqa-dev-slice.json"
SEED = 13
ANSWERABLE = 135
UNANSWERABLE = 15
WEB_PER_QUESTION = 1
# Distractors are drawn from the web articles up to this long (516 of 1,500, about 3 chunks each),
# so the slice ingests in well under a minute on 2 cores; the full dev run has them all.
MAX_WEB_CHARS = 4000


def choose(dataset: Path) -> dict[str, Any]:
    """The slice's question and article ids, the same on every machine for the same data."""
    import bm25s

    from rag.text.terms import STOPWORDS, stemmer

    questions = list(_records(dataset / "questions.jsonl"))
    corpus = list(_records(dataset / "corpus.jsonl"))
    rng = random.Random(SEED)
    answerable = sorted(q["id"] for q in questions if not q.get("unanswerable"))
    unanswerable = sorted(q["id"] for q in questions if q.get("unanswerable"))
    chosen = sorted(rng.sample(answerable, ANSWERABLE) + rng.sample(unanswerable, UNANSWERABLE))
    by_id = {q["id"]: q for q in questions}
    web = [r for r in corpus if r["id"].startswith("web-") and len(r["body"]) <= MAX_WEB_CHARS]

    def tokens(texts: list[str]) -> Any:
        return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False)

    index = bm25s.BM25()
    index.index(tokens([f"{r['title']}\n{r['body']}" for r in web]), show_progress=False)
    briefs = {record["id"] for record in corpus if record["id"].startswith("brief-")}
    articles: set[str] = set()
    for qid in chosen:
        brief = "brief-" + qid.partition("-")[2]
        if brief in briefs:
            articles.add(brief)
        found, _ = index.retrieve(tokens([by_id[qid]["question"]]), k=WEB_PER_QUESTION, show_progress=False)
        articles.update(web[int(i)]["id"] for i in found[0])
    return {
        "about": "realtimeqa-dev slice for `make test`; chosen by `python -m evals.dev_slice choose`",
        "seed": SEED,
        "questions": chosen,
        "articles": sorted(articles),
    }


def write_slice(dataset: Path, folder: Path, slice_file: Path = SLICE_FILE) -> tuple[Path, Path]:
    """The chosen corpus records and questions as two JSONL files in `folder`: (corpus, questions)."""
    wanted = json.loads(slice_file.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    corpus, questions = folder / "corpus.jsonl", folder / "questions.jsonl"
    _write(corpus, _records(dataset / "corpus.jsonl"), set(wanted["articles"]))
    _write(questions, _records(dataset / "questions.jsonl"), set(wanted["questions"]))
    return corpus, questions


def _write(path: Path, records: Iterator[dict[str, Any]], ids: set[str]) -> None:
    kept = [record for record in records if record["id"] in ids]
    missing = ids - {record["id"] for record in kept}
    if missing:
        raise ValueError(f"{len(missing)} chosen ids are not in the dataset (first: {sorted(missing)[0]})")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "action",
        choices=["choose", "write"],
        help="choose: pick the slice and write its ids to evals/datasets/; "
        "write: copy the chosen records into FOLDER as corpus.jsonl and questions.jsonl",
    )
    parser.add_argument("folder", nargs="?", type=Path, help="where `write` puts the two files")
    parser.add_argument(
        "--dataset", type=Path, default=Path("../shared/datasets/realtimeqa-dev"), help="the dev set folder"
    )
    args = parser.parse_args()
    if not (args.dataset / "corpus.jsonl").is_file():
        parser.error(f"{args.dataset}/corpus.jsonl not found: pass --dataset")
    if args.action == "write":
        if args.folder is None:
            parser.error("write needs a FOLDER")
        corpus, questions = write_slice(args.dataset, args.folder)
        print(
            f"rag --home {args.folder}/home ingest {corpus}\nrag --home {args.folder}/home eval {questions}"
        )
        return
    chosen = choose(args.dataset)
    SLICE_FILE.write_text(json.dumps(chosen, indent=1) + "\n", encoding="utf-8")
    print(f"{len(chosen['questions'])} questions, {len(chosen['articles'])} articles -> {SLICE_FILE}")


if __name__ == "__main__":
    main()
