"""The data that crosses module boundaries: articles, chunks and answers.

`Answer` is the one thing every door (CLI, web, Slack, evaluator) renders, so it
carries everything they need and nothing forces them to query the store again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from rag.text.hashing import content_hash


@dataclass(frozen=True)
class Span:
    """A run of text with its character offsets in the cleaned article."""

    text: str
    start: int
    end: int


@dataclass
class Article:
    """One cleaned article, ready to chunk. `id` is stable across runs."""

    id: str
    title: str
    text: str
    path: str
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None
    # Set at ingest: the id of the story (syndicated copies, updates) this article belongs to.
    story_id: str | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text, self.source, self.url, str(self.published))


@dataclass
class Chunk:
    """A window of whole sentences of one article, sized in model tokens."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    sentences: list[Span] = field(default_factory=list)


class Turn(BaseModel):
    """One message of chat history (the shape Gradio and OpenAI use)."""

    role: Literal["user", "assistant"]
    content: str


class Timeframe(BaseModel):
    """The publication days a question was answered from: never after `as_of`.

    `phrase` is the time expression that set `since`/`until`. A window that
    runs up to the reference day ("this week", "since June") is a hard limit.
    A past period ("in March", "in 2020", "last year") names when something
    happened, and reports of it keep coming after it: articles from `since`
    to `as_of` are used, those inside the period preferred (`period`).
    Without a phrase only `as_of` binds and recency is a prior, which
    `latest` ("latest", "current", "still"...) makes stronger.
    """

    as_of: date
    since: date | None = None
    until: date
    phrase: str | None = None
    period: bool = False
    latest: bool = False

    @property
    def published_until(self) -> date:
        """The last publication day used: a period's later reports count too."""
        return self.as_of if self.period else self.until

    def describe(self) -> str:
        """What the user is shown: "Articles from 29 Dec 2023 to 5 Jan 2024"."""
        if self.since and self.period:
            return (
                f"Articles from {day_label(self.since)} to {day_label(self.until)} first, "
                f"then later ones up to {day_label(self.as_of)}"
            )
        if self.since:
            if self.since == self.until:
                return f"Articles from {day_label(self.since)}"
            return f"Articles from {day_label(self.since)} to {day_label(self.until)}"
        return f"Articles up to {day_label(self.until)}"


def day_label(day: date | str | None) -> str:
    """16 Oct 2025: unambiguous in every locale, short enough for a citation line."""
    if day is None or day == "":
        return ""
    value = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return f"{value.day} {value:%b %Y}"


def dateline(source: str | None, published: str | None) -> str:
    """ "CNN, 16 Oct 2025": who published it and when, as every citation shows it."""
    return ", ".join(part for part in (source, day_label(published)) if part)


class Source(BaseModel):
    """An article the answer cites or, when abstaining, the nearest ones."""

    number: int = Field(description="The n of the [n] markers that point here.")
    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    also_reported_by: list[str] = Field(
        default_factory=list, description="Other outlets that ran the same story (copies, updates)."
    )

    @property
    def dateline(self) -> str:
        return dateline(self.source, self.published)


class Citation(BaseModel):
    """A promise: `quote` is article `article_id`'s text at [start, end)."""

    number: int
    article_id: str
    title: str
    chunk_id: str
    quote: str
    start: int
    end: int
    source: str | None = None
    published: str | None = None

    @property
    def dateline(self) -> str:
        return dateline(self.source, self.published)


class Claim(BaseModel):
    """One sentence of the answer and whether a cited quote supports it."""

    text: str
    citations: list[int] = Field(default_factory=list, description="Indexes into Answer.citations.")
    supported: bool = True


class RetrievedChunk(BaseModel):
    """A chunk as retrieval ranked it; kept for evaluation and debugging."""

    chunk_id: str
    article_id: str
    title: str
    text: str
    score: float = Field(description="Fused reciprocal-rank score.")
    dense_score: float | None = Field(None, description="Cosine similarity, when dense found it.")
    start: int
    end: int
    source: str | None = None
    url: str | None = None
    published: str | None = None
    story_id: str | None = Field(None, description="Near-duplicate articles share one story id.")
    event_id: str | None = Field(None, description="Stories of one event across outlets share one event id.")
    outlet: str | None = Field(None, description="The outlet's one canonical name (CNN for cnn.com).")
    also_reported_by: list[str] = Field(
        default_factory=list, description="Outlets of this story's other copies that retrieval also found."
    )


class Generation(BaseModel):
    """What a language model wrote before verification, and how fast."""

    model: str
    text: str
    first_token_ms: float | None = None
    tokens: int = Field(0, description="Streamed pieces; one per token for llama.cpp and OpenAI servers.")
    tokens_per_s: float | None = None
    supported: int = Field(0, description="Answer sentences verification found in the sources.")
    unsupported: int = 0
    dropped_markers: int = Field(0, description="[n] markers that named no source.")


