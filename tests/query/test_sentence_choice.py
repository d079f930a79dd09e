"""Which sentence the extractive answerer quotes, and when it says nothing answers.

Two signals, kept apart: a sentence's evidence (meaning, words, kind, names,
date) decides whether anything answers; the retriever's score of the chunk a
sentence sits in also decides which of the answering sentences is quoted.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.components.answerer.extractive import ExtractiveAnswerer
from rag.components.embedding import build_embedder
from rag.query.retrieval import SearchResult
from rag.schema import RetrievedChunk
from rag.settings import Settings

QUESTION = "What did the Elbrin observatory name the new comet?"
COPY = "The Elbrin observatory named the new comet Talvora after a local poet."


def chunk(article: str, text: str, score: float) -> RetrievedChunk:
    return RetrievedChunk(
        chunk_id=f"{article}::0",
        article_id=article,
        title=f"{article} report",
        text=text,
        score=score,
        start=0,
        end=len(text),
    )


@pytest.fixture
def answerer(make_settings: Callable[..., Settings]) -> ExtractiveAnswerer:
    settings = make_settings()
    return ExtractiveAnswerer(build_embedder(settings), 3, settings.abstain_threshold)


def found(answerer: ExtractiveAnswerer, *chunks: RetrievedChunk) -> SearchResult:
    return SearchResult(list(chunks), answerer.embedder.embed_query(QUESTION))


def test_of_two_equally_good_sentences_the_one_in_the_chunk_retrieval_preferred_is_quoted(
    answerer: ExtractiveAnswerer,
) -> None:
    # The same wire sentence in two articles; retrieval scored the second article's chunk higher
    # (its title, BM25, its date), though it comes later in the list.
    answer = answerer.answer(
        QUESTION, found(answerer, chunk("weak", COPY, score=0.4), chunk("strong", COPY, score=1.0))
    )

    assert not answer.abstained
    assert [citation.article_id for citation in answer.citations] == ["strong"]


def test_whether_anything_answers_does_not_depend_on_the_retrieval_score(
    answerer: ExtractiveAnswerer,
) -> None:
    # On the topic, but it does not say what the comet was named.
    nearby = "Astronomers say comets are made of ice and dust left over from the early solar system."
    retrieved = found(answerer, chunk("nearby", nearby, score=1.0))

    answer = answerer.answer(QUESTION, retrieved)

    assert answer.abstained
    assert answer.evidence_score is not None and answer.evidence_score < answerer.threshold
    scored, _ = answerer.score(QUESTION, retrieved)
    assert scored[0].score >= answerer.threshold  # with the chunk score it would have been quoted
