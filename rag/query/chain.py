"""The question pipeline as a LangChain runnable: condense | retrieve | answer.

The state is a plain dict flowing through three `RunnableLambda`s; each stage
adds its result and its time in milliseconds, so the final `Answer` reports
where time went.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from rag.query.answerer import Answerer
from rag.query.retrieval import HybridRetriever
from rag.schema import Answer

State = dict[str, Any]


def timed(name: str, step: Callable[[State], State]) -> RunnableLambda:
    """A runnable that runs `step` and records its wall time under `timings[name]`."""

    def run(state: State) -> State:
        started = time.perf_counter()
        result = step(state)
        result["timings"] = {**state.get("timings", {}), name: (time.perf_counter() - started) * 1000}
        return result

    return RunnableLambda(run, name=name)


def build_retrieval_chain(retriever: HybridRetriever, answerer: Answerer) -> Runnable[State, State]:
    """question + history -> standalone question (the answerer's rewrite) -> retrieved chunks."""

    def condense_step(state: State) -> State:
        return {**state, "standalone": answerer.rewrite(state["question"], state.get("history", ()))}

    def retrieve_step(state: State) -> State:
        return {**state, "found": retriever.search(state["standalone"], state.get("k"), state.get("filters"))}

    return timed("condense", condense_step) | timed("retrieve", retrieve_step)


def build_answer_chain(retriever: HybridRetriever, answerer: Answerer) -> Runnable[State, Answer]:
    """The whole pipeline; `invoke({"question", "history", "k", "filters"})` gives an `Answer`."""

    def answer_step(state: State) -> State:
        return {**state, "answer": answerer.answer(state["standalone"], state["found"], state["question"])}

    return (
        build_retrieval_chain(retriever, answerer)
        | timed("answer", answer_step)
        | RunnableLambda(finish, name="finish")
    )


def finish(state: State) -> Answer:
    """Stamp the answer with the user's own question and the stage timings."""
    answer: Answer = state["answer"]
    timings = dict(state.get("timings", {}))
    timings["total"] = sum(timings.values())
    return answer.model_copy(
        update={"question": state["question"], "standalone_question": state["standalone"], "timings": timings}
    )
