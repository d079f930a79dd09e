"""Sentence splitting that keeps character offsets.

Citations point at sentence spans, so a splitter that rewrites text (as most
NLP splitters do) is no use here: every span must slice back to the exact text.
A line break always ends a sentence; inside a line, a sentence ends at . ! or ?
(plus closing quotes or brackets) followed by space and a capital, digit or
opening quote, unless the word before the stop is a known abbreviation or an
initial.
"""

from __future__ import annotations

import re

from rag.schema import Span

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "rep",
        "sen",
        "gov",
        "pres",
        "rev",
        "hon",
        "maj",
        "brig",
        "fr",
        "messrs",
        "mt",
        "ft",
        "inc",
        "ltd",
        "co",
        "corp",
        "bros",
        "dept",
        "est",
        "approx",
        "vs",
        "etc",
        "al",
        "no",
        "nos",
        "vol",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "a.m",
        "p.m",
    ]
)
# Shorter "sentences" are datelines, captions and labels, not answers.
QUOTABLE_WORDS = 4
# Ends with a question mark, perhaps inside closing quotes or brackets: "Who won the cup in 2024?"
_QUESTION = re.compile(r"""\?["'”’)\]]*$""")
_LINE = re.compile(r"[^\n]+")
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Split `text` into sentence spans; offsets are shifted by `offset`."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for boundary in _BOUNDARY.finditer(line.group()):
            # Only the word before the stop matters; a short tail keeps this linear in the line.
            if _is_abbreviation(line.group()[max(0, boundary.start() - 40) : boundary.start() + 1]):
                continue
            end = line.start() + boundary.end()
            _append(spans, text, start, end, offset)
            start = end
        _append(spans, text, start, line.end(), offset)
    return spans


def quotable_sentences(text: str, offset: int = 0) -> list[Span]:
    """The sentences an answer may quote: statements of `QUOTABLE_WORDS` words or more.

    The answerer scores these, and the ingest embeds them ahead of any question
    (so a question pays no model time for the sentences of the chunks it finds).
    """
    return [
        span
        for span in split_sentences(text, offset)
        if len(span.text.split()) >= QUOTABLE_WORDS and not is_question(span.text)
    ]


def is_question(sentence: str) -> bool:
    """A sentence that asks rather than tells: a headline or subhead ("Who won the cup in 2024?").

    It shares the words of the question it looks like, so it would score as
    an answer, but it answers nothing.
    """
    return bool(_QUESTION.search(sentence.rstrip()))


def _is_abbreviation(head: str) -> bool:
    """True when the stop ending `head` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(head[:-1])
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and head[-2].isupper())


def _append(spans: list[Span], text: str, start: int, end: int, offset: int) -> None:
    """Add text[start:end] without its surrounding whitespace, if anything is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        begin = start + lead
        spans.append(Span(stripped, begin + offset, begin + len(stripped) + offset))
