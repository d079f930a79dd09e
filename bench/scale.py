"""A news archive at scale: the shared tantivy index against the in-memory bm25s index it replaced.

The store is synthetic but real-looking: each chunk is six sentences drawn
from the real dev news corpus (../shared/datasets/realtimeqa-dev) under a
real title, plus one made-up place name of its own so no two chunks are the
same. The timed questions are that dataset's real questions.

- lexical: for each size, tantivy is built once on disk, as ingest steps
  build it; then, each in a fresh process, tantivy is opened and queried (what
  a serving process does now) and bm25s is built from the same chunks and
  queried (what every serving process did after each ingest: the same-run
  baseline); SQLite FTS5, the other candidate, up to --fts5-max. Reported:
  build or open time, query p50/p95, resident memory, size on disk.
- hybrid (sizes up to --hybrid-max): the same chunks in Chroma as well.
  Vectors: the real model's for --pool chunks, each other chunk a pool
  vector plus noise (embedding a million chunks would take days here; query
  time does not depend on how the stored vectors were made). Reported:
  `Assistant` retrieval and extractive `ask` p50/p95, resident memory, cold
  start to a first answer. `ask` is timed twice: first with the sentences of
  the retrieved chunks not yet embedded (what a store written before ingests
  embedded them costs), then again, as after an ingest, which embeds the
  quotable sentences of every chunk it writes (recombined sentences make
  hundreds of thousands of distinct spans at 1M chunks: hours to embed here,
  so only those the timed questions reach are).
- windows (each hybrid size): dense search inside a day, a week, a month, a
  year, everything before the last year and a follow-up's focus (three
  articles, two events), as a question runs it (`rag.query.dense`: the
  window from tantivy, the focus by chunk id) beside Chroma's metadata
  filter (the baseline), same process, same questions; and how many of the
  filter's candidates it finds. For the focus, BM25 too: its top 50 among
  the focus's chunk ids against the whole archive's top 50 kept to the
  focus. Chunks carry a publication day, the newest on the day the store
  is built, spread evenly over three years, and one of eight outlets.
- freshness (at the largest hybrid size): a serving process answers a
  question in a loop while another process ingests --fresh new articles
  with the real model; reported: seconds from the ingest's end until the
  serving process retrieves a new article, and the slowest question meanwhile.

    .venv/bin/python -m bench.scale [--sizes 100000 1000000] [--hybrid-max 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from rag.query.filters import Filters
    from rag.settings import Settings

from bench.common import (
    ROOT,
    latency_memory_axes,
    percentile_ms,
    place_name,
    print_table,
    rss_mb,
    save_figure,
    timing_figures,
    write_json,
)

DEV = ROOT.parent / "shared" / "datasets" / "realtimeqa-dev"
SENTENCES_PER_CHUNK = 6
TIMED_QUESTIONS = 100
# The synthetic archive's span and outlets: chunk n is published n % ARCHIVE_DAYS days before the build.
ARCHIVE_DAYS = 3 * 365
OUTLETS = tuple(f"Outlet {letter}" for letter in "ABCDEFGH")
WINDOW_QUESTIONS = 20
WARM_UP = 5


def dev_corpus() -> list[dict[str, str]]:
    if not (DEV / "corpus.jsonl").exists():
        sys.exit(f"bench.scale needs the dev news corpus at {DEV}")
    lines = (DEV / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def dev_questions() -> list[str]:
    lines = (DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def synthetic_chunks(count: int, seed: int = 7) -> Iterator[tuple[str, str, str]]:
    """(id, title, text) of `count` chunks recombined from the dev corpus's sentences."""
    from rag.text.sentences import split_sentences

    records = dev_corpus()
    titles = [record["title"] for record in records]
    pool = [
        span.text
        for record in records
        for span in split_sentences(record["body"])
        if len(span.text.split()) >= 6
    ]
    rng = random.Random(seed)
    for number in range(count):
        place = place_name(rng)
        text = " ".join(rng.sample(pool, SENTENCES_PER_CHUNK)) + f" Reported from {place}."
        yield f"synthetic-{number}::0::0", rng.choice(titles), text


