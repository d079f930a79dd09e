"""Example questions for the chat, made from the indexed corpus's newest headlines.

Hard-coded questions only fit the corpus they were written for; a deployment
indexes its own news. So the chat offers "What is the latest on "<headline>"?"
for the newest stories: it works on any corpus and shows what the assistant is
for (recent news, dated and cited). A headline is cut at its first clause
break ("X as Y", "X: Y", "X | CNN") and to a few words, and a story already
offered (same first long word: "Southwest Airlines cancels…", "Southwest's
meltdown…") is not offered twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.components.vector_store import ArticleRecord

EXAMPLES = 4
MAX_WORDS = 8
_BREAK = re.compile(r"\s(?:[|–—-]|--|as|after|amid|while)\s|[:;,…?!]|\.(?=\s|$)|\s\(")
# Words a cut headline should not end on.
_DANGLING = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "this", "to", "with"}
_QUOTES = "\"'“”‘’ "
_WORD = re.compile(r"[A-Za-z]{4,}")


def corpus_examples(articles: Iterable[ArticleRecord], limit: int = EXAMPLES) -> list[str]:
    """Questions about the `limit` newest distinct stories (undated articles last)."""
    newest = sorted(articles, key=lambda record: record.published or "", reverse=True)
    questions: list[str] = []
    stories: set[str] = set()
    for record in newest:
        headline = short_title(record.title)
        story = _story(headline)
        if not headline or story in stories:
            continue
        stories.add(story)
        questions.append(f'What is the latest on "{headline}"?')
        if len(questions) == limit:
            break
    return questions


def short_title(title: str) -> str:
    """The headline up to its first clause break, at most `MAX_WORDS` words, without quotes."""
    text = " ".join(title.split()).strip(_QUOTES)
    head = _BREAK.split(text, maxsplit=1)[0].strip(_QUOTES)
    words = (head if len(head.split()) >= 2 else text).split()[:MAX_WORDS]
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words).strip(_QUOTES + ",;:")


def _story(headline: str) -> str:
    """What marks two headlines as one story: their first word of four letters or more."""
    word = _WORD.search(headline)
    return word.group().lower() if word else headline.lower()
