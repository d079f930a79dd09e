"""What an answerer is: retrieved chunks in, a cited `Answer` out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from rag.query.retrieval import SearchResult
from rag.schema import Answer, Focus, Turn


class Answerer(Protocol):
    name: str

    def answer(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        """A complete answer (`question` is the standalone question, `asked` the user's own words)."""
        ...

    def timeline(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        """Dated, cited sentences from every retrieved article, oldest first, one line per date."""
        ...

    def stream(self, question: str, found: SearchResult, asked: str | None = None) -> Iterator[str | Answer]:
        """Text as it is produced, then the final `Answer`."""
        ...

    def rewrite(self, question: str, history: Sequence[Turn], focus: Focus | None = None) -> str:
        """`question` made standalone in the light of `history` and its `focus` (unchanged when it
        already is)."""
        ...