class EventArticle(BaseModel):
    """One article of an event, as the event view lists it."""

    article_id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    copy_of: str | None = Field(None, description="The article this one republishes (same story), if any.")


class OutletReport(BaseModel):
    """One outlet's coverage of an event: its first report's day and its articles (copies not counted)."""

    outlet: str
    published: str | None = None
    article_ids: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """ "CNN (16 Oct 2025)"."""
        return f"{self.outlet} ({day_label(self.published)})" if self.published else self.outlet


class Coverage(BaseModel):
    """Who reported the event a cited article belongs to: one entry per outlet, oldest first.

    A wire copy or update (same story) counts once, for the outlet that ran it first;
    outlets that only republished it are listed in `copies_by`.
    """

    event_id: str
    sources: list[int] = Field(
        default_factory=list, description="The answer's [n] that belong to this event."
    )
    outlets: list[OutletReport] = Field(default_factory=list)
    copies_by: list[str] = Field(default_factory=list)
    articles: list[EventArticle] = Field(default_factory=list)

    @property
    def line(self) -> str:
        """ "Reported by 3 outlets: CNN (16 Oct 2025), USA Today (17 Oct 2025), The Week (18 Oct 2025)." """
        count = len(self.outlets)
        text = f"Reported by {count} outlet{'s' * (count != 1)}: " + ", ".join(o.label for o in self.outlets)
        if self.copies_by:
            text += f"; copies also ran in {', '.join(self.copies_by)}"
        return text + "."


class Focus(BaseModel):
    """What the conversation is about: what the last answer cited and the names it used.

    Recovered from the text of the earlier turns (the quoted sentences are
    verbatim article text), so every door that keeps role/content history has one.
    """

    article_ids: list[str] = Field(default_factory=list, description="Articles the last answer quoted.")
    event_ids: list[str] = Field(default_factory=list, description="The events those articles belong to.")
    names: list[str] = Field(
        default_factory=list, description="People, places, bodies named by the last question and answer."
    )
    people: list[str] = Field(
        default_factory=list, description="Those of `names` shaped like a person's: whom he or she may mean."
    )
    topic: str = Field("", description="The last question as understood (standalone).")


class Answer(BaseModel):
    """What the assistant says, why, and how long each stage took (ms)."""

    question: str
    standalone_question: str
    text: str
    claims: list[Claim] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    abstained: bool = False
    evidence_score: float | None = Field(
        None, description="How well the best sentence matches; below the abstain threshold means abstain."
    )
    nearest: list[Source] = Field(default_factory=list, description="When abstaining: the closest articles.")
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    answerer: str = "extractive"
    generation: Generation | None = Field(None, description="Set when a language model wrote the answer.")
    fell_back: bool = Field(False, description="The model's answer had no support; quotes shown instead.")
    notes: list[str] = Field(default_factory=list)
    timeframe: Timeframe | None = Field(None, description="The days the answer was drawn from.")
    timeline: bool = Field(
        False, description="A timeline: each claim is one dated line ('16 Oct 2025: ... [n]'), oldest first."
    )
    timings: dict[str, float] = Field(default_factory=dict)
    coverage: list[Coverage] = Field(
        default_factory=list, description="Per event the cited articles belong to: which outlets reported it."
    )
    comparison: bool = Field(
        False, description="A comparison of outlets: each claim is one line (per outlet, shared, differing)."
    )
    more: list[Claim] = Field(
        default_factory=list,
        description="A timeline's further dated lines of the story, shown behind 'more' (oldest first).",
    )
    focus: Focus | None = Field(None, description="The conversation's focus a follow-up was read against.")
    answered_from: Literal["focus", "topic", "archive"] | None = Field(
        None,
        description="For a follow-up: the focus's articles and events, its topic, or the whole archive.",
    )

    @property
    def understood_as(self) -> str | None:
        """The standalone question when it is not what was asked (a follow-up read in context)."""
        standalone = self.standalone_question.strip()
        return standalone if standalone and standalone != self.question.strip() else None


class ArticleView(BaseModel):
    """One indexed article whole: its cleaned text, where it came from, its story and its event."""

    article_id: str
    title: str
    text: str = Field(description="The cleaned article text, as indexed (citation spans point into it).")
    source: str | None = None
    outlet: str | None = Field(None, description="The outlet's one canonical name (CNN for cnn.com).")
    url: str | None = None
    published: str | None = None
    author: str | None = None
    story: list[EventArticle] = Field(
        default_factory=list, description="The other articles of its story: wire copies and updates."
    )
    event: Coverage | None = Field(
        None, description="Every outlet that reported the same event, oldest first (copies counted once)."
    )
