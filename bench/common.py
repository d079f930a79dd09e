"""What every benchmark shares: synthetic news, percentiles, memory, and the table + JSON output.

Synthetic articles are rebuilt from the seed article's sentences, each sentence
given a made-up place name unique to its article, so no two articles (and no
two sentences) share text and nothing is served from a cache by accident.
"""

from __future__ import annotations

import json
import os
import random
import resource
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rag.ingest.loaders import load_file
from rag.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "corpus" / "sochi-syria-congress-putin.txt"
RESULTS = ROOT / "bench" / "results"
SYLLABLES = ["zor", "vi", "ka", "len", "dro", "mas", "tul", "ber", "quon", "shi", "par", "ute"]


def seed_sentences() -> list[str]:
    [article] = load_file(SEED_ARTICLE, "corpus/sochi-syria-congress-putin.txt")
    return [span.text for span in split_sentences(article.text) if len(span.text.split()) >= 5]


def place_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + str(rng.randrange(10_000))


def write_corpus(folder: Path, articles: int, sentences_per_article: int = 14, seed: int = 11) -> list[Path]:
    """`articles` distinct .txt articles of ~350 words in `folder`."""
    rng = random.Random(seed)
    pool = seed_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(articles):
        place = place_name(rng)
        body = " ".join(
            f"{sentence} Officials in {place} {rng.choice(['noted', 'disputed', 'welcomed'])} this."
            for sentence in rng.choices(pool, k=sentences_per_article)
        )
        path = folder / f"article-{number:05d}.txt"
        path.write_text(f"Dispatch {number} from {place}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def percentile_ms(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of this process (or `pid`) and its descendants: a serving process's Chroma client
    may live in a child (`rag.components.vector_store.index_process`)."""
    total = 0.0
    for member in _with_descendants(pid or os.getpid()):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except FileNotFoundError:  # ended meanwhile
            continue
        total += next(
            (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    return total or float("nan")


def _with_descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
    return found


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths, strict=True)))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def write_json(name: str, data: object) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


def latency_memory_axes() -> tuple[Any, Any, Any]:
    """A figure with a latency panel and a memory panel side by side (matplotlib without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, memory) = plt.subplots(1, 2, figsize=(10, 4))
    return figure, latency, memory


def save_figure(figure: Any, path: Path) -> None:
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    print(f"wrote {path.relative_to(ROOT)}")


def timing_figures(prefix: str, seconds: Sequence[float], rss_before: float) -> dict[str, float]:
    """`prefix`_p50_ms, _p95_ms, _rss_mb and _rss_added_mb: what a timed search costs a process."""
    return {
        f"{prefix}_p50_ms": percentile_ms(seconds, 50),
        f"{prefix}_p95_ms": percentile_ms(seconds, 95),
        f"{prefix}_rss_mb": rss_mb(),
        f"{prefix}_rss_added_mb": rss_mb() - rss_before,
    }
