"""The question pipeline as a LangChain runnable: condense (with the focus) | retrieve | answer.

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
from rag.query.compare import Comparer, Scorer, asks_for_comparison, topic_of
from rag.query.condense import own_words, read
from rag.query.coverage import EventMembers, with_coverage
from rag.query.filters import Filters
from rag.query.focus import recover_focus
from rag.query.latest import age_note
from rag.query.retrieval import HybridRetriever, Recency
from rag.query.timeframe import asks_for_timeline, resolve, without_phrase
from rag.schema import Answer, Focus, RetrievedChunk, Timeframe
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
    """question + history -> standalone question -> its time window -> retrieved chunks.

    A follow-up that leans on the conversation's focus is answered here already, tier by tier
    (`answer_in_tiers`), since which chunks it is read from depends on whether they answer.
    """

    def condense_step(state: State) -> State:
        history = state.get("history", ())
        focus = recover_focus(history, retriever) if history else None
        reading = read(state["question"], history, focus)
        standalone = (
            answerer.rewrite(state["question"], history, focus) if reading.follow_up else reading.standalone
        )
        return {
            **state,
            "standalone": standalone,
            "focus": focus if reading.follow_up else None,
        }

    def retrieve_step(state: State) -> State:
        compare = state.get("compare")
        if compare is None:
            compare = asks_for_comparison(state["question"])
        timeline = state.get("timeline")
        if timeline is None:
            timeline = not compare and asks_for_timeline(state["question"])
        state = {**state, "compare": compare, "timeline": timeline}
        if state.get("focus") is not None and not (timeline or compare):
            return answer_in_tiers(state, retriever, answerer, settings)
        return search(state, state["standalone"], retriever, settings)

    return timed("condense", condense_step) | timed("retrieve", retrieve_step)


def search(
    state: State, question: str, retriever: HybridRetriever, settings: Settings, within: Filters | None = None
) -> State:
    """`state` with the chunks `question` retrieves (within the focus `within` names, when given)."""
    timeframe = resolve(question, state["as_of"])
    base = state.get("filters") or Filters()
    if within is not None:
        base = replace(base, articles=within.articles, events=within.events)
    filters = base.within(timeframe.since, timeframe.published_until)
    timeline, compare = state["timeline"], state["compare"]
    # A timeline wants every date the story has, not the newest, and a comparison every outlet:
    # more chunks; a timeline has no recency prior.
    wide = timeline or compare
    k = max(state.get("k") or settings.top_k, settings.timeline_k) if wide else state.get("k")
    recency = recency_for(timeframe, settings) if not timeline else None
    # Time words name when, not what: they would only match articles that say "week".
    query = without_phrase(question, timeframe)
    if compare:
        query = topic_of(query)
    found = replace(retriever.search(query, k, filters, recency), timeframe=timeframe)
    outside: list[RetrievedChunk] = []
    if not found.chunks and timeframe.since:
        # Nothing in the window: the reader still sees what lies outside it, as nearest articles.
        outside = retriever.search(
            query, state.get("k"), base.within(None, timeframe.as_of), recency, vector=found.query_vector
        ).chunks
    return {
        **state,
        "found": found,
        "timeframe": timeframe,
        "outside": outside,
        "query": query,
        "store": retriever.store,
    }


def answer_in_tiers(
    state: State, retriever: HybridRetriever, answerer: Answerer, settings: Settings
) -> State:
    """A follow-up answered from the focus's articles and events, else its topic, else the archive.

    The first tier whose evidence passes the answerer's own gate answers. Inside the focus the
    question is read as the user asked it: every sentence there shares the topic's words (and
    names), and only the question's own words tell them apart; one with no words of its own ("Who
    is he?") is read as understood ("Who is Ariel Henry?"). The archive tier reads it as asked
    too: when neither the focus nor its topic answers, carrying the topic along only misleads.
    """
    focus: Focus = state["focus"]
    standalone = state["standalone"]
    # (level, the question searched and read, the question the answer says it understood, where)
    tiers: list[tuple[str, str, str, Filters | None]] = []
    if focus.article_ids or focus.event_ids:
        within = Filters(articles=tuple(focus.article_ids), events=tuple(focus.event_ids))
        inside = state["question"] if own_words(state["question"]) else standalone
        tiers.append(("focus", inside, standalone, within))
    tiers.append(("topic", standalone, standalone, None))
    if state["question"] != standalone:
        tiers.append(("archive", state["question"], state["question"], None))

    def ask(level: str, question: str, understood: str, within: Filters | None) -> tuple[State, Answer]:
        found = search({**state, "standalone": understood}, question, retriever, settings, within)
        answer = answerer.answer(question, found["found"], state["question"])
        return {**found, "tiered": answer.model_copy(update={"focus": focus, "answered_from": level})}, answer

    *earlier, last = tiers
    for tier in earlier:
        answered, answer = ask(*tier)
        if not answer.abstained:
            return answered
    return ask(*last)[0]


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
    retriever: HybridRetriever,
    answerer: Answerer,
    settings: Settings,
    comparer: Comparer | None = None,
    members: EventMembers | None = None,
) -> Runnable[State, Answer]:
    """The whole pipeline; `invoke({"question", "history", "as_of", "k", "filters"})` gives an `Answer`.

    `members` names the articles of an event (the event index), for the coverage line.
    """
    comparer = comparer or build_comparer(retriever, answerer, settings)

    def answer_step(state: State) -> State:
        return {**state, "answer": respond(state, answerer, comparer)}

    return (
        build_retrieval_chain(retriever, answerer, settings)
        | timed("answer", answer_step)
        | RunnableLambda(lambda state: finish(state, members), name="finish")
    )


def build_comparer(retriever: HybridRetriever, answerer: Answerer, settings: Settings) -> Comparer:
    """Compare questions score sentences as the extractive answerer does (a model answerer wraps one)."""
    scorer = getattr(answerer, "extractive", answerer)
    if not isinstance(scorer, Scorer):
        raise TypeError(f"the {answerer.name} answerer scores no sentences, so it cannot compare outlets")
    return Comparer(scorer, retriever, settings.abstain_threshold, settings.timeline_k)


def respond(state: State, answerer: Answerer, comparer: Comparer) -> Answer:
    """The answer the question asks for: a comparison of outlets, a timeline, or an answer."""
    if state.get("tiered") is not None:
        return state["tiered"]
    if state.get("compare"):
        return comparer.compare(state["query"], state["found"], state["question"])
    respond = answerer.timeline if state["timeline"] else answerer.answer
    return respond(state["standalone"], state["found"], state["question"])


def finish(state: State, members: EventMembers | None = None) -> Answer:
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
    return with_coverage(answer, state["store"], members) if "store" in state else answer


def _age_note(answer: Answer, as_of: date) -> str | None:
    """How old the newest article a latest answer cites is, when it is old (the archive may be behind)."""
    days = [citation.published[:10] for citation in answer.citations if citation.published]
    return age_note(date.fromisoformat(max(days)), as_of) if days else None
