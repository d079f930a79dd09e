"""Chunks are whole sentences, sized in the model's tokens, and slice back exactly."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.chunking import chunk_article
from rag.ingest.loaders import load_file
from rag.schema import Article
from tests.paths import SEED_ARTICLE


def words(texts):
    return [len(text.split()) for text in texts]


def test_the_seed_article_fits_the_model_and_overlaps(seed_assistant):
    article = load_file(SEED_ARTICLE, "seed")[0]
    embedder = seed_assistant.embedder
    chunks = chunk_article(article, embedder.count_tokens, max_tokens=200, overlap_tokens=40)
    assert len(chunks) >= 4
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert sum(embedder.count_tokens([s.text for s in chunk.sentences])) <= 200
        assert all(article.text[s.start : s.end] == s.text for s in chunk.sentences)
    shared = 0
    for before, after in itertools.pairwise(chunks):
        last = before.sentences[-1]
        if embedder.count_tokens([last.text])[0] <= 40:
            assert after.sentences[0] == last, "a short closing sentence is repeated"
            shared += 1
        else:
            assert after.start >= before.end, "no overlap beyond the overlap budget"
    assert shared >= 1
    covered = {s.start for chunk in chunks for s in chunk.sentences}
    assert len(covered) == 22, "every sentence of the article is in some chunk"


def test_a_sentence_longer_than_the_budget_stands_alone():
    text = "Short one. " + " ".join(["Long"] + ["word"] * 30) + ". Short two."
    chunks = chunk_article(Article("a", "T", text, ""), words, max_tokens=10, overlap_tokens=3)
    assert [len(chunk.sentences) for chunk in chunks] == [1, 1, 1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abc xyz.", min_size=1, max_size=60), min_size=1, max_size=12),
    st.integers(min_value=3, max_value=40),
    st.integers(min_value=0, max_value=20),
)
def test_spans_always_map_back_to_the_exact_text(paragraphs, max_tokens, overlap):
    text = "\n".join(paragraphs)
    chunks = chunk_article(Article("a", "T", text, ""), words, max_tokens, overlap)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert all(text[s.start : s.end] == s.text for s in chunk.sentences)
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
