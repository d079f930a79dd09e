"""The default answerer: quote the article sentences that answer best.

Every sentence of the answer is a verbatim quote carrying its [n], so the
citation promise holds by construction and no model can invent anything.
Sentences are scored by embedding similarity to the question plus the share of
the question's content words they contain, the kind of answer and the names the
question asks for, and the date the retriever prefers: that is the sentence's
evidence, and when no sentence has enough the answerer abstains. Which of the
answering sentences to quote also weighs the retriever's score of the chunk it
sits in (it read the whole chunk, its title and BM25). Among the sentences that
score within a margin of the best, which words and names alone cannot tell
apart, the trained reader (`rag.components.reader`; `RAG_READER=false` turns
it off) decides: the probability it gives that the sentence answers, plus the
chunk and time terms. The answer is picked from them with maximal marginal
relevance, so it does not say the same thing twice. A sentence that
opens with a pronoun ("His comments were met with boos") borrows the previous
sentence's words for the overlap score, since that is who "his" is. Sentences
that address an assistant ("ignore previous instructions…") are never quoted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from rag.components.embedding import Embedder
from rag.components.reader import Reader
from rag.components.reader.inputs import passage_text
from rag.query.answer_types import expected_kind, focus_terms, names, supplies
from rag.query.candidates import Candidate, candidate_sentences, with_antecedent
from rag.query.citations import CitationLedger, nearest_articles
from rag.query.condense import condense
from rag.query.latest import Line, newest_first
from rag.query.retrieval import Recency, SearchResult
from rag.query.timeline import story_days
from rag.schema import Answer, Claim, Focus, RetrievedChunk, Span, Turn, day_label
from rag.text.terms import content_terms

DENSE_WEIGHT = 0.65
# Added to (or taken from) a sentence that does (or cannot) supply the kind of answer asked for.
KIND_BONUS = 0.1
MMR_LAMBDA = 0.7
# A further sentence joins the answer only if it scores within this of the best.
MARGIN = 0.08
# Taken from a sentence for each of the question's names it misses (article title included).
NAME_PENALTY = 0.15
# A sentence's share of the retriever's time preference: its recency prior times this, and
# this bonus when it lies inside a past period the question names ("in January").
TIME_WEIGHT = 0.15
PERIOD_BONUS = 0.15
# A sentence gains this times its chunk's retrieval score (1.0 for the best chunk): the retriever
# read the whole chunk, its title, BM25 and its date, which one sentence alone does not show.
CHUNK_WEIGHT = 0.3
# The reader's probability from which it says a sentence answers (where a probability says yes).
READER_SAYS_IT_ANSWERS = 0.5
# A word met only in the sentence a pronoun points to counts this much.
BORROWED_WEIGHT = 0.5
# A word a follow-up carries over from the previous question counts this much.
CARRIED_WEIGHT = 0.5
ABSTAIN_TEXT = "The indexed articles do not answer this question. The nearest articles are listed below."


@dataclass(frozen=True)
class SentenceFeatures:
    """What is known of one candidate sentence before anything is weighed."""

    # Cosine similarity of the sentence to the question.
    dense: float
    # Weighted share of the question's content words in it (and in the sentence it leans on).
    overlap: float
    # +1 when it supplies the kind of answer asked for, -1 when it cannot, 0 when no kind is asked.
    kind: float
    # Share of the question's names that the sentence, its antecedent and its title lack.
    missing_names: float
    # The retriever's time preference for the sentence's chunk (`time_preference`).
    time: float
    # The retriever's score of the sentence's chunk (1.0 for the best chunk).
    chunk: float

    def evidence(self) -> float:
        """How well the sentence answers on its own, by the hand-set weights."""
        return (
            DENSE_WEIGHT * self.dense
            + (1 - DENSE_WEIGHT) * self.overlap
            + KIND_BONUS * self.kind
            - NAME_PENALTY * self.missing_names
            + self.time
        )


@dataclass(frozen=True)
class ScoredSentence:
    candidate: Candidate
    # What ranks sentences: `evidence` plus the retriever's score of the sentence's chunk.
    score: float
    # How well the sentence answers on its own (words, meaning, kind, names, time): what abstention reads.
    evidence: float
    # The retriever's time preference for its chunk (part of `evidence`).
    time: float

    @property
    def chunk(self) -> RetrievedChunk:
        return self.candidate.chunk

    @property
    def span(self) -> Span:
        return self.candidate.span

    @property
    def before(self) -> Span | None:
        """The sentence before it when it leans on that one ("It is now ..."): quoted with it."""
        return self.candidate.before if self.candidate.leans_on_before else None


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int,
        threshold: float,
        timeline_lines: int = 8,
        reader: Reader | None = None,
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.threshold = threshold
        self.timeline_lines = timeline_lines
        self.reader = reader

    def answer(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        scored, vectors = self.score(question, found, asked)
        # Whether anything answers reads the evidence alone: the chunk score is relative (every
        # question's first chunk has 1.0), so it says which sentence, never whether one exists.
        best = max((item.evidence for item in scored), default=None)
        if best is None or best < self.threshold:
            return abstention(question, found.chunks).model_copy(update={"evidence_score": best})
        chosen = self._select(question, scored, vectors)
        if found.timeframe is not None and found.timeframe.latest:
            # "What is the latest ...": the newest coverage that answers first, older coverage marked older.
            lines = newest_first(chosen, scored, self.threshold, asked or question, self.max_sentences)
        else:
            lines = [Line(item) for item in chosen]
        ledger = CitationLedger()
        claims = []
        quoted: set[tuple[str, int]] = set()
        for item, opening in lines:
            if (item.chunk.article_id, item.span.start) in quoted:
                continue
            span = with_antecedent(item.candidate)
            if (item.chunk.article_id, span.start) in quoted:
                span = item.span
            quoted.update((item.chunk.article_id, start) for start in (span.start, item.span.start))
            index = ledger.cite(item.chunk, span)
            marker = ledger.citations[index].number
            claims.append(Claim(text=f"{opening}{span.text} [{marker}]", citations=[index]))
        return self._cited(question, found, ledger, claims, best)

    def timeline(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        """The best-supported sentence of each publication day of the asked story, oldest first.

        One line per day, the strongest `timeline_lines` days shown and the story's
        further days in `Answer.more` (`rag.query.timeline`). Undated articles cannot
        be placed on a timeline and are left out.
        """
        scored, _ = self.score(question, found, asked)
        best_of_day: dict[str, ScoredSentence] = {}
        for item in scored:
            if item.evidence >= self.threshold and item.chunk.published:
                best_of_day.setdefault(item.chunk.published[:10], item)
        if not best_of_day:
            best = max((item.evidence for item in scored), default=None)
            return abstention(question, found.chunks).model_copy(update={"evidence_score": best})
        shown, more = story_days(best_of_day, question, self.timeline_lines)
        ledger = CitationLedger()
        claims = [self._dated(day, best_of_day[day], ledger) for day in shown]
        further = [self._dated(day, best_of_day[day], ledger) for day in more]
        best = max(best_of_day[day].evidence for day in shown)
        answer = self._cited(question, found, ledger, claims, best, timeline=True)
        return answer.model_copy(update={"more": further})

    @staticmethod
    def _dated(day: str, item: ScoredSentence, ledger: CitationLedger) -> Claim:
        index = ledger.cite(item.chunk, item.span)
        return Claim(
            text=f"{day_label(day)}: {item.span.text} [{ledger.citations[index].number}]", citations=[index]
        )

    def _cited(
        self,
        question: str,
        found: SearchResult,
        ledger: CitationLedger,
        claims: list[Claim],
        evidence: float,
        timeline: bool = False,
    ) -> Answer:
        """The answer made of `claims`: run together, or one line each for a timeline."""
        return Answer(
            question=question,
            standalone_question=question,
            text=("\n" if timeline else " ").join(claim.text for claim in claims),
            claims=claims,
            citations=ledger.citations,
            sources=ledger.sources,
            retrieved=found.chunks,
            answerer=self.name,
            evidence_score=evidence,
            timeline=timeline,
        )

    def stream(self, question: str, found: SearchResult, asked: str | None = None) -> Iterator[str | Answer]:
        answer = self.answer(question, found, asked)
        pieces = [claim.text for claim in answer.claims] or [answer.text]
        for number, piece in enumerate(pieces):
            yield piece if number == 0 else " " + piece
        yield answer

    def rewrite(self, question: str, history: Sequence[Turn], focus: Focus | None = None) -> str:
        """The deterministic rewrite: references become the focus's names, a question without a topic
        gets the last question's."""
        return condense(question, history, focus)

    def score(
        self, question: str, found: SearchResult, asked: str | None = None
    ) -> tuple[list[ScoredSentence], np.ndarray]:
        """Candidate sentences from the retrieved chunks, best first, with their vectors."""
        candidates, features, vectors = self.features(question, found, asked)
        scored = []
        for candidate, known in zip(candidates, features, strict=True):
            evidence = known.evidence()
            score = evidence + CHUNK_WEIGHT * known.chunk
            scored.append(ScoredSentence(candidate, score, evidence, known.time))
        order = sorted(range(len(scored)), key=lambda i: scored[i].score, reverse=True)
        return [scored[i] for i in order], vectors[order]

    def features(
        self, question: str, found: SearchResult, asked: str | None = None
    ) -> tuple[list[Candidate], list[SentenceFeatures], np.ndarray]:
        """Each candidate sentence of the retrieved chunks with what is known of it, and its vector.

        `asked` is the user's own words when `question` was rewritten from a
        follow-up: they decide the kind of answer, and words carried over from
        the conversation count for less than them.
        """
        candidates = candidate_sentences(found.chunks)
        if not candidates:
            return [], [], np.zeros((0, 0), dtype=np.float32)
        vectors = self.embedder.embed([candidate.span.text for candidate in candidates])
        dense = vectors @ found.query_vector
        wanted = _term_weights(question, asked)
        kind = expected_kind(asked or question)
        focus = focus_terms(asked or question)
        asked_names = set(names(asked or question))
        features = []
        for candidate, similarity in zip(candidates, dense, strict=True):
            chunk, span = candidate.chunk, candidate.span
            before = candidate.before if candidate.leans_on_before else None
            context = f"{chunk.title} {before.text if before else ''} {span.text}"
            features.append(
                SentenceFeatures(
                    dense=float(similarity),
                    overlap=_overlap(wanted, span, before),
                    kind=0.0 if kind is None else 1.0 if supplies(kind, context, focus) else -1.0,
                    missing_names=_missing_share(asked_names, context),
                    time=time_preference(found.recency, chunk),
                    chunk=chunk.score,
                )
            )
        return candidates, features, vectors

    def _select(
        self, question: str, scored: list[ScoredSentence], vectors: np.ndarray
    ) -> list[ScoredSentence]:
        """Maximal marginal relevance among the sentences that answer, close to the best of them.

        Within `MARGIN` of the best the hand-set score cannot tell which answers: the reader
        (when there is one) orders those near ties (`near_tie_relevance`), and its order is the
        relevance MMR weighs.
        """
        evidence = np.array([item.evidence for item in scored])
        scores = np.array([item.score for item in scored])
        pool = [int(i) for i in np.flatnonzero(near_tie_pool(evidence, scores, self.threshold))]
        relevance = dict(zip(pool, self._relevance(question, [scored[i] for i in pool]), strict=True))
        pool.sort(key=lambda i: relevance[i], reverse=True)
        chosen = [pool.pop(0)]
        # A further sentence must be close to the first by relevance too (without a reader, the same test).
        pool = [i for i in pool if relevance[i] >= relevance[chosen[0]] - MARGIN]
        while pool and len(chosen) < self.max_sentences:

            def mmr(i: int) -> float:
                redundancy = max(float(vectors[i] @ vectors[j]) for j in chosen)
                return MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * redundancy

            best = max(pool, key=mmr)
            pool.remove(best)
            chosen.append(best)
        return [scored[i] for i in chosen]

    def _relevance(self, question: str, near_ties: list[ScoredSentence]) -> list[float]:
        """How well each near tie answers: `near_tie_relevance` when there is a reader, else the score."""
        if self.reader is not None and len(near_ties) > 1:
            read = self.reader.probabilities(question, [reader_passage(item.candidate) for item in near_ties])
            relevance = near_tie_relevance(
                read,
                np.array([item.chunk.score for item in near_ties]),
                np.array([item.time for item in near_ties]),
            )
            if relevance is not None:
                return [float(value) for value in relevance]
        return [item.score for item in near_ties]