def timed(function: Callable[[str], object], questions: list[str]) -> list[float]:
    for question in questions[-WARM_UP:]:
        function(question)
    seconds = []
    for question in questions[:TIMED_QUESTIONS]:
        started = time.perf_counter()
        function(question)
        seconds.append(time.perf_counter() - started)
    return seconds


# lexical: the chosen engine (FTS5) and the replaced one (bm25s), same chunks


def build_tantivy(size: int, home: Path) -> dict[str, float]:
    """The chosen index, built as ingest steps build it, then one more step of 1,000 new chunks."""
    from rag.components.lexical_store import LexicalRow, LexicalStore

    started = time.perf_counter()
    store = LexicalStore(home / "lexical")
    batch: list[LexicalRow] = []
    for id_, title, text in synthetic_chunks(size):
        batch.append(LexicalRow(id_, f"{title}\n{text}"))
        if len(batch) == 50_000:
            store.upsert(batch)
            batch = []
    store.upsert(batch)
    seconds = time.perf_counter() - started
    fresh = [LexicalRow(f"fresh-{id_}", text) for id_, _, text in synthetic_chunks(1000, seed=99)]
    started = time.perf_counter()
    store.upsert(fresh)
    return {
        "chunks": size,
        "tantivy_build_s": seconds,
        "tantivy_add_1000_s": time.perf_counter() - started,
        "tantivy_disk_mb": sum(path.stat().st_size for path in (home / "lexical").iterdir()) / 2**20,
    }


def query_tantivy(home: Path) -> dict[str, float]:
    from rag.components.lexical_store import LexicalStore

    before = rss_mb()
    started = time.perf_counter()
    store = LexicalStore(home / "lexical")
    opened = time.perf_counter() - started
    seconds = timed(lambda question: store.search(question, 30), dev_questions())
    return {"tantivy_open_s": opened, **timing_figures("tantivy", seconds, before)}


def fts5(size: int, home: Path) -> dict[str, float]:
    """The other candidate: SQLite FTS5 over the same terms, ranked by its bm25(); built and queried here."""
    import sqlite3

    from rag.components.lexical_store import index_terms

    db = sqlite3.connect(home / "fts5.sqlite")
    db.execute("CREATE VIRTUAL TABLE chunk USING fts5(id UNINDEXED, terms)")
    started = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO chunk VALUES (?, ?)",
            ((id_, " ".join(index_terms(f"{title}\n{text}"))) for id_, title, text in synthetic_chunks(size)),
        )
    built = time.perf_counter() - started

    def search(question: str) -> None:
        terms = sorted(set(index_terms(question)))
        if terms:
            match = " OR ".join(f'"{term}"' for term in terms)
            db.execute("SELECT id FROM chunk WHERE chunk MATCH ? ORDER BY rank LIMIT 30", (match,)).fetchall()

    seconds = timed(search, dev_questions())
    return {
        "fts5_build_s": built,
        "fts5_p50_ms": percentile_ms(seconds, 50),
        "fts5_p95_ms": percentile_ms(seconds, 95),
    }


def query_bm25s(size: int) -> dict[str, float]:
    """What each serving process did after every ingest: read all chunks, build bm25s, then query."""
    import bm25s

    from rag.text.terms import STOPWORDS, stemmer

    before = rss_mb()
    started = time.perf_counter()
    ids, texts = [], []
    for id_, title, text in synthetic_chunks(size):
        ids.append(id_)
        texts.append(f"{title}\n{text}")
    tokens = bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False)
    del texts
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    built = time.perf_counter() - started

    def search(question: str) -> None:
        query = bm25s.tokenize([question], stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False)
        if query.vocab:
            index.retrieve(query, k=30, show_progress=False, n_threads=0)

    seconds = timed(search, dev_questions())
    return {"bm25s_build_s": built, **timing_figures("bm25s", seconds, before)}


