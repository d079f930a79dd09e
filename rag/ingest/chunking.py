"""Pack whole sentences into chunks sized in the embedding model's tokens.

Chunks never cut a sentence, so every citation quote lies inside one chunk,
and each chunk's span slices back to the exact cleaned text. Consecutive chunks
share trailing sentences (up to `overlap_tokens`) so an answer that straddles
a boundary is still found whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.schema import Article, Chunk, Span
from rag.text.sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]


def chunk_article(
    article: Article, count_tokens: TokenCounter, max_tokens: int, overlap_tokens: int
) -> list[Chunk]:
    """Chunks of `article.text`; a sentence longer than `max_tokens` stands alone."""
    sentences = split_sentences(article.text)
    sizes = count_tokens([sentence.text for sentence in sentences])
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, size in enumerate(sizes):
        if current and used + size > max_tokens:
            groups.append(current)
            current = _overlap(current, sizes, min(overlap_tokens, max_tokens - size))
            used = sum(sizes[i] for i in current)
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return [_chunk(article, number, [sentences[i] for i in group]) for number, group in enumerate(groups)]


def _overlap(previous: list[int], sizes: list[int], budget: int) -> list[int]:
    """The longest tail of `previous` that fits in `budget` tokens."""
    tail: list[int] = []
    used = 0
    for index in reversed(previous):
        if used + sizes[index] > budget:
            break
        tail.insert(0, index)
        used += sizes[index]
    return tail if len(tail) < len(previous) else tail[1:]


def _chunk(article: Article, number: int, sentences: list[Span]) -> Chunk:
    start, end = sentences[0].start, sentences[-1].end
    return Chunk(
        article_id=article.id,
        index=number,
        text=article.text[start:end],
        start=start,
        end=end,
        sentences=sentences,
    )
