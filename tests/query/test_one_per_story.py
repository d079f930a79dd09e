"""One chunk per story: copies fold into the earliest copy's chunk unless an update says more."""

from __future__ import annotations

from rag.query.stories import one_per_story
from rag.schema import RetrievedChunk

PASSAGE = "The metro line to the airport opens in March, two years late, after flooding in the tunnels."


def chunk(article: str, text: str, story: str | None, source: str, published: str, score: float, index=0):
    return RetrievedChunk(
        chunk_id=f"{article}::h::{index}",
        article_id=article,
        title=article,
        text=text,
        score=score,
        start=0,
        end=len(text),
        source=source,
        published=published,
        story_id=story,
    )


def test_copies_of_one_passage_fold_into_the_earliest_copy_at_the_best_rank():
    chunks = [
        chunk("reprint", PASSAGE + " Subscribe now.", "wire", "Harbour Herald", "2025-06-03", 0.9),
        chunk("other", "Night buses double in May.", None, "Daily Tram", "2025-06-01", 0.8),
        chunk("original", PASSAGE, "wire", "Daily Tram", "2025-06-02", 0.7),
        chunk("third", PASSAGE, "wire", "Coast Courier", "2025-06-04", 0.6),
    ]
    folded = one_per_story(chunks)
    assert [c.article_id for c in folded] == ["original", "other"]
    assert folded[0].score == 0.9
    assert folded[0].also_reported_by == ["Coast Courier", "Harbour Herald"]
    assert folded[1].also_reported_by == []


def test_an_update_that_says_more_keeps_its_own_chunk():
    update = "UPDATE: the minister now says the line may open in April because signalling tests are late."
    chunks = [
        chunk("update", update, "wire", "Daily Tram", "2025-06-05", 0.9),
        chunk("original", PASSAGE, "wire", "Daily Tram", "2025-06-02", 0.7),
    ]
    [kept] = one_per_story(chunks)
    assert kept.article_id == "update" and kept.also_reported_by == []


def test_chunks_without_a_story_are_their_own_story():
    chunks = [chunk(name, PASSAGE, None, "X", "2025-06-02", 0.5) for name in ("a", "b")]
    assert [c.article_id for c in one_per_story(chunks)] == ["a", "b"]


def test_several_passages_of_the_chosen_article_all_stay():
    chunks = [
        chunk("original", PASSAGE, "wire", "Daily Tram", "2025-06-02", 0.9),
        chunk("reprint", PASSAGE, "wire", "Harbour Herald", "2025-06-03", 0.8),
        chunk("original", "The contractor blamed groundwater.", "wire", "Daily Tram", "2025-06-02", 0.7, 1),
    ]
    folded = one_per_story(chunks)
    assert [c.chunk_id for c in folded] == ["original::h::0", "original::h::1"]
    assert all(c.also_reported_by == ["Harbour Herald"] for c in folded)
