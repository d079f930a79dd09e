"""One evaluation run: every case through `Assistant.ask`, scored, written to a folder.

The run asks exactly as the chat does (same Assistant, same history handling),
so its figures describe what users get.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals import breakdown, metrics
from evals.conversations import ask_case, conversation_summary
from evals.datasets import EvalCase
from evals.groups import case_groups, outlets
from rag.assistant import Assistant
from rag.schema import Answer
from rag.text.hashing import content_hash

HEADLINE = ("contains_answer", "token_f1", "hit_rate@5", "citation_precision")
_MARKER = re.compile(r"\s*\[\d+\]")


def run_eval(
    assistant: Assistant,
    cases: Sequence[EvalCase],
    dataset: Path,
    progress: Callable[[Iterable[EvalCase]], Iterable[EvalCase]] = iter,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-question results and the run summary (a conversation gives one result per scored turn,
    and one per follow-up asked standalone: those are summarised apart, under `conversations`)."""
    asked = [item for case in progress(cases) for item in ask_case(assistant, case)]
    cases = [case for case, _, _ in asked]
    answers = [answer for _, answer, _ in asked]
    runs = {
        case.id: metrics.relevance_run(answer, case.evidence)
        for case, answer in zip(cases, answers, strict=True)
    }
    retrieval = metrics.retrieval_scores(
        runs, {case.id: case.evidence for case in cases if not case.unanswerable}
    )
    results = [
        _result(case, answer, retrieval.get(case.id, {}), assistant)
        for case, answer in zip(cases, answers, strict=True)
    ]
    sources = outlets(assistant.articles())
    for (case, _, where), result in zip(asked, results, strict=True):
        result.update(where, groups=case_groups(case.id, case.unanswerable, sources))
    scored = [i for i, (_, _, where) in enumerate(asked) if not where.get("alone")]
    summary = _summary(
        [results[i] for i in scored],
        [cases[i] for i in scored],
        [answers[i] for i in scored],
        assistant,
        dataset,
    )
    summary["conversations"] = conversation_summary(results)
    return results, summary


def _result(
    case: EvalCase, answer: Answer, retrieval: dict[str, float], assistant: Assistant
) -> dict[str, Any]:
    text = _MARKER.sub("", answer.text)
    scores: dict[str, float | None] = {**retrieval}
    if not case.unanswerable:
        scores.update(
            exact_match=metrics.exact_match(text, case.answers) if not answer.abstained else 0.0,
            token_f1=metrics.token_f1(text, case.answers) if not answer.abstained else 0.0,
            contains_answer=metrics.contains_answer(text, case.answers) if not answer.abstained else 0.0,
            semantic_similarity=_similarity(assistant, text, case.answers) if not answer.abstained else 0.0,
            citation_precision=metrics.citation_precision(answer, case.evidence),
            citation_support=metrics.citation_support(answer, case.evidence, case.answers),
            faithfulness=metrics.faithfulness(answer),
            cited=float(bool(answer.citations)),
        )
    correct = answer.abstained if case.unanswerable else bool(scores.get("contains_answer"))
    return {
        "id": case.id,
        "question": case.question,
        "history": case.history,
        "unanswerable": case.unanswerable,
        "gold_answers": case.answers,
        "answer": answer.text,
        "standalone_question": answer.standalone_question,
        "answered_from": getattr(answer, "answered_from", None),
        "abstained": answer.abstained,
        "notes": answer.notes,
        "correct": correct,
        "citations": [citation.model_dump() for citation in answer.citations],
        "retrieved": [
            {
                "chunk_id": c.chunk_id,
                "article_id": c.article_id,
                "title": c.title,
                "published": c.published,
                "score": c.score,
                "text": c.text,
            }
            for c in answer.retrieved
        ],
        "metrics": scores,
        "timings": answer.timings,
        "generation": answer.generation.model_dump() if answer.generation else None,
        "fell_back": answer.fell_back,
    }


def _similarity(assistant: Assistant, text: str, answers: Sequence[str]) -> float:
    if not answers or not text:
        return 0.0
    vectors = assistant.embedder.embed([text, *answers])
    return float(np.max(vectors[1:] @ vectors[0]))


def _summary(
    results: list[dict[str, Any]],
    cases: Sequence[EvalCase],
    answers: Sequence[Answer],
    assistant: Assistant,
    dataset: Path,
) -> dict[str, Any]:
    names = sorted({name for result in results for name in result["metrics"]})
    means: dict[str, float | None] = {}
    intervals: dict[str, list[float] | None] = {}
    for name in names:
        values = [r["metrics"][name] for r in results if r["metrics"].get(name) is not None]
        means[name] = float(np.mean(values)) if values else None
        if name in HEADLINE:
            interval = metrics.bootstrap_interval(values)
            intervals[name] = list(interval) if interval else None
    means.update(metrics.abstention_scores(cases, answers))
    means["accuracy"] = float(np.mean([r["correct"] for r in results]))
    stages = sorted({stage for r in results for stage in r["timings"]})
    return {
        "dataset": str(dataset),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {
            "questions": len(results),
            "answerable": sum(not case.unanswerable for case in cases),
            "unanswerable": sum(case.unanswerable for case in cases),
            "with_history": sum(bool(case.history) for case in cases),
            "abstained": sum(answer.abstained for answer in answers),
        },
        "metrics": means,
        "intervals": intervals,
        "latency_ms": {
            stage: metrics.percentiles([r["timings"][stage] for r in results]) for stage in stages
        },
        "settings": assistant.settings.public(),
        "models": {"embedding": assistant.embedder.name, "answerer": assistant.answerer.name},
        "generation": generation_summary(answers),
        "failures": breakdown.counts(results),
        "by_group": breakdown.group_metrics(results),
        "corpus_fingerprint": content_hash(*sorted(record.content_hash for record in assistant.articles())),
        "git_revision": _git_revision(),
    }


def generation_summary(answers: Sequence[Answer]) -> dict[str, Any] | None:
    """How a language model's answers fared under verification, and how fast it wrote them."""
    made = [answer.generation for answer in answers if answer.generation]
    if not made:
        return None
    sentences = sum(g.supported + g.unsupported for g in made)
    first = [g.first_token_ms for g in made if g.first_token_ms is not None]
    speed = [g.tokens_per_s for g in made if g.tokens_per_s is not None]
    return {
        "model": made[0].model,
        "answers_generated": len(made),
        "answered_without_model": len(answers) - len(made),
        "sentences": sentences,
        "supported_share": sum(g.supported for g in made) / sentences if sentences else None,
        "fallbacks": sum(answer.fell_back for answer in answers),
        "fallback_share": sum(answer.fell_back for answer in answers) / len(made),
        "dropped_markers": sum(g.dropped_markers for g in made),
        "first_token_ms": metrics.percentiles(first) if first else None,
        "tokens_per_s_median": float(np.median(speed)) if speed else None,
    }


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def write_run(folder: Path, results: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.jsonl").open("w", encoding="utf-8") as out:
        for result in results:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")


def read_run(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not (folder / "summary.json").is_file():
        raise FileNotFoundError(f"{folder} is not an eval run (no summary.json in it)")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()], summary
