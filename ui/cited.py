"""An `Answer` and retrieved passages as plain data, for the doors programs call (MCP, OpenAI API).

The chat renders an answer as markdown and HTML; a program wants fields: the text,
each citation with its quoted sentence, title, outlet, date, URL and article id,
who reported the event, and the notes. These models are that shape, and their
JSON Schema is what an MCP client sees as a tool's `outputSchema`. Article text
travels only inside these fields, as data, never as something to obey.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from rag.schema import Answer, RetrievedChunk, Source


class CitedSentence(BaseModel):
    """One quoted sentence an answer's [n] marker points to."""

    number: int = Field(description="The n of the [n] markers in the answer text.")
    quote: str = Field(description="The sentence, exactly as it stands in the article.")
    title: str
    outlet: str | None = None
    date: str | None = Field(None, description="Publication day, YYYY-MM-DD (None: the article is undated).")
    url: str | None = None
    article_id: str = Field(description="Pass to get_article, or read the resource article://{id}.")


class ArticleRef(BaseModel):
    """An article named without a quote: a source, or one of the nearest when the answer abstains."""

    number: int | None = None
    title: str
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    article_id: str
    also_reported_by: list[str] = Field(default_factory=list, description="Outlets that ran copies.")


class CitedAnswer(BaseModel):
    """The cited answer: text with [n] markers, what each marker quotes, who reported it, notes."""

    answer: str = Field(description="The answer; every [n] cites citations with that number.")
    lines: list[str] = Field(
        default_factory=list,
        description="The answer one claim per line (a timeline's dated lines, a comparison's outlets).",
    )
    more: list[str] = Field(
        default_factory=list, description="A timeline's further dated lines of the story, oldest first."
    )
    citations: list[CitedSentence] = Field(default_factory=list)
    sources: list[ArticleRef] = Field(default_factory=list, description="The cited articles, by number.")
    coverage: list[str] = Field(
        default_factory=list, description="Per event cited: the outlets that reported it, with dates."
    )
    abstained: bool = Field(False, description="True when the indexed articles do not answer.")
    nearest: list[ArticleRef] = Field(default_factory=list, description="When abstaining: closest articles.")
    notes: list[str] = Field(
        default_factory=list, description="E.g. how old the newest coverage is; why nothing answered."
    )
    timeframe: str | None = Field(None, description="The publication days the answer was drawn from.")
    standalone_question: str = Field(description="The question as it was understood.")


class Passage(BaseModel):
    """A retrieved passage: a window of whole sentences of one article."""

    text: str
    article_id: str
    title: str
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    score: float = Field(description="Relevance after fusion and the recency prior; higher first.")


class Passages(BaseModel):
    """What a search found, best first."""

    passages: list[Passage] = Field(default_factory=list)


def cited_answer(answer: Answer) -> CitedAnswer:
    """The answer's fields as a program reads them; nothing is re-queried."""
    urls = {source.number: source.url for source in answer.sources}
    return CitedAnswer(
        answer=answer.text,
        lines=[claim.text for claim in answer.claims],
        more=[claim.text for claim in answer.more],
        citations=[
            CitedSentence(
                number=citation.number,
                quote=citation.quote,
                title=citation.title,
                outlet=citation.source,
                date=_day(citation.published),
                url=urls.get(citation.number),
                article_id=citation.article_id,
            )
            for citation in answer.citations
        ],
        sources=[_ref(source) for source in answer.sources],
        coverage=[item.line for item in answer.coverage],
        abstained=answer.abstained,
        nearest=[_ref(source, numbered=False) for source in answer.nearest],
        notes=list(answer.notes),
        timeframe=answer.timeframe.describe() if answer.timeframe else None,
        standalone_question=answer.standalone_question,
    )


def passages(chunks: list[RetrievedChunk]) -> Passages:
    return Passages(
        passages=[
            Passage(
                text=chunk.text,
                article_id=chunk.article_id,
                title=chunk.title,
                outlet=chunk.source or chunk.outlet,
                date=_day(chunk.published),
                url=chunk.url,
                score=round(chunk.score, 4),
            )
            for chunk in chunks
        ]
    )


def _ref(source: Source, numbered: bool = True) -> ArticleRef:
    return ArticleRef(
        number=source.number if numbered else None,
        title=source.title,
        outlet=source.source,
        date=_day(source.published),
        url=source.url,
        article_id=source.article_id,
        also_reported_by=source.also_reported_by,
    )


def _day(published: str | None) -> str | None:
    return published[:10] if published else None
