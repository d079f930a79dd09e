"""How well near-duplicate grouping separates copies and updates from other stories on one topic.

Labelled pairs, built from the real articles of ../shared/datasets/realtimeqa-dev
(seeded, so every run makes the same ones):
- copy: the same text republished by another outlet: a dateline in front, a
  newsletter prompt in the middle, its own footer in place of the last paragraph
  (the headline differs too, but grouping reads only the body);
- update: the same report later: two new paragraphs on top (taken from another
  article on the topic), a paragraph gone, figures changed;
- different: a real, different article on the same topic (the nearest other
  article by TF-IDF cosine, a different URL), unless its body is the same text
  (the corpus holds a few pages twice under two URLs): that pair is labelled
  "same text, two URLs", the same story.
For each threshold, precision and recall of "same story" as the detector
decides it (LSH candidates, then estimated containment), then the grouping of
the whole dev corpus at the chosen threshold.

    python -m bench.stories [--pairs 150] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter, defaultdict

from bench.common import ROOT, print_table, write_json
from rag.ingest.cleaning import clean_text
from rag.ingest.stories import group, shingles

CORPUS = ROOT.parent / "shared" / "datasets" / "realtimeqa-dev" / "corpus.jsonl"
THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9)
FOOTERS = (
    "Copyright {year} The Associated Press. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed without permission.",
    "Contributing: staff reports. Follow {outlet} on Twitter and Facebook for the latest news. "
    "Sign up for our daily newsletter to get the top stories delivered to your inbox.",
    "This story was originally published by Reuters and is republished here with permission. "
    "Reporting by staff in {city}; editing by the news desk.",
)
CITIES = ("WASHINGTON", "NEW YORK", "LONDON", "PARIS", "BRUSSELS", "TOKYO")


def load_corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n") if part.strip()]


def copy_of(record: dict, rng: random.Random) -> str:
    parts = paragraphs(record["body"])
    city = rng.choice(CITIES)
    parts[0] = f"{city} (AP) — {parts[0]}"
    parts.insert(len(parts) // 2, "Sign up for our newsletter: the day's top stories, every morning.")
    footer = rng.choice(FOOTERS).format(year=record["published_at"][:4], outlet="The Herald", city=city)
    return "\n\n".join([*parts[:-1], footer])


def update_of(record: dict, other: dict, rng: random.Random) -> str:
    parts = paragraphs(record["body"])
    new = paragraphs(other["body"])[:2]
    if len(parts) > 3:
        parts.pop(rng.randrange(1, len(parts) - 1))
    changed = [
        re.sub(r"\b(\d+)\b", lambda m: str(int(m.group(1)) + rng.randint(1, 9)), part) for part in parts
    ]
    return "\n\n".join(["UPDATE: " + new[0], *new[1:], *changed])


def nearest_other(records: list[dict]) -> list[int]:
    """For each record the index of the most similar record with another URL (TF-IDF cosine)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True).fit_transform(
        [r["title"] + " " + r["body"] for r in records]
    )
    similarity = (matrix @ matrix.T).toarray()
    nearest = []
    for i, record in enumerate(records):
        order = similarity[i].argsort()[::-1]
        nearest.append(next(int(j) for j in order if j != i and records[j]["url"] != record["url"]))
    return nearest


def labelled_pairs(records: list[dict], count: int, seed: int = 7) -> list[tuple[str, str, str, bool]]:
    """(kind, text a, text b, same story?) for `count` articles of each kind."""
    rng = random.Random(seed)
    web = [r for r in records if r["id"].startswith("web-") and len(paragraphs(r["body"])) >= 4]
    nearest = nearest_other(web)
    picked = rng.sample(range(len(web)), count)
    pairs = []
    for i in picked:
        record, neighbour = web[i], web[nearest[i]]
        pairs.append(("copy", record["body"], copy_of(record, rng), True))
        pairs.append(("update", record["body"], update_of(record, neighbour, rng), True))
        a, b = shingles(record["body"]), shingles(neighbour["body"])
        if len(a & b) / len(a | b) > 0.9:
            pairs.append(("same text, two URLs", record["body"], neighbour["body"], True))
        else:
            pairs.append(("different, same topic", record["body"], neighbour["body"], False))
    return pairs


def scores(pairs: list[tuple[str, str, str, bool]], threshold: float) -> dict[str, float]:
    decided = [
        (kind, same, len(set(group([("a", a), ("b", b)], threshold).values())) == 1)
        for kind, a, b, same in pairs
    ]
    tp = sum(1 for _, same, said in decided if same and said)
    fp = sum(1 for _, same, said in decided if not same and said)
    fn = sum(1 for _, same, said in decided if same and not said)
    by_kind = {
        kind: sum(1 for k, same, said in decided if k == kind and said == same)
        / sum(1 for k, *_ in decided if k == kind)
        for kind in dict.fromkeys(k for k, *_ in decided)
    }
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        **{f"right: {kind}": share for kind, share in by_kind.items()},
    }


def corpus_groups(records: list[dict], threshold: float) -> dict[str, object]:
    """Story groups in the dev corpus, articles cleaned as ingest cleans them, in order of publication."""
    ordered = sorted(records, key=lambda r: (r.get("published_at") or "", r["id"]))
    started = time.perf_counter()
    stories = group(((r["id"], clean_text(r["title"], r["body"])) for r in ordered), threshold)
    seconds = time.perf_counter() - started
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in stories.items():
        members[story].append(article_id)
    groups = [ids for ids in members.values() if len(ids) > 1]
    kinds = Counter("+".join(sorted({article_id.split("-")[0] for article_id in ids})) for ids in groups)
    by_id = {r["id"]: r for r in records}
    examples = [
        [f"{i} {by_id[i]['source']} {by_id[i]['published_at']}: {by_id[i]['title'][:60]}" for i in ids]
        for ids in groups
    ]
    return {
        "articles": len(records),
        "stories": len(members),
        "groups_of_2_or_more": len(groups),
        "articles_in_groups": sum(len(ids) for ids in groups),
        "copies": len(records) - len(members),
        "largest_group": max((len(ids) for ids in groups), default=0),
        "group_kinds": dict(kinds),
        "seconds": seconds,
        "examples": examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=150, help="articles per kind of pair")
    parser.add_argument("--threshold", type=float, default=0.7, help="for the corpus count")
    args = parser.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"needs {CORPUS}")
    records = load_corpus()
    pairs = labelled_pairs(records, args.pairs)
    rows, results = [], {}
    for threshold in THRESHOLDS:
        result = scores(pairs, threshold)
        results[str(threshold)] = result
        rows.append([threshold, *result.values()])
    print_table(
        f"Near-duplicate detection on {len(pairs)} labelled pairs ({args.pairs} of each kind)",
        ["threshold", *next(iter(results.values())).keys()],
        rows,
    )
    corpus = corpus_groups(records, args.threshold)
    print_table(
        f"Dev corpus {CORPUS.relative_to(ROOT.parent)} at threshold {args.threshold}",
        ["what", "value"],
        [[key, value] for key, value in corpus.items() if key != "examples"],
    )
    print("\ngroups:")
    for ids in corpus["examples"]:
        print("  " + "\n  ".join(ids) + "\n")
    write_json("stories", {"pairs": len(pairs), "thresholds": results, "corpus": corpus})


if __name__ == "__main__":
    main()
