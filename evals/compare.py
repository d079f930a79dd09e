"""Two runs side by side: metric deltas, and the questions that changed verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.report import REPORTED
from evals.run import read_run


def compare_runs(first: Path, second: Path) -> dict[str, Any]:
    """Deltas (second minus first) and the ids that flipped between right and wrong."""
    results_a, summary_a = read_run(first)
    results_b, summary_b = read_run(second)
    rows = []
    for name in REPORTED:
        a, b = summary_a["metrics"].get(name), summary_b["metrics"].get(name)
        if a is not None or b is not None:
            rows.append({"metric": name, "a": a, "b": b, "delta": None if a is None or b is None else b - a})
    verdict_a = {r["id"]: r for r in results_a}
    both = [r for r in results_b if r["id"] in verdict_a]
    return {
        "a": str(first),
        "b": str(second),
        "metrics": rows,
        "broke": [r["question"] for r in both if verdict_a[r["id"]]["correct"] and not r["correct"]],
        "fixed": [r["question"] for r in both if not verdict_a[r["id"]]["correct"] and r["correct"]],
        "same_corpus": summary_a.get("corpus_fingerprint") == summary_b.get("corpus_fingerprint"),
    }


def format_comparison(comparison: dict[str, Any]) -> str:
    def number(value: float | None, sign: bool = False) -> str:
        return "—" if value is None else f"{value:+.3f}" if sign else f"{value:.3f}"

    lines = [f"A: {comparison['a']}", f"B: {comparison['b']}", ""]
    lines.append(f"{'metric':<24}{'A':>8}{'B':>8}{'B-A':>9}")
    for row in comparison["metrics"]:
        a, b, delta = number(row["a"]), number(row["b"]), number(row["delta"], sign=True)
        lines.append(f"{row['metric']:<24}{a:>8}{b:>8}{delta:>9}")
    lines += ["", f"right in A, wrong in B ({len(comparison['broke'])}):"]
    lines += [f"  - {question}" for question in comparison["broke"]]
    lines += [f"wrong in A, right in B ({len(comparison['fixed'])}):"]
    lines += [f"  - {question}" for question in comparison["fixed"]]
    if not comparison["same_corpus"]:
        lines += ["", "note: the two runs used different corpora"]
    return "\n".join(lines)