def near_tie_pool(evidence: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Which sentences are near ties: those that could be quoted (evidence at `threshold`) and
    score within `MARGIN` of the best of them. All false when none could be quoted."""
    answering = evidence >= threshold
    if not answering.any():
        return answering
    return answering & (scores >= scores[answering].max() - MARGIN)


def near_tie_relevance(probabilities: np.ndarray, chunk: np.ndarray, time: np.ndarray) -> np.ndarray | None:
    """The reader's order of the near ties: its probability plus the chunk and time terms (what the
    retriever knows and the reader does not see). None when it gives every one under
    `READER_SAYS_IT_ANSWERS`: it judges that none answers, and its order would be the chunk and
    time terms alone ("a toll from March" over "a weight limit of 20 tonnes")."""
    if probabilities.max() < READER_SAYS_IT_ANSWERS:
        return None
    return probabilities + CHUNK_WEIGHT * chunk + time


def abstention(question: str, chunks: list[RetrievedChunk]) -> Answer:
    """Say plainly that the articles do not answer, and show the nearest ones."""
    return Answer(
        question=question,
        standalone_question=question,
        text=ABSTAIN_TEXT,
        abstained=True,
        nearest=nearest_articles(chunks),
        retrieved=chunks,
    )


def reader_passage(candidate: Candidate) -> str:
    """What the reader reads of a candidate besides the question."""
    leaned_on = candidate.before.text if candidate.before and candidate.leans_on_before else ""
    return passage_text(candidate.span.text, leaned_on)


def time_preference(recency: Recency | None, chunk: RetrievedChunk) -> float:
    """What a sentence gains for its chunk's date: the retriever's recency prior and period bonus."""
    if recency is None:
        return 0.0
    day = int(chunk.published[:10].replace("-", "")) if chunk.published else None
    return TIME_WEIGHT * recency.weight * recency.prior(day) + (PERIOD_BONUS if recency.inside(day) else 0.0)


def _missing_share(wanted: set[str], context: str) -> float:
    """Share of the question's names (stemmed) that the sentence, its antecedent and title lack.

    A name counts as present when one word is the start of the other: "Western" is met by "West",
    "Russian" by "Russia".
    """
    if not wanted:
        return 0.0
    held = set(content_terms(context))
    missing = [
        name for name in wanted if not any(name.startswith(term) or term.startswith(name) for term in held)
    ]
    return len(missing) / len(wanted)


def _term_weights(question: str, asked: str | None) -> dict[str, float]:
    """The question's content words, those carried over from earlier turns at `CARRIED_WEIGHT`."""
    terms = content_terms(question)
    own = set(content_terms(asked)) if asked else set(terms)
    return {term: 1.0 if term in own or not own else CARRIED_WEIGHT for term in terms}


def _overlap(wanted: dict[str, float], span: Span, previous: Span | None = None) -> float:
    """Weighted share of the question's words found in the sentence (and the one its pronoun points to)."""
    total = sum(wanted.values())
    if not total:
        return 0.0
    own = wanted.keys() & set(content_terms(span.text))
    borrowed = wanted.keys() & set(content_terms(previous.text)) - own if previous is not None else set()
    return (sum(wanted[t] for t in own) + BORROWED_WEIGHT * sum(wanted[t] for t in borrowed)) / total
