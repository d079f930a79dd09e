"""A day's main events, one cited sentence each: what a daily digest posts.

Every headline published that day is asked as a question among that day's
articles; the answer's first cited sentence stands for its event. Headlines
whose answers cite the same article, or quote the same sentence, are one
event. Events reported by more outlets come first (a story's copies and
updates count as its outlets), then the better-supported ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rag.assistant import Assistant
from rag.query.filters import Filters
from rag.schema import Citation, Source
from rag.updates.story import sentence_key


@dataclass(frozen=True)
class Event:
    citation: Citation
    source: Source
    outlets: int  # how many outlets reported it
    score: float


def day_events(assistant: Assistant, day: date, outlets: tuple[str, ...] = (), limit: int = 5) -> list[Event]:
    """Up to `limit` events of articles published on `day` (from `outlets` only, when given)."""
    allowed = set(outlets)
    titles = {
        record.title
        for record in assistant.articles()
        if record.published and record.published[:10] == day.isoformat() and record.title
        if not allowed or record.source in allowed
    }
    filters = Filters(since=day, until=day, outlets=outlets)
    events: dict[str, Event] = {}
    quoted: set[str] = set()
    for title in sorted(titles):
        answer = assistant.ask(title, filters=filters, as_of=day, timeline=False)
        if answer.abstained or not answer.citations:
            continue
        citation = answer.citations[0]
        source = next(source for source in answer.sources if source.number == citation.number)
        key = sentence_key(citation.quote)
        if citation.article_id in events or key in quoted:
            continue
        quoted.add(key)
        events[citation.article_id] = Event(
            citation, source, 1 + len(source.also_reported_by), answer.evidence_score or 0.0
        )
    ranked = sorted(events.values(), key=lambda event: (-event.outlets, -event.score))
    return ranked[:limit]
