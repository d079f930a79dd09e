"""Query latency and memory at 1k, 10k and 100k chunks: this project next to a tutorial LangChain baseline.

For each size, one process builds both stores from the same synthetic chunks
(see `bench.common`): a pool of them is embedded for real, the rest get a pool
vector plus noise (embedding 100k chunks would take an hour here, and query
time does not depend on how the stored vectors were made). Then each side is
opened fresh in its own process, warmed up, timed on the seed questions, and
its resident memory read, so neither pays for the other or for the build.

- ours: `Assistant` (ONNX query embedding, Chroma + BM25 fused, extractive answer);
- baseline: `langchain_chroma.Chroma.from_documents` + a sentence-transformers
  `Embeddings` wrapper + `as_retriever()`, same model and chunks, dense only;
- with `--against REV`, ours again as the code of git revision REV had it (run
  from a worktree, on the same store), so a change to answering is timed next
  to what it replaced. Each timed question is asked once untimed first on both
  sides: the scorer before the reader read sentence vectors its ingest had
  cached, and this puts them there.

Targets at 10k chunks: retrieval p50 < 30 ms, `ask` p50 <= 150 ms and p95 <=
300 ms with the reader (its own time is the answer stage), retrieval no slower
than the baseline's.

    .venv/bin/python -m bench.query [--sizes 1000 10000 100000] [--pool 600] [--against REV]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import (
    ROOT,
    latency_memory_axes,
    percentile_ms,
    place_name,
    print_table,
    rss_mb,
    save_figure,
    seed_sentences,
    write_json,
)

# Not among the timed questions, so the timed ones find no answer sentences cached by the warm-up.
WARM_UP = [
    "What did the opposition say about the congress?",
    "Where was the congress held?",
    "What happened in Sochi?",
    "Which countries took part?",
    "What did Lavrov say?",
]


def questions() -> list[str]:
    lines = (ROOT / "evals" / "datasets" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def synthetic_chunks(count: int, seed: int = 5) -> list[tuple[str, str]]:
    """(title, text) of `count` chunks of ~6 seed sentences, each with its own place name."""
    rng = random.Random(seed)
    pool = seed_sentences()
    out = []
    for _ in range(count):
        place = place_name(rng)
        text = " ".join(f"{sentence} Officials in {place} noted this." for sentence in rng.sample(pool, 6))
        out.append((f"Dispatch from {place}", text))
    return out


def vectors_for(chunks: list[tuple[str, str]], pool: int, embed) -> np.ndarray:
    """Real embeddings for the first `pool` chunks; pool vectors plus noise for the rest."""
    real = embed([f"{title}\n{text}" for title, text in chunks[:pool]])
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.02, (len(chunks) - pool, real.shape[1]))
    rest = real[np.arange(len(chunks) - pool) % pool] + noise
    vectors = np.vstack([real, rest]).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed(function, items) -> list[float]:
    for item in [*WARM_UP, *items]:
        function(item)
    seconds = []
    for item in items:
        started = time.perf_counter()
        function(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def tutorial_embeddings(known: dict[str, np.ndarray] | None = None):
    """What tutorials wrap: sentence-transformers on torch (documents precomputed at build, see above)."""
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

    from rag.components.embedding import default_model_path

    class TutorialEmbeddings(Embeddings):
        def __init__(self) -> None:
            self.model = SentenceTransformer(str(default_model_path()), device="cpu")

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [known[text].tolist() for text in texts]

        def embed_query(self, text: str) -> list[float]:
            return self.model.encode(text, normalize_embeddings=True).tolist()

    return TutorialEmbeddings()


def build(size: int, pool: int, home: Path) -> dict[str, float]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document

    from rag.assistant import Assistant
    from rag.components.vector_store import StoredChunk
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home / "ours"))
    chunks = synthetic_chunks(size)
    vectors = vectors_for(chunks, min(pool, size), assistant.embedder.inner.embed)
    records = [
        StoredChunk(
            id=f"dispatch-{i}::0::0",
            text=text,
            metadata={
                "article_id": f"dispatch-{i}",
                "article_hash": "0",
                "chunk_index": 0,
                "n_chunks": 1,
                "title": title,
                "path": "",
                "start": 0,
                "end": len(text),
                "embedding": "bench",
            },
        )
        for i, (title, text) in enumerate(chunks)
    ]
    assistant.store.upsert(records, vectors)
    assistant.store.mark_ingest()
    texts = [f"{title}\n{text}" for title, text in chunks]
    embeddings = tutorial_embeddings(dict(zip(texts, vectors, strict=True)))
    documents = [
        Document(page_content=text, metadata={"title": title})
        for text, (title, _) in zip(texts, chunks, strict=True)
    ]
    store = None
    for start in range(0, len(documents), 5000):  # from_documents refuses more than Chroma's batch limit
        batch = documents[start : start + 5000]
        if store is None:
            store = Chroma.from_documents(batch, embeddings, persist_directory=str(home / "baseline"))
        else:
            store.add_documents(batch)
    return {"chunks": size}


def query_ours(home: Path) -> dict[str, float]:
    from rag.assistant import Assistant
    from rag.settings import Settings

    assistant = Assistant(Settings(home=home / "ours"))
    asked = questions()
    retrieval = timed(assistant.retriever.search, asked)
    stages: list[float] = []
    answers = timed(lambda question: stages.append(assistant.ask(question).timings["answer"] / 1000), asked)
    return {
        "ours_retrieval_p50": percentile_ms(retrieval, 50),
        "ours_retrieval_p95": percentile_ms(retrieval, 95),
        "ours_ask_p50": percentile_ms(answers, 50),
        "ours_ask_p95": percentile_ms(answers, 95),
        "ours_answer_p50": percentile_ms(stages[-len(asked) :], 50),
        "ours_rss_mb": rss_mb(),
    }


def query_baseline(home: Path) -> dict[str, float]:
    from langchain_chroma import Chroma

    store = Chroma(persist_directory=str(home / "baseline"), embedding_function=tutorial_embeddings())
    retriever = store.as_retriever(search_kwargs={"k": 5})
    baseline = timed(retriever.invoke, questions())
    return {
        "baseline_retrieval_p50": percentile_ms(baseline, 50),
        "baseline_retrieval_p95": percentile_ms(baseline, 95),
        "baseline_rss_mb": rss_mb(),
    }


def step(*arguments: str, code: Path = ROOT) -> dict[str, float]:
    """Run one phase in a fresh process from the code in `code`; its last output line is the JSON result."""
    command = [sys.executable, "-m", "bench.query", "--worker", *arguments]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=code).stdout
    return json.loads(output.strip().splitlines()[-1])


def worktree(revision: str, scratch: Path) -> Path:
    """The code of `revision` checked out beside the scratch stores, with this bench in it, so both
    sides are timed by the same script."""
    folder = scratch / f"code-{revision}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],
        check=True,
        capture_output=True,
    )
    shutil.copytree(ROOT / "bench", folder / "bench", dirs_exist_ok=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--pool", type=int, default=600, help="chunks embedded for real per size")
    parser.add_argument("--against", metavar="REV", help="also time ours as git revision REV had it")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        phase, *rest = options.worker
        if phase == "build":
            result = build(int(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            result = (query_ours if phase == "ours" else query_baseline)(Path(rest[0]))
        print(json.dumps(result))
        return

    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-query-"))
    then = worktree(options.against, scratch) if options.against else None
    results = []
    for size in options.sizes:
        home = str(scratch / str(size))
        print(f"building {size:,} chunks, then querying each side…", flush=True)
        result = step("build", str(size), str(options.pool), home)
        result |= step("ours", home)
        result |= step("baseline", home)
        if then is not None:
            result |= {f"then_{key}": value for key, value in step("ours", home, code=then).items()}
        results.append(result)
    if then is not None:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(then)], check=True)
        print_table(
            f"Ours now against ours at {options.against}, ms",
            ["chunks", "ask p50", "then", "ask p95", "then", "answer stage p50", "then"],
            [
                [
                    r["chunks"],
                    r["ours_ask_p50"],
                    r["then_ours_ask_p50"],
                    r["ours_ask_p95"],
                    r["then_ours_ask_p95"],
                    r["ours_answer_p50"],
                    r["then_ours_answer_p50"],
                ]
                for r in results
            ],
        )
    print_table(
        f"Query latency in ms, {len(questions())} seed questions after {len(WARM_UP)} warm-up, 2 cores",
        [
            "chunks",
            "ours retrieval p50",
            "baseline retrieval p50",
            "ratio",
            "ours retrieval p95",
            "baseline retrieval p95",
            "ours ask p50",
            "ours ask p95",
            "ours RSS MB",
            "baseline RSS MB",
        ],
        [
            [
                r["chunks"],
                r["ours_retrieval_p50"],
                r["baseline_retrieval_p50"],
                r["ours_retrieval_p50"] / r["baseline_retrieval_p50"],
                r["ours_retrieval_p95"],
                r["baseline_retrieval_p95"],
                r["ours_ask_p50"],
                r["ours_ask_p95"],
                r["ours_rss_mb"],
                r["baseline_rss_mb"],
            ]
            for r in results
        ],
    )
    write_json("query", results)
    plot(results, ROOT / "docs" / "scaling.png")


def plot(results: list[dict[str, float]], path: Path) -> None:
    sizes = [r["chunks"] for r in results]
    figure, latency, memory = latency_memory_axes()
    for key, label in [
        ("ours_retrieval_p50", "ours: hybrid retrieval p50"),
        ("ours_ask_p50", "ours: full ask p50"),
        ("ours_ask_p95", "ours: full ask p95"),
        ("baseline_retrieval_p50", "baseline: dense retrieval p50"),
    ]:
        latency.plot(sizes, [r[key] for r in results], marker="o", label=label)
    latency.set(xscale="log", xlabel="chunks", ylabel="ms", title="Latency (2 cores)")
    latency.legend(fontsize=8)
    memory.plot(sizes, [r["ours_rss_mb"] for r in results], marker="o", label="ours (Assistant process)")
    memory.plot(
        sizes, [r["baseline_rss_mb"] for r in results], marker="o", label="baseline (retriever process)"
    )
    memory.set(xscale="log", xlabel="chunks", ylabel="MB resident", title="Memory after the queries")
    memory.legend(fontsize=8)
    save_figure(figure, path)


if __name__ == "__main__":
    main()