# hybrid: the same chunks in Chroma too, queried through `Assistant`


def build_hybrid(size: int, pool: int, home: Path) -> dict[str, float]:
    from bench.query import vectors_for
    from rag.assistant import Assistant
    from rag.components.vector_store import StoredChunk
    from rag.ingest.pipeline import lexical_row
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home))
    chunks = list(synthetic_chunks(size))
    vectors = vectors_for(
        [(title, text) for _, title, text in chunks], min(pool, size), assistant.embedder.inner.embed
    )
    end = date.today()
    (home / "newest-day").write_text(end.isoformat())
    started = time.perf_counter()
    for start in range(0, size, 20_000):
        records = [
            StoredChunk(
                id=id_,
                text=text,
                metadata={
                    "article_id": id_.split("::")[0],
                    "article_hash": "0",
                    "chunk_index": 0,
                    "n_chunks": 1,
                    "title": title,
                    "path": "",
                    "start": 0,
                    "end": len(text),
                    "embedding": "bench",
                    "event_id": id_.split("::")[0],
                    **dated(number, end),
                },
            )
            for number, (id_, title, text) in enumerate(chunks[start : start + 20_000], start=start)
        ]
        assistant.store.upsert(records, vectors[start : start + 20_000])
        assistant.lexical.upsert(lexical_row(record) for record in records)
    assistant.store.mark_ingest()
    index_events(assistant.settings, [id_ for id_, _, _ in chunks], vectors)
    return {"hybrid_build_s": time.perf_counter() - started}


def index_events(settings: Settings, chunk_ids: list[str], vectors: np.ndarray) -> None:
    """The event index an ingest writes beside the chunks: each synthetic article is an event of its own
    (undated, so never compared), named by its first chunk, which the coverage line reads by id."""
    from rag.ingest.events import EventIndex

    events = EventIndex(settings.event_threshold, settings.event_window_days, settings.events_path)
    for chunk_id, vector in zip(chunk_ids, vectors, strict=True):
        article_id = chunk_id.split("::")[0]
        events.assign(article_id, article_id, None, vector, chunk_id)
    events.close()


def dated(number: int, end: date) -> dict[str, Any]:
    """The publication day and outlet of synthetic chunk `number` in an archive whose newest day is `end`."""
    from rag.query.filters import day_number

    published = end - timedelta(days=number % ARCHIVE_DAYS)
    return {
        "published_day": day_number(published),
        "published": published.isoformat(),
        "source": OUTLETS[number % len(OUTLETS)],
    }


def windows(home: Path) -> dict[str, Any]:
    """Dense top-50 inside windows of growing size: as a question runs it, and with Chroma's filter."""
    from rag.assistant import Assistant
    from rag.query.dense import RANK_MAX, RESTRICT_MAX, focus_ids, nearest_within
    from rag.query.filters import Filters
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home))
    store, lexical, first_chunks = assistant.store, assistant.retriever.lexical, assistant.event_members
    end = date.fromisoformat((home / "newest-day").read_text())
    spans = {"a day": 1, "a week": 7, "a month": 30, "a year": 365}
    chosen = {name: Filters(since=end - timedelta(days=days - 1), until=end) for name, days in spans.items()}
    chosen["before the last year"] = Filters(until=end - timedelta(days=365))
    chosen["a follow-up's focus: 3 articles, 2 events"] = focus_of(assistant.settings.events_path)
    vectors = [assistant.embedder.embed_query(question) for question in dev_questions()[:WINDOW_QUESTIONS]]
    today = date.today()
    rows = []
    for name, filters in chosen.items():
        if filters.articles or filters.events:
            ids = focus_ids(store, first_chunks, filters)
            inside, way = (len(ids), "read by id") if ids is not None else (-1, "Chroma filter")
        else:
            inside = lexical.count(filters)
            way = "ranked here" if inside <= RANK_MAX else "deep"
            way = "restricted to ids" if RANK_MAX < inside <= RESTRICT_MAX else way

        def ours(vector: np.ndarray, filters: Filters = filters) -> list[tuple[str, float]]:
            focus = focus_ids(store, first_chunks, filters)
            return nearest_within(store, lexical, vector, 50, filters, today=today, focus=focus)

        def chroma(vector: np.ndarray, filters: Filters = filters) -> list[tuple[str, float]]:
            return store.nearest(vector, 50, where=filters.where(today=today))

        found, ours_s = timed_vectors(ours, vectors)
        expected, chroma_s = timed_vectors(chroma, vectors)
        same = sum(len({i for i, _ in a} & {i for i, _ in b}) for a, b in zip(found, expected, strict=True))
        rows.append(
            {
                "window": name,
                "inside": inside,
                "way": way,
                "ours_p50_ms": percentile_ms(ours_s, 50),
                "ours_p95_ms": percentile_ms(ours_s, 95),
                "chroma_p50_ms": percentile_ms(chroma_s, 50),
                "chroma_p95_ms": percentile_ms(chroma_s, 95),
                "same_candidates": same / max(1, sum(len(b) for b in expected)),
            }
        )
    focus = chosen["a follow-up's focus: 3 articles, 2 events"]
    return {"windows": rows, "focus_bm25": focus_bm25(assistant, focus, dev_questions()[:WINDOW_QUESTIONS])}


