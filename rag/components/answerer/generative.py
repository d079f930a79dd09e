"""A language model writes the answer; verification decides what it may claim.

Before the model is asked, the extractive scorer measures the evidence: when
the sources clearly do not answer, the assistant abstains without a model call
(a small model asked anyway invents an answer). The model's text streams to the
caller as it comes; the final `Answer` then carries only verified citations,
flags unsupported sentences, and falls back to the extractive answer when not
one sentence is supported.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rag.components.answerer.extractive import ExtractiveAnswerer
from rag.components.llm import model_label
from rag.query.condense import condense, is_follow_up
from rag.query.prompt import answer_messages, prompt_sources, rewrite_messages
from rag.query.retrieval import SearchResult
from rag.query.verify import Verifier
from rag.schema import Answer, Focus, Generation, Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

FALLBACK_NOTE = (
    "The model's answer could not be found in the sources, so the best-matching quotes are shown instead."
)
MAX_REWRITE_CHARS = 300


class GenerativeAnswerer:
    def __init__(
        self,
        name: str,
        chat: BaseChatModel,
        extractive: ExtractiveAnswerer,
        verifier: Verifier,
        max_sentences: int,
    ) -> None:
        self.name = name
        self.chat = chat
        self.model = model_label(chat)
        self.extractive = extractive
        self.verifier = verifier
        self.max_sentences = max_sentences

    def answer(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        *_, final = self.stream(question, found, asked)
        assert isinstance(final, Answer)
        return final

    def timeline(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        """Quoted: a date beside a sentence a model wrote would be a date nobody checked."""
        return self.extractive.timeline(question, found, asked)

    def stream(self, question: str, found: SearchResult, asked: str | None = None) -> Iterator[str | Answer]:
        quoted = self.extractive.answer(question, found, asked)
        if quoted.abstained:
            yield quoted.text
            yield quoted.model_copy(update={"answerer": self.name})
            return
        sources = prompt_sources(found.chunks)
        messages = answer_messages(question, sources, self.max_sentences)
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        try:
            for chunk in self.chat.stream(messages):
                text = chunk.text
                if not text:
                    continue
                if first is None:
                    first = time.perf_counter() - started
                pieces.append(text)
                yield text
        except Exception as error:  # a model server can fail in many ways; the reader still gets quotes
            note = (
                f"The model failed ({type(error).__name__}), so the best-matching quotes are shown instead."
            )
            yield self._fallback(quoted, note)
            return
        elapsed = time.perf_counter() - started
        raw = "".join(pieces)
        verified = self.verifier.verify(raw, sources, question)
        generation = Generation(
            model=self.model,
            text=raw,
            first_token_ms=first * 1000 if first is not None else None,
            tokens=len(pieces),
            tokens_per_s=(len(pieces) - 1) / (elapsed - first)
            if first is not None and elapsed > first
            else None,
            supported=verified.supported,
            unsupported=len(verified.claims) - verified.supported,
            dropped_markers=verified.dropped_markers,
        )
        if verified.supported == 0:
            yield self._fallback(quoted, FALLBACK_NOTE, generation)
            return
        notes = []
        if generation.unsupported:
            notes.append(
                f"{generation.unsupported} of {len(verified.claims)} sentences could not be found in the "
                "sources and are marked."
            )
        yield Answer(
            question=question,
            standalone_question=question,
            text=verified.text,
            claims=verified.claims,
            citations=verified.ledger.citations,
            sources=verified.ledger.sources,
            retrieved=found.chunks,
            answerer=self.name,
            evidence_score=quoted.evidence_score,
            generation=generation,
            notes=notes,
        )

    def _fallback(self, quoted: Answer, note: str, generation: Generation | None = None) -> Answer:
        """The extractive answer in the model's place, saying why."""
        return quoted.model_copy(
            update={
                "answerer": self.name,
                "generation": generation,
                "fell_back": True,
                "notes": [*quoted.notes, note],
            }
        )

    def rewrite(self, question: str, history: Sequence[Turn], focus: Focus | None = None) -> str:
        """A follow-up made standalone by the model; the deterministic rewrite if its reply is unusable."""
        if not history or not is_follow_up(question, history, focus):
            return question
        try:
            reply = self.chat.invoke(rewrite_messages(question, history)).text
        except Exception:  # a failed rewrite must not fail the question: fall back
            return condense(question, history, focus)
        lines = [line.strip().strip('"') for line in reply.strip().splitlines() if line.strip()]
        rewritten = lines[0] if lines else ""
        if not rewritten or len(rewritten) > MAX_REWRITE_CHARS or not any(ch.isalpha() for ch in rewritten):
            return condense(question, history, focus)
        return rewritten
