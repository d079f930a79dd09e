"""What is new in a followed story: cited sentences from articles its follower has not been shown.

Following an answer takes a snapshot: the articles it was drawn from (all that
retrieval found, the story's coverage at that moment), the sentences it
quoted, and the newest publication day among them. An update asks the same
question again among articles published since that day (the day itself
included: a story moves within a day) and keeps the cited sentences of
articles not in the snapshot whose text was never quoted before (the same
sentence in a wire copy counts as quoted); a new article cited only for
sentences quoted already is read again for what its own headline says.
Nothing new gives no update. An
article an update quotes joins the snapshot, so a later, unrelated ingest
never brings back the rest of it.

`Story` is plain data (`to_json`/`from_json`): the caller stores it together
with what it posted, so posting and remembering can be one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from rag.assistant import Assistant
from rag.query.filters import Filters
from rag.schema import Answer, Citation, Source
from rag.text.hashing import content_hash


@dataclass(frozen=True)
class Story:
    """A followed question and what its follower has been shown of it."""

    question: str
    outlets: tuple[str, ...] = ()
    since: date | None = None
    seen: frozenset[str] = field(default_factory=frozenset)  # article ids
    quoted: frozenset[str] = field(default_factory=frozenset)  # `sentence_key`s

    def to_json(self) -> str:
        return json.dumps(
            {
                "question": self.question,
                "outlets": list(self.outlets),
                "since": self.since.isoformat() if self.since else None,
                "seen": sorted(self.seen),
                "quoted": sorted(self.quoted),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Story:
        data = json.loads(text)
        return cls(
            question=data["question"],
            outlets=tuple(data["outlets"]),
            since=date.fromisoformat(data["since"]) if data["since"] else None,
            seen=frozenset(data["seen"]),
            quoted=frozenset(data["quoted"]),
        )


@dataclass(frozen=True)
class Quote:
    """A new sentence and the article it is from (outlet, date, link)."""

    citation: Citation
    source: Source


@dataclass(frozen=True)
class Update:
    """New sentences, and the story as it is once they are posted."""

    story: Story
    quotes: list[Quote]


def sentence_key(text: str) -> str:
    """The same sentence whatever its spacing or case (wire copies re-wrap lines)."""
    return content_hash(" ".join(text.casefold().split()))


def follow(answer: Answer, outlets: tuple[str, ...] = ()) -> Story:
    """The snapshot of a story as `answer` showed it: nothing in it is news later."""
    dates = [chunk.published for chunk in answer.retrieved] + [cited.published for cited in answer.citations]
    days = [_day(value) for value in dates]
    return Story(
        question=answer.standalone_question,
        outlets=outlets,
        since=max(filter(None, days), default=None),
        seen=frozenset(chunk.article_id for chunk in answer.retrieved)
        | {source.article_id for source in answer.sources},
        quoted=frozenset(sentence_key(citation.quote) for citation in answer.citations),
    )


def what_is_new(assistant: Assistant, story: Story, as_of: date | datetime | None = None) -> Update | None:
    """The story's new cited sentences as of `as_of` (default today), or None when there are none.

    A new article may repeat sentences the thread was shown already (an
    update repeats its lead), and the answer may cite it for those only; such
    an article is read once more for the sentence that best answers its own
    headline.
    """
    answer = assistant.ask(
        story.question, filters=Filters(since=story.since, outlets=story.outlets), as_of=as_of
    )
    if answer.abstained:
        return None
    found: dict[str, Quote] = {}
    _collect(answer, story, found)
    covered = {quote.citation.article_id for quote in found.values()}
    for cited in {citation.article_id: citation for citation in answer.citations}.values():
        if cited.article_id not in story.seen and cited.article_id not in covered:
            _collect(_headline_answer(assistant, cited, as_of), story, found, only=cited.article_id)
    if not found:
        return None
    quotes = list(found.values())
    newest = max(filter(None, (_day(quote.citation.published) for quote in quotes)), default=None)
    after = replace(
        story,
        since=max(filter(None, (story.since, newest)), default=None),
        seen=story.seen | {quote.citation.article_id for quote in quotes},
        quoted=story.quoted | set(found),
    )
    return Update(after, quotes)


def _collect(answer: Answer, story: Story, found: dict[str, Quote], only: str | None = None) -> None:
    """Add `answer`'s cited sentences that are new to `story` (of article `only`: its first one)."""
    sources = {source.number: source for source in answer.sources}
    for citation in answer.citations:
        key = sentence_key(citation.quote)
        if only is not None and citation.article_id != only:
            continue
        if citation.article_id in story.seen or key in story.quoted or key in found:
            continue
        found[key] = Quote(citation, sources[citation.number])
        if only is not None:
            return


def _headline_answer(assistant: Assistant, cited: Citation, as_of: date | datetime | None) -> Answer:
    """The cited article's headline asked among its outlet's articles of its day."""
    day = _day(cited.published)
    return assistant.ask(
        cited.title, filters=Filters(source=cited.source, since=day, until=day), as_of=as_of, timeline=False
    )


def _day(published: str | None) -> date | None:
    return date.fromisoformat(published[:10]) if published else None
