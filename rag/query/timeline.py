"""A timeline keeps to the asked story: its event and what continues it, the rest behind "more".

"How did the Gaza ceasefire unfold?" retrieves the ceasefire's coverage and
the war around it; one best sentence per day of all of it reads as a history of
the war. So the story is anchored on the best sentence of all: its event is the
story's, and the question's words that it (its headline or sentence) carries
are the story's words ("gaza", "ceasefire", not "unfold"). A day's sentence
belongs to the story when it is of the anchor's event, or when its headline and
sentence carry every story word: the same bridge's toll a year after its
repair is another event but the same story. A day within `NEAR_DAYS` of one of
those that carries some story word continues it ("Southwest Airlines canceled
thousands of flights" the day after "the Southwest meltdown"). The strongest
`lines` days of the story are shown, oldest first; its further days are kept
for "more".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from rag.query.coverage import chunk_event
from rag.query.latest import Quotable
from rag.text.terms import content_terms

# A day this close to one of the story's carries it on when it names part of the story.
NEAR_DAYS = 3


def story_days(best_of_day: Mapping[str, Quotable], question: str, lines: int) -> tuple[list[str], list[str]]:
    """(the days shown, the days behind "more"), each oldest first, of the asked story only."""
    if not best_of_day:
        return [], []
    anchor = max(best_of_day.values(), key=lambda item: item.score)
    words = set(content_terms(question)) & _words(anchor)
    event = chunk_event(anchor.chunk)
    core = {
        day for day, item in best_of_day.items() if chunk_event(item.chunk) == event or words <= _words(item)
    }
    beside = {
        day
        for day, item in best_of_day.items()
        if day not in core and words & _words(item) and any(_apart(day, other) <= NEAR_DAYS for other in core)
    }
    strongest = sorted(core | beside, key=lambda day: best_of_day[day].score, reverse=True)
    return sorted(strongest[:lines]), sorted(strongest[lines:])


def _apart(day: str, other: str) -> int:
    return abs((date.fromisoformat(day) - date.fromisoformat(other)).days)


def _words(item: Quotable) -> set[str]:
    return set(content_terms(f"{item.chunk.title} {item.span.text}"))
