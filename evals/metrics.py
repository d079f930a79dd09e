"""Deterministic metrics: retrieval (via ranx), answers, citations, abstention, latency.

No LLM judge: each figure is reproducible from `results.jsonl` alone.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np

from evals.datasets import EvalCase
from rag.schema import Answer

RETRIEVAL_METRICS = ("hit_rate@5", "recall@5", "mrr@10", "ndcg@10")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower().replace("’", "'") if ch not in string.punctuation)
    return _SPACE.sub(" ", _ARTICLES.sub(" ", text)).strip()


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(answer) for answer in answers)) if answers else 0.0


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best SQuAD token F1 over the gold answers."""
    return max(
        (_f1(normalize(prediction).split(), normalize(answer).split()) for answer in answers), default=0.0
    )


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if not predicted or not gold or not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def contains_answer(prediction: str, answers: Sequence[str]) -> float:
    """1 when some gold answer appears in the prediction (after normalisation)."""
    text = normalize(prediction)
    return float(any(normalize(answer) and normalize(answer) in text for answer in answers))


def evidence_in(text: str, article_id: str, evidence: Sequence[str]) -> list[int]:
    """Indexes of the evidence items a chunk or quote holds: by article id, or the sentence within it."""
    flat = _SPACE.sub(" ", text)
    return [
        index
        for index, item in enumerate(evidence)
        if item == article_id or _SPACE.sub(" ", item) in flat or (len(item) > 20 and flat in item)
    ]


def relevance_run(answer: Answer, evidence: Sequence[str]) -> dict[str, float]:
    """The ranked list in ranx's terms: a chunk holding evidence item i counts as document `e{i}` once."""
    run: dict[str, float] = {}
    for rank, chunk in enumerate(answer.retrieved):
        held = [f"e{i}" for i in evidence_in(chunk.text, chunk.article_id, evidence) if f"e{i}" not in run]
        for doc in held or [chunk.chunk_id]:
            run.setdefault(doc, float(len(answer.retrieved) - rank))
    return run


def retrieval_scores(
    runs: dict[str, dict[str, float]], evidence: dict[str, Sequence[str]]
) -> dict[str, dict[str, float]]:
    """Per-question hit@5, recall@5, MRR@10 and nDCG@10 from ranx."""
    from ranx import Qrels, Run, evaluate

    asked = [qid for qid, items in evidence.items() if items]
    if not asked:
        return {}
    qrels = Qrels({qid: {f"e{i}": 1 for i in range(len(evidence[qid]))} for qid in asked})
    run = Run({qid: runs.get(qid) or {"none": 0.0} for qid in asked})
    evaluate(qrels, run, list(RETRIEVAL_METRICS), make_comparable=True)
    return {qid: {metric: float(run.scores[metric][qid]) for metric in RETRIEVAL_METRICS} for qid in asked}


def citation_precision(answer: Answer, evidence: Sequence[str]) -> float | None:
    """Share of cited quotes that hold (or lie within) gold evidence; None when nothing is cited."""
    if not answer.citations or not evidence:
        return None
    good = sum(bool(evidence_in(c.quote, c.article_id, evidence)) for c in answer.citations)
    return good / len(answer.citations)


def citation_support(answer: Answer, evidence: Sequence[str], answers: Sequence[str]) -> float | None:
    """Share of cited quotes that hold a gold answer or lie within gold evidence; None when nothing is cited.

    A sentence of another outlet's article that states the answer supports it as
    well as the gold passage does. `citation_precision` counts it wrong: in a
    dataset whose gold passage is one quiz's brief, a news assistant that cites
    the report the brief was written from loses there, not here.
    """
    if not answer.citations or not evidence:
        return None
    good = sum(
        bool(evidence_in(c.quote, c.article_id, evidence)) or bool(contains_answer(c.quote, answers))
        for c in answer.citations
    )
    return good / len(answer.citations)


def faithfulness(answer: Answer) -> float | None:
    """Share of answer sentences that the verifier found supported by what they cite."""
    if answer.abstained or not answer.claims:
        return None
    return sum(claim.supported for claim in answer.claims) / len(answer.claims)


def abstention_scores(cases: Sequence[EvalCase], answers: Sequence[Answer]) -> dict[str, float | None]:
    """Precision and recall of abstaining on unanswerable questions, and wrong abstentions."""
    pairs = list(zip(cases, answers, strict=True))
    abstained = [case for case, answer in pairs if answer.abstained]
    should = [case for case in cases if case.unanswerable]
    right = [case for case in abstained if case.unanswerable]
    answerable = len(cases) - len(should)
    return {
        "abstention_precision": len(right) / len(abstained) if abstained else None,
        "abstention_recall": len(right) / len(should) if should else None,
        "wrong_abstention_rate": (len(abstained) - len(right)) / answerable if answerable else None,
    }


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}


def bootstrap_interval(
    values: Sequence[float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float] | None:
    """95% percentile-bootstrap interval of the mean (fixed seed: runs compare like for like)."""
    if len(values) < 2:
        return None
    data = np.asarray(values, dtype=float)
    means = np.random.default_rng(seed).choice(data, size=(rounds, len(data))).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))
