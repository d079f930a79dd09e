"""A "latest" answer: the newest coverage that answers first, older coverage marked as older.

"What is the latest on X?" and "Who is the new X?" ask about the newest state
of things, and an archive is always behind the day asked. So the answer's
first sentence comes from the newest article that answers (for "who is the
new coach", the newest that names someone), whatever the scores of older
coverage; an older sentence follows only when it says something the first
does not, and then opens with its day ("Earlier, on 8 Nov 2023: ..."), so
it is never read as current. When even the newest coverage is old, the
answer says how old (`age_note`).

It works on any scored sentences (`Quotable`), so it does not care how the
answerer scored them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Generic, NamedTuple, Protocol, TypeVar

from rag.query.answer_types import names
from rag.schema import RetrievedChunk, Span, day_label
from rag.text.terms import content_terms

# The first sentence comes from the newest article among sentences scoring within this of the best answering
# one: far enough to reach a new article that matches the words less well than older coverage, not so far that
# a passing mention in last week's paper leads.
LEAD_MARGIN = 0.5
# An older sentence whose content words are this much in sentences already quoted adds nothing.
REPEATS = 0.7
# A latest answer whose newest article is older than this (days before the day asked) says how old it is.
STALE_AFTER_DAYS = 14
_NOW = r"(?:new|current|newest|latest|reigning|incoming)"
# "Who is the new coach?", "which club is the current champion?": the answer is a name ("what is the latest
# on ..." asks for news, not a name).
_NAMES_ONE = re.compile(
    rf"^\W*(who|whom|whose)\b|\b(what|which)\s+(\w+\s+)?(is|are|was|were)\s+the\s+{_NOW}\s+"
    r"(?!(on|in|about|with|from|news)\b)\w",
    re.IGNORECASE,
)
# The role or title asked about: "mayor" in "who is the current mayor of Calder?".
_ROLE = re.compile(rf"\b{_NOW}\s+(\w+)", re.IGNORECASE)


class Quotable(Protocol):
    """A candidate sentence as an answerer scored it."""

    @property
    def chunk(self) -> RetrievedChunk: ...

    @property
    def span(self) -> Span: ...

    @property
    def score(self) -> float: ...

    @property
    def evidence(self) -> float: ...


Q = TypeVar("Q", bound=Quotable)


class Line(NamedTuple, Generic[Q]):
    """One sentence of an answer and what it opens with ("As of 10 Feb 2025: ", "Earlier, on ...: ")."""

    item: Q
    opening: str = ""


def newest_first(
    chosen: Sequence[Q], scored: Sequence[Q], threshold: float, question: str, limit: int
) -> list[Line[Q]]:
    """The sentences of a latest answer, in order, each with its opening.

    `scored` is every candidate, best first; `chosen` the ones the answerer
    picked (best first, not repeating each other); a sentence answers when
    its `evidence` reaches `threshold`. The first line is the best sentence
    of the newest article that answers (it need not be among `chosen`); the
    chosen sentences of that day or later follow it, then the older ones
    that add something, newest first, each saying its day (a sentence newer
    than the first, possible when the question asks for a name and it names
    no one, says its day too: "Later, on ..."). Undated sentences
    cannot be placed in time and are left out, unless nothing is dated.
    """
    lead = _lead(scored, threshold, question)
    if lead is None:
        return [Line(item) for item in chosen[:limit]]
    day = _day(lead)
    quoted = [lead]
    current: list[Q] = []
    older: list[Q] = []
    for item in chosen:
        if not item.chunk.published or any(_same_sentence(item, other) for other in quoted):
            continue
        if _repeats(item, quoted):
            continue
        quoted.append(item)
        (current if _day(item) >= day else older).append(item)
    older.sort(key=_day, reverse=True)
    lines = [Line(lead, f"As of {day_label(day)}: ")]
    lines += [Line(item, _opening(_day(item), day)) for item in current + older]
    return lines[:limit]


def names_one(question: str) -> bool:
    """Whether the question asks who or what holds something now ("Who is the new prime minister?")."""
    return bool(_NAMES_ONE.search(question))


def age_note(newest: date, as_of: date, today: date | None = None) -> str | None:
    """ "The newest article on this is from 16 Oct 2025, 13 months before today.", when it is old."""
    if (as_of - newest).days <= STALE_AFTER_DAYS:
        return None
    today = today or datetime.now().astimezone().date()
    when = "today" if as_of == today else f"the day asked ({day_label(as_of)})"
    return f"The newest article on this is from {day_label(newest)}, {elapsed(newest, as_of)} before {when}."


def elapsed(earlier: date, later: date) -> str:
    """The time between two days as a person says it: "9 days", "3 weeks", "13 months", "2 years"."""
    days = (later - earlier).days
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
    if days < 14:
        count, unit = days, "day"
    elif months < 2:
        count, unit = days // 7, "week"
    elif months < 24:
        count, unit = months, "month"
    else:
        count, unit = months // 12, "year"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _lead(scored: Sequence[Q], threshold: float, question: str) -> Q | None:
    """The best sentence of the newest dated article that answers, close enough to the best answer."""
    answering = [item for item in scored if item.evidence >= threshold]
    if not answering:
        return None
    floor = max(item.score for item in answering) - LEAD_MARGIN
    pool = [item for item in answering if item.score >= floor and item.chunk.published]
    if names_one(question):
        asked = set(names(question))
        role = _ROLE.search(question)
        wanted = set(content_terms(role.group(1))) if role else set()
        # A change of holder: the newest sentence naming someone the question does not, in the role asked.
        pool = [
            item
            for item in pool
            if set(names(item.span.text)) - asked and wanted <= set(content_terms(item.span.text))
        ] or pool
    if not pool:
        return None
    newest = max(_day(item) for item in pool)
    return max((item for item in pool if _day(item) == newest), key=lambda item: item.score)


def _opening(day: str, lead: str) -> str:
    """Nothing for the lead's own day; else the day, said as earlier (or later: a newer sentence that
    names no one, when the question asks for a name)."""
    if day == lead:
        return ""
    return f"{'Earlier' if day < lead else 'Later'}, on {day_label(day)}: "


def _day(item: Quotable) -> str:
    return (item.chunk.published or "")[:10]


def _same_sentence(a: Quotable, b: Quotable) -> bool:
    return a.chunk.article_id == b.chunk.article_id and a.span.start == b.span.start


def _repeats(item: Quotable, quoted: Sequence[Quotable]) -> bool:
    """Whether the sentence's content words are mostly in sentences already quoted."""
    own = set(content_terms(item.span.text))
    if not own:
        return True
    said = set().union(*(content_terms(other.span.text) for other in quoted))
    return len(own & said) / len(own) >= REPEATS
