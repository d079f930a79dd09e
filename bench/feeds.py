"""Feed throughput: 500 feed items on loopback, fetched and ingested, beside the same articles from JSONL.

A loopback news site serves one RSS feed whose items link to article pages
(real news text from ../shared/datasets/realtimeqa-dev when present, cut to
about 300 words; synthetic otherwise). Measured in one process, each on a
fresh store so the embedding cache gives nothing away:
- fetch only: the feed and its 500 pages fetched (safe fetcher, robots.txt,
  per-host limit) and extracted into articles;
- feed -> store: `rag ingest FEED` end to end (fetch, extract, group, chunk, embed, write);
- baseline: the same article texts as one JSONL file, `rag ingest FILE`;
- re-poll: the unchanged feed again (one conditional GET answered 304).

    python -m bench.feeds [--items 500] [--words 300]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, print_table, seed_sentences, write_json
from tests.fakes.news_site import Item, article_html, news_site, rss

CORPUS = ROOT.parent / "shared" / "datasets" / "realtimeqa-dev" / "corpus.jsonl"


def articles(count: int, words: int) -> list[dict[str, str]]:
    """`count` distinct articles of about `words` words: real ones when the dev corpus is here."""
    if CORPUS.exists():
        records = [
            json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        web = [r for r in records if r["id"].startswith("web-") and len(r["body"].split()) >= words]
        return [
            {"title": r["title"], "body": _cut(r["body"], words), "source": r["source"]} for r in web[:count]
        ]
    rng = random.Random(5)
    pool = seed_sentences()
    return [
        {
            "title": f"Dispatch {i}",
            "body": " ".join(f"{s} Case {i}-{j}." for j, s in enumerate(rng.choices(pool, k=14))),
            "source": "Synthetic",
        }
        for i in range(count)
    ]


def _cut(body: str, words: int) -> str:
    """The first paragraphs holding about `words` words."""
    kept, total = [], 0
    for paragraph in body.split("\n"):
        if paragraph.strip():
            kept.append(paragraph.strip())
            total += len(paragraph.split())
            if total >= words:
                break
    return "\n\n".join(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args()

    from rag.assistant import Assistant
    from rag.ingest.sources import Collector
    from rag.settings import Settings

    texts = articles(args.items, args.words)
    scratch = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    with news_site() as site:
        items = []
        for number, article in enumerate(texts):
            paragraphs = article["body"].split("\n\n")
            url = site.serve(
                f"/{number}.html", article_html(article["title"], paragraphs, outlet=article["source"])
            )
            items.append(Item(article["title"], url))
        feed = site.serve("/rss.xml", rss("Bench", items), content_type="application/rss+xml", etag='"1"')

        def settings(name: str) -> Settings:
            return Settings(home=scratch / name, fetch_allow_private=True)

        started = time.perf_counter()
        collected = Collector(settings("fetch-only")).collect([feed])
        fetch_s = time.perf_counter() - started
        assert not collected.errors and len(collected.articles) == len(texts), collected.errors[:3]

        jsonl = scratch / "articles.jsonl"
        jsonl.write_text("".join(json.dumps({"id": str(i), **a}) + "\n" for i, a in enumerate(texts)))
        baseline = Assistant(settings("baseline"))
        baseline.embedder.embed(["warm up the model"] * 32)
        started = time.perf_counter()
        file_report = baseline.ingest([jsonl])
        file_s = time.perf_counter() - started

        assistant = Assistant(settings("feed"))
        assistant.embedder.embed(["warm up the model"] * 32)
        started = time.perf_counter()
        feed_report = assistant.ingest_urls([feed])
        feed_s = time.perf_counter() - started
        assert feed_report.ingest is not None and not feed_report.failed

        started = time.perf_counter()
        again = assistant.ingest_urls([feed])
        repoll_s = time.perf_counter() - started
        assert again.collected.unchanged_feeds == 1

    n = len(texts)
    rows = [
        ["fetch only (feed + pages, extracted)", n, fetch_s, n / fetch_s, ""],
        [
            "feed -> store (rag ingest FEED)",
            n,
            feed_s,
            n / feed_s,
            f"{feed_report.ingest.chunks_written} chunks, {feed_report.ingest.chunks_written / feed_s:.1f}/s",
        ],
        [
            "baseline: same articles from JSONL",
            n,
            file_s,
            n / file_s,
            f"{file_report.chunks_written} chunks, {file_report.chunks_written / file_s:.1f}/s",
        ],
        ["re-poll, unchanged feed (304)", 1, repoll_s, "", ""],
    ]
    kind = "realtimeqa-dev articles" if CORPUS.exists() else "synthetic"
    print_table(
        f"{n} feed items on loopback ({kind}, ~{args.words} words)",
        ["what", "items", "seconds", "items/s", "chunks"],
        rows,
    )
    print(f"\nfeed ingest runs at {file_s / feed_s:.2f}x the JSONL baseline's speed")
    write_json(
        "feeds",
        {
            "items": n,
            "fetch_s": fetch_s,
            "fetch_items_per_s": n / fetch_s,
            "feed_ingest_s": feed_s,
            "feed_items_per_s": n / feed_s,
            "baseline_jsonl_s": file_s,
            "baseline_items_per_s": n / file_s,
            "chunks": feed_report.ingest.chunks_written,
            "baseline_chunks": file_report.chunks_written,
            "repoll_s": repoll_s,
        },
    )


if __name__ == "__main__":
    main()
