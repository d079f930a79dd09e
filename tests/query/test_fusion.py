"""A chunk that one retriever ranks first is not buried by fusion.

Reciprocal-rank fusion rewards chunks both retrievers find. Eight articles
about an observatory's sky survey are found by both; one mentions a comet by
a rare name only BM25 can match, another says the same thing as the question
in other words, which only the dense side sees. Each must reach the answer's
chunks although the other retriever never lists it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.assistant import Assistant

SURVEY = [
    "The Elbrin observatory sky survey mapped {n} new asteroids near the orbit of Mars this season.",
    "Astronomers at the Elbrin observatory said the sky survey telescope logged {n} nights of clear sky.",
    "The Elbrin observatory survey team published {n} images of faint galaxies from the sky survey.",
    "Funding for the Elbrin observatory sky survey rose by {n} percent, the observatory said.",
]
RARE = {
    "id": "rare",
    "title": "Volunteers thanked at the winter dinner",
    "body": "Staff thanked volunteers for their help with the garden during the winter. "
    "Talvora, the cook, baked the cakes.",
}
PARAPHRASE = {
    "id": "paraphrase",
    "title": "Kazakhstan keeps its army at home",
    "body": "Kazakhstan refuses to send troops to Syria, its foreign ministry repeated on Tuesday.",
}


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from rag.settings import Settings

    folder = tmp_path_factory.mktemp("survey")
    records = [
        {"id": f"survey-{i}", "title": f"Elbrin sky survey report {i}", "body": text.format(n=i + 3)}
        for i, text in enumerate(SURVEY * 2)
    ]
    corpus = folder / "survey.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in [*records, RARE, PARAPHRASE]) + "\n")
    assistant = Assistant(Settings(home=folder / "home", fetch_k=8, top_k=3))
    assistant.ingest([corpus])
    return assistant


def article_ids(chunks) -> list[str]:
    return [chunk.article_id.rsplit("#", 1)[-1] for chunk in chunks]


def test_a_rare_name_only_bm25_finds_reaches_the_top(survey: Assistant) -> None:
    query = "Talvora at the Elbrin observatory sky survey"
    retriever = survey.retriever
    dense = retriever.store.nearest(retriever.embedder.embed_query(query), retriever.fetch_k)
    lexical = retriever.lexical.search(query, retriever.fetch_k)
    stored = {chunk.id: chunk.metadata["article_id"] for chunk in retriever.store.get()}
    assert stored[lexical[0].id].endswith("#rare")
    assert not any(stored[id_].endswith("#rare") for id_, _ in dense), "precondition: dense misses it"

    assert "rare" in article_ids(retriever.search(query).chunks)


def test_a_paraphrase_only_the_dense_side_finds_reaches_the_top(survey: Assistant) -> None:
    query = "Which nation declined to dispatch soldiers, the report said?"
    retriever = survey.retriever
    dense = retriever.store.nearest(retriever.embedder.embed_query(query), retriever.fetch_k)
    lexical = retriever.lexical.search(query, retriever.fetch_k)
    stored = {chunk.id: chunk.metadata["article_id"] for chunk in retriever.store.get()}
    assert stored[dense[0][0]].endswith("#paraphrase")
    assert not any(stored[hit.id].endswith("#paraphrase") for hit in lexical), "precondition"

    assert "paraphrase" in article_ids(retriever.search(query).chunks)


def test_the_top_chunks_come_from_different_articles(survey: Assistant, tmp_path: Path) -> None:
    chunks = survey.retriever.search("Elbrin observatory sky survey", k=3).chunks
    assert len(set(article_ids(chunks))) == 3
