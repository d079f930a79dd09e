"""Why questions fail, and how each kind of question fares: read from a run's results alone.

A wrong answer has one of four causes, and each calls for a different fix:

- `not_retrieved`: an answerable question whose gold evidence is in none of the
  top 5 chunks (retrieval's fault, whatever the answerer then did);
- `answered_wrong`: the evidence was retrieved, the answer does not hold the gold answer
  (sentence choice);
- `wrongly_abstained`: the evidence was retrieved and the assistant abstained (abstention);
- `answered_unanswerable`: an unanswerable question that got an answer (abstention).

Groups split the same figures by what a question is: its quiz outlet and its
year (see `evals.groups`), so a gain on one kind of question cannot hide a loss
on another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

CATEGORIES = {
    "not_retrieved": "not retrieved (evidence not in the top 5)",
    "answered_wrong": "retrieved but answered wrong",
    "wrongly_abstained": "retrieved but abstained",
    "answered_unanswerable": "answered when unanswerable",
}
GROUP_METRICS = (
    "accuracy",
    "contains_answer",
    "hit_rate@5",
    "citation_precision",
    "citation_support",
    "abstention_recall",
)
TOP_TITLES = 3


def category(result: dict[str, Any]) -> str | None:
    """The failure kind of one result, or None when it is right."""
    if result["correct"]:
        return None
    if result["unanswerable"]:
        return "answered_unanswerable"
    if result["metrics"].get("hit_rate@5") == 0.0:
        return "not_retrieved"
    return "wrongly_abstained" if result["abstained"] else "answered_wrong"


def failures(results: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every wrong result under its kind, in dataset order; every kind present, maybe empty."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in CATEGORIES}
    for result in results:
        kind = category(result)
        if kind:
            out[kind].append(result)
    return out


def counts(results: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Failures per kind, plus how many not-retrieved questions were abstained on."""
    found = failures(results)
    out = {name: len(items) for name, items in found.items()}
    out["not_retrieved_abstained"] = sum(r["abstained"] for r in found["not_retrieved"])
    return out


def example(result: dict[str, Any]) -> dict[str, Any]:
    """What a reader needs to judge one failure: question, gold, answer, the top retrieved articles."""
    return {
        "id": result["id"],
        "question": result["question"],
        "gold": "(unanswerable)" if result["unanswerable"] else " | ".join(result["gold_answers"]),
        "answer": "(abstained)" if result["abstained"] else result["answer"],
        "top": [_title(chunk) for chunk in _distinct_articles(result["retrieved"])[:TOP_TITLES]],
    }


def _distinct_articles(chunks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for chunk in chunks:
        seen.setdefault(chunk["article_id"], chunk)
    return list(seen.values())


def _title(chunk: dict[str, Any]) -> str:
    """`title (date)`; runs written before titles were recorded show the article id."""
    name = chunk.get("title") or chunk["article_id"]
    return f"{name} ({chunk.get('published') or 'undated'})"


def group_metrics(results: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, float | None]]]:
    """{group: {value: {"questions": n, metric: mean or None}}} for every group the results carry."""
    names = sorted({name for result in results for name in result.get("groups", {})})
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for name in names:
        values = sorted({r["groups"][name] for r in results if name in r.get("groups", {})})
        out[name] = {
            value: _metrics([r for r in results if r.get("groups", {}).get(name) == value])
            for value in values
        }
    return out


def _metrics(results: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    unanswerable = [r for r in results if r["unanswerable"]]
    row: dict[str, float | None] = {
        "questions": float(len(results)),
        "accuracy": float(np.mean([r["correct"] for r in results])),
        "abstention_recall": (
            float(np.mean([r["abstained"] for r in unanswerable])) if unanswerable else None
        ),
    }
    for name in ("contains_answer", "hit_rate@5", "citation_precision", "citation_support"):
        values = [r["metrics"][name] for r in results if r["metrics"].get(name) is not None]
        row[name] = float(np.mean(values)) if values else None
    return row


def format_breakdown(results: Sequence[dict[str, Any]], examples: int = 2) -> str:
    """The terminal's view: counts per failure kind with examples, then metrics per group."""
    found, number = failures(results), counts(results)
    lines = [f"failures ({sum(len(items) for items in found.values())} of {len(results)} questions)"]
    for name, label in CATEGORIES.items():
        extra = f", {number['not_retrieved_abstained']} of them abstained" if name == "not_retrieved" else ""
        lines.append(f"  {label}: {number[name]}{extra}")
        for item in found[name][:examples]:
            case = example(item)
            lines += [
                f"    - {case['question']}",
                f"      gold: {case['gold']}",
                f"      answered: {_short(case['answer'])}",
                f"      top: {'; '.join(case['top']) or '(nothing retrieved)'}",
            ]
    for group, table in group_metrics(results).items():
        lines += ["", format_group_table(group, table)]
    return "\n".join(lines)


def format_group_table(group: str, table: dict[str, dict[str, float | None]]) -> str:
    header = f"{'by ' + group:<28}{'n':>6}" + "".join(f"{_column(m):>11}" for m in GROUP_METRICS)
    rows = [header]
    for value, row in table.items():
        cells = "".join(f"{_number(row[m]):>11}" for m in GROUP_METRICS)
        rows.append(f"{value[:27]:<28}{int(row['questions'] or 0):>6}{cells}")
    return "\n".join(rows)


def _column(metric: str) -> str:
    return {
        "contains_answer": "contains",
        "citation_precision": "cite_prec",
        "citation_support": "cite_supp",
        "abstention_recall": "abst_rec",
    }.get(metric, metric)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _short(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
