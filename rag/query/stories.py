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
    """`chunks` (best first) with each story's copies folded into one chunk, in the same order."""
    stories: dict[str, list[RetrievedChunk]] = {}
    for chunk in chunks:
        stories.setdefault(chunk.story_id or chunk.article_id, []).append(chunk)
    folded = []
    for members in stories.values():
        best = members[0]
        words = _words(best.text)
        same = [chunk for chunk in members if _jaccard(words, _words(chunk.text)) >= SAME_PASSAGE]
        chosen = min(same, key=lambda chunk: chunk.published or "9999")
        others = {
            chunk.source
            for chunk in members
            if chunk.source and chunk.article_id != chosen.article_id and chunk.source != chosen.source
        }
        folded.append(chosen.model_copy(update={"score": best.score, "also_reported_by": sorted(others)}))
    return folded


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
