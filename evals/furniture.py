"""How much page furniture the crawled articles of realtimeqa-dev carry, before and after cleaning.

    python -m evals.furniture [--dataset ../shared/datasets/realtimeqa-dev] [--sample 8]

Prints the CPU time that cleaning the whole corpus takes, then, for the `web-*`
records: lines per furniture family in the raw text (what
`rag.ingest.cleaning` removes, whole or from the sentence it starts in) and
left in the cleaned text; photo credits cut from caption ends; broad keyword
probes ("sign up", "getty images", …) counted before and after, since they
also catch furniture no family names (what is left after is either real text
or a miss: read it); a fixed-seed sample of removed lines per family, to read
for real sentences removed by mistake; and a check that every question's
evidence passage is still whole in the cleaned brief it comes from.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.ingest.cleaning import FAMILIES, clean_text, find_furniture, furniture_kind, strip_credit

PROBES = {
    "sign up": r"\bsign(ing)?[\s-]?up\b",
    "newsletter": r"\bnewsletter\b",
    "editor's note": r"\beditor['’]s note\b",
    "getty images": r"\bgetty images\b",
    "/AP or /Reuters at line end": r"/\s?(AP|Reuters)\)?\s*$",
    "read more / More:": r"^(read more|more:)",
    "follow … on twitter": r"^follow\b.*\btwitter\b",
    "email address": r"[\w.+-]@[\w-]+\.[a-z]{2,}",
    "advertisement": r"^advertisement$",
}


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def measure(dataset: Path, sample: int, seed: int = 0) -> dict[str, Any]:
    corpus = list(_records(dataset / "corpus.jsonl"))
    web = [r for r in corpus if r["id"].startswith("web-")]
    removed: dict[str, list[str]] = {family: [] for family in FAMILIES}
    credits: list[str] = []
    tails: Counter[str] = Counter()
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    probes = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in PROBES.items()}
    raw_lines = clean_lines = 0
    started = time.process_time()
    for record in corpus:
        clean_text(record["title"], record["body"])
    seconds = time.process_time() - started
    for record in web:
        raw = [line.strip() for line in record["body"].split("\n") if line.strip()]
        text = clean_text(record["title"], record["body"])
        cleaned = [line.strip() for line in text.split("\n") if line.strip()]
        raw_lines, clean_lines = raw_lines + len(raw), clean_lines + len(cleaned)
        for line in raw:
            found = find_furniture(line)
            if found and found[1] == 0:
                removed[found[0]].append(line)
            elif found:
                tails[found[0]] += 1
                removed[found[0]].append("… " + line[found[1] :])
            elif strip_credit(line) != line:
                credits.append(line[len(strip_credit(line)) :].strip())
            before.update(name for name, probe in probes.items() if probe.search(line))
        after.update(name for line in cleaned for name, probe in probes.items() if probe.search(line))
        after.update(f"family:{furniture_kind(line)}" for line in cleaned if furniture_kind(line))
    rng = random.Random(seed)
    return {
        "articles": len(web),
        "clean_cpu": (sum(len(r["body"]) for r in corpus) / 1e6, seconds),
        "lines": (raw_lines, clean_lines),
        "families": {family: len(lines) for family, lines in removed.items()},
        "families_after": {family: after[f"family:{family}"] for family in FAMILIES},
        "tails": {family: tails[family] for family in FAMILIES},
        "credits": len(credits),
        "probes": {name: (before[name], after[name]) for name in PROBES},
        "samples": {
            family: rng.sample(lines, min(sample, len(lines))) for family, lines in removed.items() if lines
        },
        "credit_samples": rng.sample(credits, min(sample, len(credits))),
        "evidence_lost": _evidence_lost(dataset, corpus),
    }


def _evidence_lost(dataset: Path, corpus: list[dict[str, Any]]) -> list[str]:
    """Ids of answerable questions whose evidence passage is no longer whole in its cleaned brief."""
    briefs = {r["id"]: clean_text(r["title"], r["body"]) for r in corpus if r["id"].startswith("brief-")}
    lost = []
    for question in _records(dataset / "questions.jsonl"):
        text = briefs.get("brief-" + question["id"].partition("-")[2])
        if text is not None and not all(passage in text for passage in question["evidence"]):
            lost.append(question["id"])
    return lost


def report(figures: dict[str, Any]) -> str:
    raw_lines, clean_lines = figures["lines"]
    megabytes, seconds = figures["clean_cpu"]
    lines = [
        f"cleaning the whole corpus ({megabytes:.1f} MB) took {seconds:.2f} s of CPU",
        f"{figures['articles']} web articles: {raw_lines} non-blank lines before cleaning, "
        f"{clean_lines} after",
        "",
        f"{'furniture family (lines)':<34}{'before':>8}{'after':>8}  (of them cut after a real sentence)",
    ]
    for family, count in figures["families"].items():
        after, tails = figures["families_after"][family], figures["tails"][family]
        lines.append(f"{family:<34}{count:>8}{after:>8}  ({tails})")
    lines.append(f"{'photo credits cut from captions':<34}{figures['credits']:>8}{0:>8}")
    lines += ["", f"{'keyword probe (lines)':<34}{'before':>8}{'after':>8}"]
    for name, (was, now) in figures["probes"].items():
        lines.append(f"{name:<34}{was:>8}{now:>8}")
    for family, sample in figures["samples"].items():
        lines += ["", f"sample removed as {family}:"] + [f"  | {line[:160]}" for line in sample]
    lines += ["", "sample photo credits cut:"] + [f"  | {credit}" for credit in figures["credit_samples"]]
    lost = figures["evidence_lost"]
    lines += ["", f"questions whose evidence no longer stands whole in its brief: {len(lost)} {lost[:5]}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/realtimeqa-dev"))
    parser.add_argument("--sample", type=int, default=8, help="removed lines shown per family")
    args = parser.parse_args()
    if not (args.dataset / "corpus.jsonl").is_file():
        parser.error(f"{args.dataset}/corpus.jsonl not found: pass --dataset")
    print(report(measure(args.dataset, args.sample)))


if __name__ == "__main__":
    main()