def focus_bm25(assistant: Any, filters: Filters, questions: list[str]) -> dict[str, Any]:
    """BM25 top-50 for a follow-up's focus: among the focus's chunk ids (as a question runs it) against
    the whole archive's top-50 kept to the focus (before), same questions: hits and milliseconds."""
    from rag.query.dense import focus_ids

    lexical, focus = assistant.retriever.lexical, focus_ids(assistant.store, assistant.event_members, filters)
    kept = set(focus or ())

    def among(question: str) -> list[str]:
        return [hit.id for hit in lexical.search(question, 50, filters, among=focus)]

    def archive_wide(question: str) -> list[str]:
        return [hit.id for hit in lexical.search(question, 50, filters) if hit.id in kept]

    found = {}
    for name, search in (("among", among), ("archive", archive_wide)):
        search(questions[0])
        hits, seconds = [], []
        for question in questions:
            started = time.perf_counter()
            hits.append(len(search(question)))
            seconds.append(time.perf_counter() - started)
        found[name] = {
            "focus_chunks": len(kept),
            "questions_with_hits": sum(1 for count in hits if count),
            "mean_hits": sum(hits) / len(hits),
            "p50_ms": percentile_ms(seconds, 50),
            "p95_ms": percentile_ms(seconds, 95),
        }
    return found


