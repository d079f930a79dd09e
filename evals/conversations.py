"""Conversations in an eval: replayed as the chat does, each follow-up beside its standalone form.

A conversation record is asked turn by turn through `Assistant.ask`, each turn
with the earlier questions and the assistant's own answers as history (what
the web chat and Slack threads pass). Every turn with gold answers is scored;
every follow-up is also asked alone, in its standalone form, so the summary
can say what reading it in its conversation costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from evals.datasets import EvalCase
from rag.assistant import Assistant
from rag.schema import Answer

Asked = tuple[EvalCase, Answer, dict[str, Any]]
COMPARED = ("contains_answer", "token_f1", "hit_rate@5")


def ask_case(assistant: Assistant, case: EvalCase) -> list[Asked]:
    """The scored asks of one case: the case itself, or each scored turn of a conversation and the
    standalone forms of its follow-ups."""
    if not case.turns:
        return [(case, assistant.ask(case.question, case.history, as_of=case.as_of), {})]
    asked: list[Asked] = []
    history = list(case.history)
    for number, turn in enumerate(case.turns, start=1):
        answer = assistant.ask(turn.question, history, as_of=case.as_of)
        scored = turn.answers or turn.unanswerable
        where = {"conversation": case.id, "turn": number}
        if scored:
            asked.append((_turn_case(case, number, turn.question, history), answer, where))
        if scored and number > 1 and turn.standalone:
            alone = _turn_case(case, number, turn.standalone, [], suffix="/standalone")
            asked.append((alone, assistant.ask(turn.standalone, as_of=case.as_of), {**where, "alone": True}))
        history = [
            *history,
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": answer.text},
        ]
    return asked


def _turn_case(
    case: EvalCase, number: int, question: str, history: list[dict[str, str]], suffix: str = ""
) -> EvalCase:
    turn = case.turns[number - 1]
    return replace(
        case,
        id=f"{case.id}#{number}{suffix}",
        question=question,
        answers=turn.answers,
        evidence=turn.evidence,
        unanswerable=turn.unanswerable,
        history=list(history),
        turns=[],
    )


def conversation_summary(results: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """First turns, follow-ups as replayed, and the same follow-ups asked alone: mean metrics each.

    `ratio` is the follow-ups' contains_answer over their standalone forms' (1.0: nothing lost).
    """
    turns = [r for r in results if r.get("conversation") and not r["unanswerable"]]
    if not turns:
        return None
    alone = {(r["conversation"], r["turn"]): r for r in turns if r.get("alone")}
    follow = [r for r in turns if not r.get("alone") and (r["conversation"], r["turn"]) in alone]
    groups = {
        "first turns": [r for r in turns if not r.get("alone") and r["turn"] == 1],
        "follow-ups": follow,
        "follow-ups asked standalone": [alone[(r["conversation"], r["turn"])] for r in follow],
    }
    rows = {name: _means(group) for name, group in groups.items()}
    replayed, standalone = (
        rows["follow-ups"]["contains_answer"],
        rows["follow-ups asked standalone"]["contains_answer"],
    )
    levels: dict[str, int] = {}
    for r in follow:
        level = r.get("answered_from") or "no focus"
        levels[level] = levels.get(level, 0) + 1
    return {
        "rows": rows,
        "ratio": replayed / standalone if replayed is not None and standalone else None,
        "answered_from": levels,
    }


def _means(group: list[dict[str, Any]]) -> dict[str, Any]:
    means: dict[str, Any] = {"n": len(group)}
    for name in COMPARED:
        values = [r["metrics"][name] for r in group if r["metrics"].get(name) is not None]
        means[name] = float(np.mean(values)) if values else None
    return means


def format_conversations(summary: dict[str, Any] | None) -> str:
    """The conversation table for the terminal; empty when the dataset holds no conversations."""
    if not summary:
        return ""
    header = f"{'conversation turns':<30}{'n':>5}" + "".join(f"{name:>18}" for name in COMPARED)
    lines = [header]
    for name, row in summary["rows"].items():
        cells = "".join(f"{row[m]:>18.3f}" if row[m] is not None else f"{'-':>18}" for m in COMPARED)
        lines.append(f"{name:<30}{row['n']:>5}{cells}")
    if summary["ratio"] is not None:
        lines.append(f"follow-up / standalone contains_answer: {summary['ratio']:.3f}")
    levels = ", ".join(f"{level} {count}" for level, count in sorted(summary["answered_from"].items()))
    lines.append(f"follow-ups answered from: {levels}")
    return "\n".join(lines)
