"""A self-contained HTML page for one run: headline table, plots, the worst questions.

Plots are PNGs embedded as data URIs, so the page can be mailed or attached
to a pull request as one file. All dataset and article text is escaped.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from evals import breakdown

REPORTED = (
    "accuracy",
    "contains_answer",
    "token_f1",
    "exact_match",
    "semantic_similarity",
    "hit_rate@5",
    "recall@5",
    "mrr@10",
    "ndcg@10",
    "citation_precision",
    "citation_support",
    "faithfulness",
    "cited",
    "abstention_precision",
    "abstention_recall",
    "wrong_abstention_rate",
)
WORST = 10
EXAMPLES = 5


def headline_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, mean, 95% interval) for every reported metric present in the run."""
    rows = []
    for name in REPORTED:
        value = summary["metrics"].get(name)
        if value is None:
            continue
        interval = summary.get("intervals", {}).get(name)
        rows.append((name, f"{value:.3f}", f"{interval[0]:.3f} – {interval[1]:.3f}" if interval else ""))
    return rows


def render_report(results: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    table = "".join(
        f"<tr><td>{escape(name)}</td><td>{mean}</td><td>{interval}</td></tr>"
        for name, mean, interval in headline_rows(summary)
    )
    latency = "".join(
        f"<tr><td>{escape(stage)}</td><td>{v.get('p50', 0):.1f}</td><td>{v.get('p95', 0):.1f}</td></tr>"
        for stage, v in summary["latency_ms"].items()
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Eval: {escape(summary["dataset"])}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #111827; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border-bottom: 1px solid #e5e7eb; padding: 4px 12px; }}
th {{ text-align: left; }} .bad {{ color: #b91c1c; }} .ok {{ color: #047857; }}
details {{ margin: .6em 0; }} mark {{ background: #fde68a; }} .chunk {{ color: #4b5563; font-size: 13px; }}
</style></head><body>
<h1>Evaluation report</h1>
<p>{escape(summary["dataset"])} · {counts["questions"]} questions ({counts["answerable"]} answerable,
{counts["unanswerable"]} unanswerable, {counts["with_history"]} follow-ups) · answerer
<b>{escape(summary["models"]["answerer"])}</b> · embedding {escape(summary["models"]["embedding"])} ·
revision {escape(str(summary.get("git_revision")))} · {escape(summary["created"])}</p>
<h2>Headline</h2>
<table><tr><th>metric</th><th>mean</th><th>95% bootstrap interval</th></tr>{table}</table>
<img alt="metrics" src="{_metrics_plot(summary)}">
<h2>Latency (ms)</h2>
<table><tr><th>stage</th><th>p50</th><th>p95</th></tr>{latency}</table>
<img alt="latency" src="{_latency_plot(results)}">
{_conversations_html(summary.get("conversations"))}
<h2>Failures</h2>
{_failures_html(results)}
<h2>By group</h2>
{_groups_html(results)}
<h2>The {WORST} worst questions</h2>
{"".join(_case_html(result) for result in worst(results))}
</body></html>"""


def _conversations_html(conversations: dict[str, Any] | None) -> str:
    """Follow-ups as replayed beside the same questions asked standalone (nothing without conversations)."""
    if not conversations:
        return ""
    names = ("contains_answer", "token_f1", "hit_rate@5")
    rows = "".join(
        f"<tr><td>{escape(group)}</td><td>{row['n']}</td>"
        + "".join(f"<td>{row[name]:.3f}</td>" if row[name] is not None else "<td>–</td>" for name in names)
        + "</tr>"
        for group, row in conversations["rows"].items()
    )
    ratio = conversations.get("ratio")
    levels = ", ".join(
        f"{escape(level)} {count}" for level, count in sorted(conversations["answered_from"].items())
    )
    return f"""<h2>Conversations</h2>
<table><tr><th>turns</th><th>n</th>{"".join(f"<th>{name}</th>" for name in names)}</tr>{rows}</table>
<p>Follow-up / standalone contains_answer: {f"{ratio:.3f}" if ratio is not None else "–"}.
Follow-ups answered from: {levels}.</p>"""


def worst(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrong answers first, then the lowest token F1."""
    return sorted(results, key=lambda r: (r["correct"], r["metrics"].get("token_f1") or 0.0))[:WORST]


def _case_html(result: dict[str, Any]) -> str:
    verdict = '<span class="ok">right</span>' if result["correct"] else '<span class="bad">wrong</span>'
    gold = "unanswerable" if result["unanswerable"] else " | ".join(result["gold_answers"])
    chunks = "".join(
        f'<li class="chunk">{escape(c["article_id"])} ({c["score"]:.3f}): {escape(c["text"][:300])}…</li>'
        for c in result["retrieved"]
    )
    return (
        f"<details><summary>{verdict} <b>{escape(result['question'])}</b></summary>"
        f"<p>Gold: {escape(gold)}</p><p>Answer: {escape(result['answer'])}</p>"
        f"<p>Retrieved:</p><ol>{chunks}</ol></details>"
    )


def _failures_html(results: list[dict[str, Any]]) -> str:
    """Counts per failure kind, each with the first few examples and what was retrieved for them."""
    found, number = breakdown.failures(results), breakdown.counts(results)
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{number[name]}</td></tr>"
        for name, label in breakdown.CATEGORIES.items()
    )
    sections = []
    for name, label in breakdown.CATEGORIES.items():
        items = "".join(_example_html(breakdown.example(r)) for r in found[name][:EXAMPLES])
        sections.append(f"<h3>{escape(label)} ({number[name]})</h3><ul>{items}</ul>" if items else "")
    note = f"<p>{number['not_retrieved_abstained']} of the not-retrieved questions were abstained on.</p>"
    return f"<table><tr><th>kind</th><th>questions</th></tr>{rows}</table>{note}{''.join(sections)}"


def _example_html(case: dict[str, Any]) -> str:
    top = "".join(f"<li>{escape(title)}</li>" for title in case["top"])
    return (
        f"<li><b>{escape(case['question'])}</b><br>gold: {escape(case['gold'])}<br>"
        f'answered: {escape(case["answer"])}<br>top retrieved:<ol class="chunk">{top}</ol></li>'
    )


def _groups_html(results: list[dict[str, Any]]) -> str:
    tables = breakdown.group_metrics(results)
    if not tables:
        return "<p>No groups: the question ids carry no quiz date (see evals/groups.py).</p>"
    head = "".join(f"<th>{escape(metric)}</th>" for metric in breakdown.GROUP_METRICS)
    out = []
    for group, table in tables.items():
        rows = "".join(
            f"<tr><td>{escape(value)}</td><td>{int(row['questions'] or 0)}</td>"
            + "".join(f"<td>{_cell(row[metric])}</td>" for metric in breakdown.GROUP_METRICS)
            + "</tr>"
            for value, row in table.items()
        )
        header = f"<tr><th>{escape(group)}</th><th>n</th>{head}</tr>"
        out.append(f"<h3>by {escape(group)}</h3><table>{header}{rows}</table>")
    return "".join(out)


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _pyplot() -> Any:
    """pyplot on the file-only backend: reports are made on servers without a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _metrics_plot(summary: dict[str, Any]) -> str:
    plt = _pyplot()
    rows = headline_rows(summary)
    figure, axis = plt.subplots(figsize=(9, 3.6))
    axis.barh(
        [name for name, _, _ in rows][::-1], [float(mean) for _, mean, _ in rows][::-1], color="#2563eb"
    )
    axis.set_xlim(0, 1)
    axis.set_title("Mean per metric")
    return _png(figure)


def _latency_plot(results: list[dict[str, Any]]) -> str:
    plt = _pyplot()
    stages = [
        stage for stage in ("retrieve", "answer", "total") if any(stage in r["timings"] for r in results)
    ]
    figure, axis = plt.subplots(figsize=(9, 3))
    axis.boxplot(
        [[r["timings"].get(stage, 0.0) for r in results] for stage in stages], orientation="horizontal"
    )
    axis.set_yticks(range(1, len(stages) + 1), stages)
    axis.set_xlabel("ms")
    axis.set_title("Latency per stage")
    return _png(figure)


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    _pyplot().close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