def focus_of(events_path: Path) -> Filters:
    """Three articles and the events of two others, as a conversation's focus holds them."""
    import sqlite3
    from contextlib import closing

    from rag.query.filters import Filters

    with closing(sqlite3.connect(f"file:{events_path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT article_id, event_id FROM events WHERE head != '' LIMIT 5").fetchall()
    articles, events = [article for article, _ in rows[:3]], [event for _, event in rows[3:]]
    return Filters(articles=tuple(articles), events=tuple(events))


def timed_vectors(
    search: Callable[[np.ndarray], list[tuple[str, float]]], vectors: list[np.ndarray]
) -> tuple[list[list[tuple[str, float]]], list[float]]:
    """Each vector's results and seconds, after one warm-up search."""
    search(vectors[0])
    results, seconds = [], []
    for vector in vectors:
        started = time.perf_counter()
        results.append(search(vector))
        seconds.append(time.perf_counter() - started)
    return results, seconds


def query_hybrid(home: Path) -> dict[str, float]:
    from rag.assistant import Assistant
    from rag.settings import Settings

    started = time.perf_counter()
    assistant = Assistant(Settings(home=home))
    questions = dev_questions()
    assistant.ask(questions[-1])
    first_answer = time.perf_counter() - started
    retrieval = timed(assistant.retriever.search, questions)
    unembedded = timed(assistant.ask, questions)
    answers = timed(assistant.ask, questions)
    return {
        "cold_first_answer_s": first_answer,
        "hybrid_p50_ms": percentile_ms(retrieval, 50),
        "hybrid_p95_ms": percentile_ms(retrieval, 95),
        "ask_unembedded_p50_ms": percentile_ms(unembedded, 50),
        "ask_unembedded_p95_ms": percentile_ms(unembedded, 95),
        "ask_p50_ms": percentile_ms(answers, 50),
        "ask_p95_ms": percentile_ms(answers, 95),
        "serving_rss_mb": rss_mb(),
    }


# freshness: a serving process keeps answering while another process ingests, twice


def write_articles(folder: Path, count: int, seed: int) -> tuple[str, Path]:
    """`count` new .txt articles; returns the last one's made-up place (to ask about) and its path.

    The place is a paragraph of its own: the recombined sentences include page furniture ("If you're
    already a subscriber, thank you!"), and the cleaner drops a paragraph from the furniture on (a
    whole one-paragraph article, 35 of 1,000 in one run, the asked-about one among them).
    """
    folder.mkdir(parents=True, exist_ok=True)
    path, place = folder, ""
    for number, (_, title, text) in enumerate(synthetic_chunks(count, seed=seed)):
        body, place = text.rsplit(" Reported from ", 1)
        path = folder / f"new-{number:04d}.txt"
        path.write_text(f"{title}\n\nReported from {place}\n\n{body}\n", encoding="utf-8")
    return place.rstrip("."), path


def serve(home: Path, control: Path) -> dict[str, Any]:
    """What `rag web` does, in a loop until told to stop: real dev questions, and, once ingest N has
    started (`control/ingest-N`), the question about its last article until that article is retrieved
    (then `control/found-N`). Every question's start, seconds and slowest step are returned."""
    from bench.stalls import StallSampler
    from rag.assistant import Assistant
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home))
    sampler = StallSampler()
    targets = json.loads((control / "targets.json").read_text())
    questions = dev_questions()[:TIMED_QUESTIONS]
    for question in questions:  # as after the ingests that wrote them: their sentences embedded
        assistant.ask(question)
    print("ready", flush=True)
    # (started, seconds, slowest step, the question and its steps when it took over 500 ms)
    asked: list[tuple[float, float, str, dict[str, Any] | None]] = []

    def ask(question: str) -> Any:
        started, clock = time.time(), time.perf_counter()
        answer = assistant.ask(question)
        seconds = time.perf_counter() - clock
        steps = {name: spent / 1000 for name, spent in answer.timings.items() if name != "total"}
        steps["finish (coverage)"] = seconds - answer.timings.get("total", 0) / 1000
        detail = {
            "question": question,
            "steps_ms": {name: round(spent * 1000) for name, spent in steps.items()},
        }
        if seconds > 0.5:
            detail |= sampler.explain(started, started + seconds)
        asked.append((started, seconds, max(steps, key=steps.__getitem__), detail if seconds > 0.5 else None))
        return answer

    found: set[int] = set()
    turn = 0
    while not (control / "stop").exists():
        for index, (question, article_id) in enumerate(targets):
            if index in found or not (control / f"ingest-{index}").exists():
                continue
            if any(chunk.article_id == article_id for chunk in ask(question).retrieved):
                found.add(index)
                (control / f"found-{index}").write_text(str(time.time()))
        ask(questions[turn % len(questions)])
        turn += 1
        time.sleep(0.05)
    return {"asked": asked}


def wait_for(path: Path, timeout: float = 900) -> float:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench.scale: {path.name} did not appear within {timeout:.0f} s")
        time.sleep(0.1)
    return float(path.read_text())


