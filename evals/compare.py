"""Two runs side by side: metric deltas, and the questions that changed verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals import breakdown
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
        "failures": _failure_rows(results_a, results_b),
        "groups": _group_rows(results_a, results_b),
    }


def _failure_rows(results_a: list[dict[str, Any]], results_b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions per failure kind in each run, with the change."""
    a, b = breakdown.counts(results_a), breakdown.counts(results_b)
    return [{"kind": label, "a": a[name], "b": b[name]} for name, label in breakdown.CATEGORIES.items()]


def _group_rows(results_a: list[dict[str, Any]], results_b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accuracy and contains_answer per group value in each run (a value missing from one run shows —)."""
    a, b = breakdown.group_metrics(results_a), breakdown.group_metrics(results_b)
    rows = []
    for group in sorted(set(a) | set(b)):
        for value in sorted(set(a.get(group, {})) | set(b.get(group, {}))):
            row_a, row_b = a.get(group, {}).get(value, {}), b.get(group, {}).get(value, {})
            for metric in ("accuracy", "contains_answer"):
                rows.append(
                    {
                        "group": f"{group}={value}",
                        "metric": metric,
                        "a": row_a.get(metric),
                        "b": row_b.get(metric),
                    }
                )
    return rows


def format_comparison(comparison: dict[str, Any]) -> str:
    def number(value: float | None, sign: bool = False) -> str:
        return "—" if value is None else f"{value:+.3f}" if sign else f"{value:.3f}"

    lines = [f"A: {comparison['a']}", f"B: {comparison['b']}", ""]
    lines.append(f"{'metric':<24}{'A':>8}{'B':>8}{'B-A':>9}")
    for row in comparison["metrics"]:
        a, b, delta = number(row["a"]), number(row["b"]), number(row["delta"], sign=True)
        lines.append(f"{row['metric']:<24}{a:>8}{b:>8}{delta:>9}")
    lines += ["", f"{'failures':<44}{'A':>8}{'B':>8}{'B-A':>9}"]
    for row in comparison["failures"]:
        lines.append(f"{row['kind']:<44}{row['a']:>8}{row['b']:>8}{row['b'] - row['a']:>+9}")
    if comparison["groups"]:
        lines += ["", f"{'group':<32}{'metric':<16}{'A':>8}{'B':>8}{'B-A':>9}"]
    for row in comparison["groups"]:
        a, b = row["a"], row["b"]
        delta = number(None if a is None or b is None else b - a, sign=True)
        lines.append(f"{row['group'][:31]:<32}{row['metric']:<16}{number(a):>8}{number(b):>8}{delta:>9}")
    lines += ["", f"right in A, wrong in B ({len(comparison['broke'])}):"]
    lines += [f"  - {question}" for question in comparison["broke"]]
    lines += [f"wrong in A, right in B ({len(comparison['fixed'])}):"]
    lines += [f"  - {question}" for question in comparison["fixed"]]
    if not comparison["same_corpus"]:
        lines += ["", "note: the two runs used different corpora"]
    return "\n".join(lines)
