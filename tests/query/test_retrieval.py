"""Hybrid retrieval over the real store: dense + BM25, fused, filtered; a LangChain citizen."""

from datetime import date
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag.assistant import Assistant
from rag.query.filters import Filters
from rag.query.retrieval import HybridRetriever
from tests.paths import SEED_ARTICLE_ID


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own standard suite for retrievers."""

    assistant: Assistant

    @pytest.fixture(autouse=True)
    def _use_seed_store(self, seed_assistant):
        type(self).assistant = seed_assistant

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        retriever = self.assistant.retriever
        return {"store": retriever.store, "embedder": retriever.embedder, "lexical": retriever.lexical}

    @property
    def retriever_query_example(self) -> str:
        return "Sochi congress boycott"


def test_the_seed_question_retrieves_the_astana_passage_first(seed_assistant):
    found = seed_assistant.retriever.search("why did Putin move talks from Astana?", k=3)
    assert "prove its political independence from Moscow" in found.chunks[0].text
    assert found.chunks[0].article_id == SEED_ARTICLE_ID
    assert found.query_vector.shape == (384,)


def test_bm25_finds_a_rare_name_that_dense_search_ranks_low(seed_assistant):
    retriever = seed_assistant.retriever
    dense_ids = [id_ for id_, _ in retriever.store.nearest(retriever.embedder.embed_query("Abdrakhmanov"), 3)]
    lexical = retriever.lexical.search("Abdrakhmanov", 3)
    texts = {chunk.id: chunk.text for chunk in retriever.store.get([hit.id for hit in lexical])}
    assert len(lexical) >= 1 and all("Abdrakhmanov" in texts[hit.id] for hit in lexical)
    fused = retriever.search("Abdrakhmanov", k=1).chunks
    assert "Abdrakhmanov" in fused[0].text
    assert fused[0].chunk_id in {hit.id for hit in lexical} | set(dense_ids)


def test_scores_are_fused_and_scaled_so_the_best_is_one(seed_assistant):
    chunks = seed_assistant.retriever.search("Turkey Iran delegations", k=5).chunks
    scores = [chunk.score for chunk in chunks]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0 and all(0 < score <= 1 for score in scores)


def test_filters_on_source_and_dates_exclude_articles_without_them(seed_assistant):
    retriever = seed_assistant.retriever
    assert retriever.search("Sochi", filters=Filters(source="Nowhere Times")).chunks == []
    assert retriever.search("Sochi", filters=Filters(since=date(2018, 1, 1))).chunks == []
    assert len(retriever.search("Sochi", filters=Filters()).chunks) == 5


def test_filter_where_clause_and_keep_agree():
    filters = Filters(source="Wire", since=date(2018, 1, 1), until=date(2018, 12, 31))
    assert filters.where() == {
        "$and": [
            {"source": "Wire"},
            {"published_day": {"$gte": 20180101}},
            {"published_day": {"$lte": 20181231}},
        ]
    }
    assert filters.keep({"source": "Wire", "published_day": 20180130})
    assert not filters.keep({"source": "Wire", "published_day": 20190101})
    assert not filters.keep({"source": "Other", "published_day": 20180130})
    assert Filters().where() is None and not Filters()


def test_filters_on_any_of_several_outlets():
    filters = Filters(outlets=("Wire", "Coast Times"), since=date(2018, 1, 1))
    assert filters.where() == {
        "$and": [{"source": {"$in": ["Wire", "Coast Times"]}}, {"published_day": {"$gte": 20180101}}]
    }
    assert filters.keep({"source": "Coast Times", "published_day": 20180130})
    assert not filters.keep({"source": "Other", "published_day": 20180130})
    assert not filters.keep({"published_day": 20180130}), "an article without an outlet is none of them"
    assert filters.within(None, date(2018, 6, 1)).outlets == ("Wire", "Coast Times") and Filters(
        outlets=("A",)
    )