def freshness(home: Path, articles: int, rounds: int = 2) -> dict[str, Any]:
    """A serving process asks while `rag ingest` (another process, as shipped: lowered priority) adds
    `articles` new articles, `rounds` times; after each, the serving process's memory once it has
    followed the ingest and two follow checks have passed (the replaced client is stopped by then)."""
    from rag.settings import Settings

    control = home.parent / "freshness"
    control.mkdir()
    # New articles every run, so a store kept from an earlier run (`--worker freshness`) still gets news.
    seed = time.time_ns() % 2**31
    folders, targets = [], []
    for round_ in range(rounds):
        place, last = write_articles(home.parent / f"new-articles-{seed}-{round_}", articles, seed + round_)
        folders.append(last.parent)
        targets.append((f"What was reported from {place}?", str(last.resolve())))
    (control / "targets.json").write_text(json.dumps(targets))
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.scale", "--worker", "serve", str(home), str(control)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "ready"
    settle = 2 * Settings(home=home).store_follow_seconds + 1
    result: dict[str, Any] = {
        "fresh_articles": articles,
        "fresh_seed": seed,
        "serving_rss_fresh_mb": rss_mb(server.pid),
    }
    windows = []
    for round_, folder in enumerate(folders, start=1):
        began = time.time()
        (control / f"ingest-{round_ - 1}").write_text(str(began))
        subprocess.run(
            [sys.executable, "-m", "rag", "--home", str(home), "ingest", "-q", "--no-prune", str(folder)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        ended = time.time()
        found = wait_for(control / f"found-{round_ - 1}")
        time.sleep(settle)
        windows.append((began, max(ended, found)))
        result[f"ingest_{round_}_s"] = ended - began
        result[f"found_after_ingest_{round_}_s"] = found - ended
        result[f"serving_rss_after_{round_}_mb"] = rss_mb(server.pid)
    (control / "stop").touch()
    asked = json.loads(server.communicate()[0].strip().splitlines()[-1])["asked"]

    def in_window(started: float) -> bool:
        return any(began <= started <= ended for began, ended in windows)

    during = [(seconds, step, detail) for started, seconds, step, detail in asked if in_window(started)]
    seconds = [seconds for seconds, _, _ in during]
    slow = [step for seconds, step, _ in during if seconds > 0.5]
    return result | {
        "questions_during_ingests": len(during),
        "during_p50_ms": percentile_ms(seconds, 50),
        "during_p95_ms": percentile_ms(seconds, 95),
        "slowest_question_ms": max(seconds) * 1000,
        "questions_over_500ms": len(slow),
        "slow_questions_slowest_step": {step: slow.count(step) for step in set(slow)},
        "slow_questions": [detail for _, _, detail in during if detail],
        "quiet_p50_ms": percentile_ms(
            [spent for started, spent, _, _ in asked if not in_window(started)], 50
        ),
    }


def step(*arguments: str) -> dict[str, float]:
    """Run one phase in a fresh process; its last line of output is the JSON result."""
    command = [sys.executable, "-m", "bench.scale", "--worker", *arguments]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def worker(phase: str, rest: list[str]) -> dict[str, float]:
    if phase == "serve":
        return serve(Path(rest[0]), Path(rest[1]))
    size, home = int(rest[0]), Path(rest[1])
    phases: dict[str, Callable[[], dict[str, float]]] = {
        "build-tantivy": lambda: build_tantivy(size, home),
        "query-tantivy": lambda: query_tantivy(home),
        "bm25s": lambda: query_bm25s(size),
        "fts5": lambda: fts5(size, home),
        "build-hybrid": lambda: build_hybrid(size, int(rest[2]), home / "hybrid"),
        "query-hybrid": lambda: query_hybrid(home / "hybrid"),
        "windows": lambda: windows(home / "hybrid"),
        "freshness": lambda: freshness(home / "hybrid", int(rest[2])),
    }
    return phases[phase]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--hybrid-max", type=int, default=100_000, help="largest size also built in Chroma")
    parser.add_argument("--fts5-max", type=int, default=100_000, help="largest size FTS5 is measured at")
    parser.add_argument("--pool", type=int, default=600, help="chunks embedded for real per hybrid store")
    parser.add_argument("--fresh", type=int, default=1000, help="articles ingested in the freshness phase")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(worker(options.worker[0], options.worker[1:])))
        return

    dev_corpus()
    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-scale-"))
    results = []
    for size in options.sizes:
        home = scratch / str(size)
        home.mkdir()
        print(f"{size:,} chunks: tantivy, bm25s" + (", FTS5" if size <= options.fts5_max else ""), flush=True)
        result = step("build-tantivy", str(size), str(home)) | step("query-tantivy", str(size), str(home))
        result |= step("bm25s", str(size), str(home))
        if size <= options.fts5_max:
            result |= step("fts5", str(size), str(home))
        if size <= options.hybrid_max:
            print(f"{size:,} chunks: Chroma + tantivy through Assistant", flush=True)
            result |= step("build-hybrid", str(size), str(home), str(options.pool))
            result |= step("query-hybrid", str(size), str(home))
            result |= step("windows", str(size), str(home))
        results.append(result)
        write_json("scale", results)  # a long run keeps what it has measured so far
    hybrid = [r for r in results if "hybrid_p50_ms" in r]
    if hybrid and options.fresh:
        size = hybrid[-1]["chunks"]
        print(
            f"{size:,} chunks: a serving process asks while `rag ingest` adds {options.fresh:,} articles",
            flush=True,
        )
        hybrid[-1] |= step("freshness", str(size), str(scratch / str(size)), str(options.fresh))
    report(results)
    write_json("scale", results)
    plot(results, ROOT / "docs" / "scaling-archive.png")


def report(results: list[dict[str, float]]) -> None:
    print(
        "\nStore: sentences of the real dev news corpus recombined into chunks; in Chroma, real vectors"
        " for a pool of chunks and pool vectors plus noise for the rest (said so: query time does not"
        " depend on how stored vectors were made)."
    )
    print_table(
        f"Lexical top-30 over {TIMED_QUESTIONS} real dev questions, each engine in a fresh process, 2 cores",
        [
            "chunks",
            "tantivy p50 ms",
            "p95",
            "open s",
            "RSS +MB",
            "disk MB",
            "add 1,000 s",
            "bm25s p50 ms (baseline)",
            "p95",
            "rebuild s",
            "RSS +MB",
            "FTS5 p50 ms",
            "p95",
        ],
        [
            [
                r["chunks"],
                r["tantivy_p50_ms"],
                r["tantivy_p95_ms"],
                r["tantivy_open_s"],
                r["tantivy_rss_added_mb"],
                r["tantivy_disk_mb"],
                r["tantivy_add_1000_s"],
                r["bm25s_p50_ms"],
                r["bm25s_p95_ms"],
                r["bm25s_build_s"],
                r["bm25s_rss_added_mb"],
                r.get("fts5_p50_ms", "-"),
                r.get("fts5_p95_ms", "-"),
            ]
            for r in results
        ],
    )
    hybrid = [r for r in results if "hybrid_p50_ms" in r]
    if hybrid:
        print_table(
            "Through Assistant (dense + lexical fused, extractive ask), a fresh serving process",
            [
                "chunks",
                "retrieval p50 ms",
                "p95",
                "ask p50 ms",
                "p95",
                "ask, sentences not embedded, p50",
                "p95",
                "RSS MB",
                "cold first answer s",
            ],
            [
                [
                    r["chunks"],
                    r["hybrid_p50_ms"],
                    r["hybrid_p95_ms"],
                    r["ask_p50_ms"],
                    r["ask_p95_ms"],
                    r.get("ask_unembedded_p50_ms", "-"),
                    r.get("ask_unembedded_p95_ms", "-"),
                    r["serving_rss_mb"],
                    r["cold_first_answer_s"],
                ]
                for r in hybrid
            ],
        )
    windowed = [r for r in results if "windows" in r]
    if windowed:
        print_table(
            f"Dense top-50 inside a window, {WINDOW_QUESTIONS} dev questions: the window from tantivy "
            "(rag.query.dense) against Chroma's metadata filter, same process",
            [
                "chunks",
                "window",
                "chunks inside",
                "way",
                "p50 ms",
                "p95",
                "Chroma filter p50 ms (baseline)",
                "p95",
                "same candidates",
            ],
            [
                [
                    r["chunks"],
                    w["window"],
                    w["inside"],
                    w["way"],
                    w["ours_p50_ms"],
                    w["ours_p95_ms"],
                    w["chroma_p50_ms"],
                    w["chroma_p95_ms"],
                    f"{w['same_candidates']:.0%}",
                ]
                for r in windowed
                for w in r["windows"]
            ],
        )
    focused = [r for r in windowed if "focus_bm25" in r]
    if focused:
        print_table(
            f"BM25 top-50 for a follow-up's focus, {WINDOW_QUESTIONS} dev questions: among the focus's "
            "chunk ids against the whole archive's top-50 kept to the focus (baseline), same process",
            ["chunks", "focus chunks", "way", "questions with hits", "mean hits", "p50 ms", "p95"],
            [
                [
                    r["chunks"],
                    f["focus_chunks"],
                    "among the focus" if name == "among" else "archive, then kept (baseline)",
                    f["questions_with_hits"],
                    f"{f['mean_hits']:.1f}",
                    f["p50_ms"],
                    f["p95_ms"],
                ]
                for r in focused
                for name, f in r["focus_bm25"].items()
            ],
        )
    fresh = [r for r in results if "found_after_ingest_1_s" in r]
    if fresh:
        print_table(
            "New articles: `rag ingest` in another process, twice, while a serving process keeps asking",
            [
                "chunks",
                "articles",
                "ingest s (1st, 2nd)",
                "found after ingest s",
                "questions meanwhile",
                "p50 ms",
                "p95",
                "slowest ms",
                "over 500 ms",
                "serving RSS MB: fresh, after 1st, after 2nd",
            ],
            [
                [
                    r["chunks"],
                    r["fresh_articles"],
                    f"{r['ingest_1_s']:.0f}, {r['ingest_2_s']:.0f}",
                    f"{r['found_after_ingest_1_s']:.1f}, {r['found_after_ingest_2_s']:.1f}",
                    r["questions_during_ingests"],
                    r["during_p50_ms"],
                    r["during_p95_ms"],
                    r["slowest_question_ms"],
                    r["questions_over_500ms"],
                    f"{r['serving_rss_fresh_mb']:.0f}, {r['serving_rss_after_1_mb']:.0f}, "
                    f"{r['serving_rss_after_2_mb']:.0f}",
                ]
                for r in fresh
            ],
        )


def plot(results: list[dict[str, float]], path: Path) -> None:
    sizes = [r["chunks"] for r in results]
    figure, latency, memory = latency_memory_axes()
    for key, label in [
        ("tantivy_p50_ms", "tantivy (on disk, shared) p50"),
        ("tantivy_p95_ms", "tantivy p95"),
        ("bm25s_p50_ms", "bm25s (in memory, per process) p50"),
        ("bm25s_p95_ms", "bm25s p95"),
    ]:
        latency.plot(sizes, [r[key] for r in results], marker="o", label=label)
    hybrid = [r for r in results if "hybrid_p50_ms" in r]
    latency.plot(
        [r["chunks"] for r in hybrid], [r["hybrid_p50_ms"] for r in hybrid], marker="s", label="hybrid p50"
    )
    latency.plot(
        [r["chunks"] for r in hybrid], [r["ask_p50_ms"] for r in hybrid], marker="s", label="ask p50"
    )
    latency.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms", title="Latency (2 cores)")
    latency.legend(fontsize=8)
    memory.plot(
        sizes, [r["tantivy_rss_added_mb"] for r in results], marker="o", label="tantivy: resident added"
    )
    memory.plot(sizes, [r["bm25s_rss_added_mb"] for r in results], marker="o", label="bm25s: resident added")
    memory.set(xscale="log", xlabel="chunks", ylabel="MB", title="Memory per serving process for BM25")
    memory.legend(fontsize=8)
    save_figure(figure, path)


if __name__ == "__main__":
    main()
