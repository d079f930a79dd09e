"""The question pipeline as a LangChain runnable: condense | retrieve | answer.

The state is a plain dict flowing through three `RunnableLambda`s; each stage
adds its result and its time in milliseconds, so the final `Answer` reports
where time went.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from rag.query.answerer import Answerer
from rag.query.citations import nearest_articles
from rag.query.compare import Comparer, asks_for_comparison, topic_of
from rag.query.coverage import with_coverage
from rag.query.filters import Filters
from rag.query.latest import age_note
from rag.query.retrieval import HybridRetriever, Recency
from rag.query.timeframe import asks_for_timeline, resolve, without_phrase
from rag.schema import Answer, RetrievedChunk, Timeframe
from rag.settings import Settings

State = dict[str, Any]


def timed(name: str, step: Callable[[State], State]) -> RunnableLambda:
    """A runnable that runs `step` and records its wall time under `timings[name]`."""

    def run(state: State) -> State:
        started = time.perf_counter()
        result = step(state)
        result["timings"] = {**state.get("timings", {}), name: (time.perf_counter() - started) * 1000}
        return result

    return RunnableLambda(run, name=name)


def build_retrieval_chain(
    retriever: HybridRetriever, answerer: Answerer, settings: Settings
) -> Runnable[State, State]:
    """question + history -> standalone question -> its time window -> retrieved chunks."""

    def condense_step(state: State) -> State:
        return {**state, "standalone": answerer.rewrite(state["question"], state.get("history", ()))}

    def retrieve_step(state: State) -> State:
        timeframe = resolve(state["standalone"], state["as_of"])
        filters = (state.get("filters") or Filters()).within(timeframe.since, timeframe.published_until)
        compare = state.get("compare")
        if compare is None:
            compare = asks_for_comparison(state["question"])
        timeline = state.get("timeline")
        if timeline is None:
            timeline = not compare and asks_for_timeline(state["question"])
        # A timeline wants every date the story has, not the newest, and a comparison every outlet:
        # more chunks; a timeline has no recency prior.
        wide = timeline or compare
        k = max(state.get("k") or settings.top_k, settings.timeline_k) if wide else state.get("k")
        recency = recency_for(timeframe, settings) if not timeline else None
        # Time words name when, not what: they would only match articles that say "week".
        query = without_phrase(state["standalone"], timeframe)
        if compare:
            query = topic_of(query)
        found = replace(retriever.search(query, k, filters, recency), timeframe=timeframe)
        outside: list[RetrievedChunk] = []
        if not found.chunks and timeframe.since:
            # Nothing in the window: the reader still sees what lies outside it, as nearest articles.
            base = (state.get("filters") or Filters()).within(None, timeframe.as_of)
            outside = retriever.search(query, state.get("k"), base, recency).chunks
        return {
            **state,
            "found": found,
            "timeframe": timeframe,
            "outside": outside,
            "timeline": timeline,
            "compare": compare,
            "query": query,
            "store": retriever.store,
        }

    return timed("condense", condense_step) | timed("retrieve", retrieve_step)


def recency_for(timeframe: Timeframe, settings: Settings) -> Recency:
    """The recency prior a question gets: none when it names its time, more when it asks for the latest.

    For the latest, ages count from the newest relevant candidate (`Recency.anchor`), not from the day
    asked: an archive is always behind that day.
    """
    weight = settings.latest_recency_weight if timeframe.latest else settings.recency_weight
    return Recency(
        timeframe.as_of,
        0.0 if timeframe.phrase else weight,
        settings.recency_half_life_days,
        period=(timeframe.since, timeframe.until) if timeframe.period and timeframe.since else None,
        period_weight=settings.period_weight,
        # "Latest" is the newest coverage there is; other questions keep the day asked as their "now".
        anchor_margin=settings.recency_anchor_margin if timeframe.latest else None,
    )


def build_answer_chain(
    retriever: HybridRetriever, answerer: Answerer, settings: Settings, comparer: Comparer | None = None
) -> Runnable[State, Answer]:
    """The whole pipeline; `invoke({"question", "history", "as_of", "k", "filters"})` gives an `Answer`."""
    comparer = comparer or build_comparer(retriever, answerer, settings)

    def answer_step(state: State) -> State:
        return {**state, "answer": respond(state, answerer, comparer)}

    return (
        build_retrieval_chain(retriever, answerer, settings)
        | timed("answer", answer_step)
        | RunnableLambda(finish, name="finish")
    )


def build_comparer(retriever: HybridRetriever, answerer: Answerer, settings: Settings) -> Comparer:
    """Compare questions score sentences as the extractive answerer does (a model answerer wraps one)."""
    scorer = getattr(answerer, "extractive", answerer)
    return Comparer(scorer, retriever, settings.abstain_threshold, settings.timeline_k)


def respond(state: State, answerer: Answerer, comparer: Comparer) -> Answer:
    """The answer the question asks for: a comparison of outlets, a timeline, or an answer."""
    if state.get("compare"):
        return comparer.compare(state["query"], state["found"], state["question"])
    respond = answerer.timeline if state["timeline"] else answerer.answer
    return respond(state["standalone"], state["found"], state["question"])


def finish(state: State) -> Answer:
    """Stamp the answer with the user's question, the stage timings and who reported it; note what it lacks.

    Every door (CLI, chat, Slack, `/ask`, the evaluator) gets its answer from
    here, so a note made here reads the same everywhere.
    """
    answer: Answer = state["answer"]
    timings = dict(state.get("timings", {}))
    timings["total"] = sum(timings.values())
    timeframe: Timeframe | None = state.get("timeframe")
    extra: dict[str, Any] = {}
    if answer.abstained and state.get("outside") and timeframe:
        extra = {
            "nearest": nearest_articles(state["outside"]),
            "notes": [*answer.notes, f"No indexed article from {timeframe.phrase!r} answers; nearest shown."],
        }
    elif timeframe and timeframe.latest and not answer.abstained and not answer.timeline:
        note = _age_note(answer, timeframe.as_of)
        extra = {"notes": [*answer.notes, note]} if note else {}
    answer = answer.model_copy(
        update={
            **extra,
            "question": state["question"],
            "standalone_question": state["standalone"],
            "timeframe": state.get("timeframe"),
            "timings": timings,
        }
    )
    return with_coverage(answer, state["store"]) if "store" in state else answer


def _age_note(answer: Answer, as_of: date) -> str | None:
    """How old the newest article a latest answer cites is, when it is old (the archive may be behind)."""
    days = [citation.published[:10] for citation in answer.citations if citation.published]
    return age_note(date.fromisoformat(max(days)), as_of) if days else None
