"""One chunk per story: the copies of one wire report must not fill the answer's sources.

Ingest gives near-duplicate articles (syndicated copies, updates) one
`story_id` (see `rag.ingest.stories`). Among retrieved chunks, a story keeps
the rank of its best chunk. If other copies hold the same passage, the
earliest published copy stands for the story (the original, not a reprint);
an update whose best chunk says something the others do not keeps that chunk,
since it is the most complete. The other outlets are named in
`also_reported_by`.
"""

from __future__ import annotations

import re

from rag.schema import RetrievedChunk

SAME_PASSAGE = 0.8  # word-set Jaccard above which two chunks say the same thing
_WORD = re.compile(r"\w+")


def one_per_story(chunks: list[RetrievedChunk]) -> list[RetrievedChunk]:
    """`chunks` (best first) with each story's copies folded into one article, in the same order.

    Several chunks of the chosen article stay (they are different passages);
    chunks of the story's other articles go, and their outlets are named.
    """
    members: dict[str, list[RetrievedChunk]] = {}
    for chunk in chunks:
        members.setdefault(_story(chunk), []).append(chunk)
    chosen: dict[str, str] = {}  # story -> article standing for it
    kept: list[RetrievedChunk] = []
    for chunk in chunks:
        story = _story(chunk)
        if story not in chosen:
            words = _words(chunk.text)
            same = [c for c in members[story] if _jaccard(words, _words(c.text)) >= SAME_PASSAGE]
            first = min(same, key=lambda c: c.published or "9999")
            chosen[story] = first.article_id
            kept.append(first.model_copy(update={"score": chunk.score}))
        elif chunk.article_id == chosen[story] and all(c.chunk_id != chunk.chunk_id for c in kept):
            kept.append(chunk)
    return [
        chunk.model_copy(update={"also_reported_by": _others(members[_story(chunk)], chunk)})
        for chunk in kept
    ]


def _story(chunk: RetrievedChunk) -> str:
    return chunk.story_id or chunk.article_id


def _others(members: list[RetrievedChunk], chosen: RetrievedChunk) -> list[str]:
    return sorted(
        {
            c.source
            for c in members
            if c.source and c.article_id != chosen.article_id and c.source != chosen.source
        }
    )


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
