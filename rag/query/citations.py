"""Numbering sources and recording citations the same way for every answerer."""

from __future__ import annotations

from rag.schema import Citation, RetrievedChunk, Source, Span


def source_of(chunk: RetrievedChunk, number: int) -> Source:
    return Source(
        number=number,
        article_id=chunk.article_id,
        title=chunk.title,
        source=chunk.source,
        url=chunk.url,
        published=chunk.published,
        also_reported_by=chunk.also_reported_by,
    )


def nearest_articles(chunks: list[RetrievedChunk], limit: int = 3) -> list[Source]:
    """The distinct articles of `chunks`, best first: what to show instead of an answer."""
    seen: dict[str, Source] = {}
    for chunk in chunks:
        if chunk.article_id not in seen and len(seen) < limit:
            seen[chunk.article_id] = source_of(chunk, len(seen) + 1)
    return list(seen.values())


class CitationLedger:
    """Sources numbered by first use; one citation per quoted sentence."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.citations: list[Citation] = []
        self._number: dict[str, int] = {}

    def cite(self, chunk: RetrievedChunk, sentence: Span) -> int:
        """Record `sentence` (article coordinates) from `chunk`; returns the citation's index."""
        number = self._number.get(chunk.article_id)
        if number is None:
            number = self._number[chunk.article_id] = len(self.sources) + 1
            self.sources.append(source_of(chunk, number))
        self.citations.append(
            Citation(
                number=number,
                article_id=chunk.article_id,
                title=chunk.title,
                chunk_id=chunk.chunk_id,
                quote=sentence.text,
                start=sentence.start,
                end=sentence.end,
                source=chunk.source,
                published=chunk.published,
            )
        )
        return len(self.citations) - 1
