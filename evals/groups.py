"""What kind of question a case is, for metrics per group.

Two groupings are meaningful on dated news quizzes (realtimeqa ids look like
`rtqa-20200103_0`, the date the quiz was published and its position in it):

- `quiz`: the outlet that wrote the quiz (CNN, THE WEEK, USAtoday). It is the
  `source` of the question's evidence brief, the corpus record with the same
  date and position (`brief-20200103_0`). The outlets write questions
  differently (The Week's are shorter and lean on "this week"), so their
  figures differ for reasons worth seeing. An unanswerable question has no
  brief in the corpus; its group says so.
- `year`: the quiz's year. The corpus holds articles on the same topics from
  several years, so a year whose topics recur is harder.

A dataset without such ids (the seed set) gets no groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

_DATED_ID = re.compile(r"^[a-z]+-((\d{4})\d{4}_\d+)$")
NO_BRIEF = "(unanswerable: no brief)"
UNKNOWN = "(brief not in store)"


class Record(Protocol):
    id: str
    source: str | None


def outlets(articles: Iterable[Record]) -> dict[str, str]:
    """The source of every dated record in the store, by its date-and-position key."""
    out: dict[str, str] = {}
    for article in articles:
        match = _DATED_ID.match(article.id.rpartition("#")[2])
        if match and article.source:
            out[match.group(1)] = article.source
    return out


def case_groups(case_id: str, unanswerable: bool, sources: dict[str, str]) -> dict[str, str]:
    """{"quiz": outlet, "year": yyyy} for a dated quiz id; {} for any other id."""
    match = _DATED_ID.match(case_id)
    if not match:
        return {}
    key, year = match.groups()
    return {"quiz": NO_BRIEF if unanswerable else sources.get(key, UNKNOWN), "year": year}
