"""Check every sentence of a model's answer against the sources it cites.

A citation is a promise that the cited article says what the sentence says. A
language model breaks it freely (a 135M model invents reasons), so nothing it
writes is trusted: the [n] markers are parsed, markers naming no source are
dropped, and each answer sentence is matched against the sentences of the
sources it cites by embedding similarity plus the share of its new content
words (those not already in the question, which any answer echoes) that the
source sentence holds: an invented reason for a "why" question shares the
question's words with the article but not its own. The question's words the
sentence repeats must occur in or beside the source sentence, so true names in
a false relation ("the UN envoy is Lavrov") find no support. A number in the sentence
(a year, a count) must appear in the source sentence too, or it supports
nothing; when all of them do, that agreement counts in its favour. The best
match at or above the threshold becomes the sentence's citation (quote and
span); a sentence with none is kept but marked unsupported. The threshold
(`Settings.verify_threshold`) is measured by `python -m bench.calibrate_verification`
on evals/datasets/support.jsonl.
Sentences in an article that read like orders to an assistant ("ignore
previous instructions…") are data, never evidence, so they support nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rag.components.embedding import Embedder
from rag.query.citations import CitationLedger
from rag.query.instructions import looks_like_instruction
from rag.schema import Claim, RetrievedChunk, Span
from rag.text.sentences import split_sentences
from rag.text.terms import content_terms

DENSE_WEIGHT = 0.5
# How much the question's own words must be near the evidence: "the UN envoy is Lavrov" echoes
# "UN envoy" from the question, and a sentence about Lavrov that never mentions an envoy is no support.
ECHO_WEIGHT = 0.7
# Added when every number of the sentence is in the source sentence: the most specific words agree.
NUMBER_BONUS = 0.1
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(\s*\[\d+(?:\s*,\s*\d+)*\])+")


@dataclass(frozen=True)
class PromptSource:
    """Source [number] of the prompt: one article and the retrieved chunks of it."""

    number: int
    chunks: list[RetrievedChunk]

    @cached_property
    def evidence(self) -> list[tuple[RetrievedChunk, Span, str]]:
        """Each sentence that may support a claim, with its chunk and the text around it.

        Split once per source, however many answer sentences are checked against it.
        """
        out: list[tuple[RetrievedChunk, Span, str]] = []
        for chunk in self.chunks:
            spans = split_sentences(chunk.text, offset=chunk.start)
            for i, span in enumerate(spans):
                if not looks_like_instruction(span.text):
                    out.append((chunk, span, " ".join(s.text for s in spans[max(0, i - 1) : i + 2])))
        return out


@dataclass(frozen=True)
class Verified:
    claims: list[Claim]
    ledger: CitationLedger
    dropped_markers: int

    @property
    def supported(self) -> int:
        return sum(claim.supported for claim in self.claims)

    @property
    def text(self) -> str:
        return " ".join(claim.text for claim in self.claims)


def answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """The model's sentences without their markers, each with the source numbers it cited.

    A marker written after the full stop ("… Sochi. [1]") belongs to the sentence before it.
    """
    pieces: list[tuple[str, list[int]]] = []
    for span in split_sentences(text.strip()):
        sentence = span.text
        leading = _LEADING_MARKERS.match(sentence)
        if leading and pieces:
            pieces[-1][1].extend(_numbers(leading.group()))
            sentence = sentence[leading.end() :]
        numbers = _numbers(sentence)
        bare = _MARKER.sub("", sentence).strip()
        if bare and any(ch.isalnum() for ch in bare):
            pieces.append((bare, numbers))
    return pieces


def _numbers(text: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(text) for n in re.split(r"\s*,\s*", group)]


class Verifier:
    """Scores answer sentences against source sentences with the assistant's own embedder."""

    def __init__(self, embedder: Embedder, threshold: float) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def verify(self, text: str, sources: list[PromptSource], question: str = "") -> Verified:
        by_number = {source.number: source for source in sources}
        ledger = CitationLedger()
        claims: list[Claim] = []
        dropped = 0
        for sentence, numbers in answer_sentences(text):
            valid = [n for n in dict.fromkeys(numbers) if n in by_number]
            dropped += len(numbers) - len(valid)
            # A sentence citing nothing valid is checked against every source.
            cited = [by_number[n] for n in valid] or sources
            match = self.best_support(sentence, cited, question)
            if match is None:
                claims.append(Claim(text=sentence, supported=False))
                continue
            chunk, span, _ = match
            index = ledger.cite(chunk, span)
            claims.append(Claim(text=f"{sentence} [{ledger.citations[index].number}]", citations=[index]))
        return Verified(claims, ledger, dropped)

    def best_support(
        self, sentence: str, sources: list[PromptSource], question: str = ""
    ) -> tuple[RetrievedChunk, Span, float] | None:
        """The source sentence that best supports `sentence`, if it clears the threshold."""
        candidates = [candidate for source in sources for candidate in source.evidence]
        if not candidates:
            return None
        scores = self.scores(
            sentence,
            [span.text for _, span, _ in candidates],
            [around for *_, around in candidates],
            question,
        )
        best = int(np.argmax(scores))
        if scores[best] < self.threshold:
            return None
        chunk, span, _ = candidates[best]
        return chunk, span, float(scores[best])

    def scores(self, sentence: str, evidence: list[str], context: list[str], question: str) -> np.ndarray:
        """Support of `sentence` by each evidence sentence (`context`: it with its neighbours)."""
        vectors = self.embedder.embed([sentence, *evidence])
        dense = vectors[1:] @ vectors[0]
        terms = set(_terms(sentence))
        asked = set(_terms(question))
        new, echoed = terms - asked or terms, terms & asked
        lexical = np.array(
            [
                _share(new, _terms(text)) * (1 - ECHO_WEIGHT + ECHO_WEIGHT * _share(echoed, _terms(around)))
                for text, around in zip(evidence, context, strict=True)
            ]
        )
        numbers = _numbers_in(sentence)
        agree = np.array([numbers <= _numbers_in(text) for text in evidence], dtype=bool)
        score = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical + (NUMBER_BONUS if numbers else 0.0)
        return np.where(agree, score, 0.0)


def _share(wanted: set[str], found: list[str]) -> float:
    """Fraction of `wanted` among `found`; nothing wanted counts as all found."""
    return len(wanted & set(found)) / len(wanted) if wanted else 1.0


def _terms(text: str) -> list[str]:
    """Content words, with "1,500" kept whole so it matches "1500"."""
    return content_terms(_THOUSANDS.sub("", text))


def _numbers_in(text: str) -> set[str]:
    """Numbers as written without thousands separators: "1,500" and "1500" agree."""
    return {number.replace(",", "") for number in _NUMBER.findall(_MARKER.sub("", text))}
