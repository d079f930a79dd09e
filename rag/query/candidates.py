"""The sentences an answer may quote from retrieved chunks, each with what a reader needs around it.

One function makes them for the answerer and for the reader's training data,
so the model is trained on exactly the candidates it meets in use. Each
candidate carries the sentence before it: "The company said it would close its
first store" needs it to be read, and a sentence that leans on its
predecessor is quoted with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.query.instructions import looks_like_instruction
from rag.schema import RetrievedChunk, Span
from rag.text.sentences import QUOTABLE_WORDS, is_question, split_sentences

ANAPHORA = frozenset(
    {"he", "she", "it", "they", "his", "her", "its", "their", "this", "these", "those", "that"}
)
# "The company said ...": a generic noun standing for a name given earlier.
_STAND_IN = re.compile(
    r"^(the|that|this)\s+(company|firm|group|agency|team|club|country|city|state|government|organi[sz]ation"
    r"|president|leader|minister|official|network|app|brand|carrier|airline|report|study|bill|law|move|deal"
    r"|decision|measure|plan|ban|festival|event|show|film|movie|book|album|song|storm|virus|disease|vaccine)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """One quotable sentence of a retrieved chunk."""

    chunk: RetrievedChunk
    span: Span
    # The sentence before it in the chunk (None for the chunk's first): the reader's context.
    before: Span | None

    @property
    def leans_on_before(self) -> bool:
        """It names its subject only through the sentence before ("It is now ..."): quoted with it."""
        return self.before is not None and leans_on_previous(self.span.text)


def candidate_sentences(chunks: list[RetrievedChunk]) -> list[Candidate]:
    """Each distinct quotable sentence of the chunks once (chunks overlap), in article coordinates.

    Not candidates: fragments under `QUOTABLE_WORDS` words, sentences that ask
    (a headline "Who won the cup?" shares the question's words and answers
    nothing) and orders addressed to an assistant.
    """
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for chunk in chunks:
        spans = split_sentences(chunk.text, offset=chunk.start)
        for before, span in zip([None, *spans], spans, strict=False):
            key = (chunk.article_id, span.start)
            if key in seen or not _quotable(span.text):
                continue
            seen.add(key)
            out.append(Candidate(chunk, span, before))
    return out


def leans_on_previous(sentence: str) -> bool:
    """ "It is now the first team valued at $10 billion": who "it" is, the sentence before says."""
    words = sentence.split(maxsplit=1)
    return bool(words) and (words[0].lower().strip(",") in ANAPHORA or bool(_STAND_IN.match(sentence)))


def with_antecedent(candidate: Candidate) -> Span:
    """The quoted sentence, with the one before it when it leans on it: the quote then names its subject."""
    before = candidate.before
    if before is None or not candidate.leans_on_before:
        return candidate.span
    offset = candidate.chunk.start
    text = candidate.chunk.text[before.start - offset : candidate.span.end - offset]
    return Span(text, before.start, candidate.span.end)


def _quotable(sentence: str) -> bool:
    return (
        len(sentence.split()) >= QUOTABLE_WORDS
        and not is_question(sentence)
        and not looks_like_instruction(sentence)
    )
