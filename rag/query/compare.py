"""How outlets reported one event: a quote per outlet, what they share, where they differ.

"How did outlets report X?", "Do the sources disagree on X?", "compare coverage
of X" (and `rag compare "X"`) are routed here, as timeline questions are routed
to the timeline. The answerer's own scoring (`score`, its public method) ranks
the sentences of the retrieved chunks; the event of the best answering one is
the event compared, and its articles are searched again within that event
(`Filters(event=...)`), so every outlet that covered it is heard, not only the
ones that made the first top k. Then, every line a verbatim quote with its [n]:

- one line per outlet, its best sentence ("CNN, 16 Oct 2025: "..." [1]");
- shared: the sentence other outlets say too (a sentence of theirs close in
  meaning, each cited with its own quote);
- differ: figures given differently for the same thing, found as numbers
  attached to the same noun or unit in sentences of the event
  ("Daily Post: 12 dead [1] · Evening Star: at least 14 dead [2]"), or, when
  no figure conflicts, the sentence only one outlet has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np

from rag.query.citations import CitationLedger, nearest_articles
from rag.query.coverage import chunk_event
from rag.query.filters import Filters
from rag.query.latest import Quotable
from rag.query.retrieval import HybridRetriever, SearchResult
from rag.schema import Answer, Claim, RetrievedChunk, Span, dateline
from rag.text.outlets import outlet_name

COMPARE = re.compile(
    r"\bhow (?:did|do|does|have|has) (?:the )?(?:different |various |other )?"
    r"(?:outlets?|sources?|media|papers|newspapers|publications|news (?:outlets|sites)|reports?)\b"
    r".{0,40}?\b(?:report(?:ed)?|cover(?:ed)?|describe[d]?|portray(?:ed)?|frame[d]?)\b(?:\s+(?:on|about))?"
    r"|\b(?:do|did|does) (?:the )?(?:sources?|outlets?|reports?|articles?|media|papers) "
    r"(?:disagree|differ|agree|conflict|contradict each other)(?:\s+(?:on|about|over))?"
    r"|\bcompare (?:the )?(?:coverage|reporting|reports|sources|outlets)(?:\s+(?:of|on|about))?"
    r"|\b(?:coverage|reporting) comparison(?:\s+(?:of|on))?",
    re.IGNORECASE,
)
NO_EVENT_TEXT = (
    "No indexed event answers this, so there is no coverage to compare. The nearest articles are below."
)
# Two sentences of different outlets closer than this (cosine) say the same thing.
SAME_MEANING = 0.7
MAX_OUTLETS = 8
MAX_CONFLICTS = 3

_QUALIFIER = (
    r"at least|more than|over|nearly|almost|about|around|roughly|up to|as many as|fewer than|"
    r"less than|some|an estimated|approximately"
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20, "hundred": 100,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_FIGURE = re.compile(
    rf"(?:\b(?P<qualifier>{_QUALIFIER})\s+)?(?P<currency>[$£€])?"
    rf"(?P<number>\d[\d,]*(?:\.\d+)?|\b(?:{'|'.join(_NUMBER_WORDS)})\b)"
    rf"(?:\s*(?P<scale>{'|'.join(_SCALES)})\b)?(?P<percent>\s*%|\s+percent\b)?"
    r"(?P<tail>(?:\s+(?:people|persons|residents|civilians|others))?"
    r"(?:\s+(?:were|have been|had been|was|are|is|been))?\s+(?P<unit>[a-z][a-z-]+))?",
    re.IGNORECASE,
)
# Words after a number that name no quantity.
_NOT_UNIT_WORDS = (
    "the a an of and or to in on at for from by with as was were is are has have had who that which "
    "after before than since per"
)
_NOT_UNITS = frozenset(_NOT_UNIT_WORDS.split())
_MONTH_WORDS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december"
)
_MONTHS = frozenset(_MONTH_WORDS.split())
# Spans of time: "two days of rain" and "three days after" are seldom one quantity told twice.
_DURATIONS = frozenset(
    ["second", "minute", "hour", "day", "night", "week", "month", "year", "decade", "century", "time"]
)
# One quantity, many words: "12 killed", "12 deaths", "12 people died" are all "dead".
_SAME_UNIT = {
    "killed": "dead", "died": "dead", "deaths": "dead", "death": "dead", "fatalities": "dead",
    "wounded": "injured", "injuries": "injured", "hurt": "injured",
    "homes": "houses", "buildings": "houses",
}  # fmt: skip


def asks_for_comparison(question: str) -> bool:
    return bool(COMPARE.search(question))


def topic_of(question: str) -> str:
    """What to search for: the question without "how did outlets report" and the like."""
    stripped = re.sub(r"\s{2,}", " ", COMPARE.sub(" ", question)).strip(" ?.!,:;")
    return stripped if any(ch.isalnum() for ch in stripped) else question


@runtime_checkable
class Scorer(Protocol):
    """The answerer's sentence scoring: candidate sentences of the chunks, best first, with vectors."""

    def score(
        self, question: str, found: SearchResult, asked: str | None = None
    ) -> tuple[Sequence[Quotable], np.ndarray]: ...


@dataclass(frozen=True)
class Figure:
    """A number attached to a noun or unit in a sentence: "at least 14 dead"."""

    text: str
    value: float
    unit: str


def figures(sentence: str) -> list[Figure]:
    """The figures of a sentence with the unit each counts; years and days of the month left out."""
    found = []
    for match in _FIGURE.finditer(sentence):
        number = match.group("number").lower().replace(",", "")
        value = float(_NUMBER_WORDS.get(number, 0) or number)
        value *= _SCALES.get((match.group("scale") or "").lower(), 1)
        unit = _unit(match)
        before = sentence[: match.start()].rstrip().rsplit(" ", 1)[-1].lower().strip(".,")
        if unit is None or before in _MONTHS:
            continue
        if not match.group("currency") and 1900 <= value <= 2100 and "." not in number:
            continue
        found.append(Figure(sentence[match.start() : _end(match)].strip(), value, unit))
    return found


def _end(match: re.Match[str]) -> int:
    """Where the figure's text ends: after "%" or "billion" when those are its unit, else after the noun."""
    if match.group("percent"):
        return match.end("percent")
    if match.group("currency"):
        return match.end("scale") if match.group("scale") else match.end("number")
    return match.end()


def _unit(match: re.Match[str]) -> str | None:
    if match.group("percent"):
        return "percent"
    word = (match.group("unit") or "").lower()
    currency = match.group("currency")
    if currency:
        return f"{currency}{(match.group('scale') or '').lower()}"
    if not word or word in _NOT_UNITS or word in _MONTHS:
        return None
    word = _SAME_UNIT.get(word, word)
    word = word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word
    return None if word in _DURATIONS else word


class Comparer:
    """Answers a compare question from the event its best-answering sentence belongs to."""

    def __init__(self, scorer: Scorer, retriever: HybridRetriever, threshold: float, k: int) -> None:
        self.scorer = scorer
        self.retriever = retriever
        self.threshold = threshold
        self.k = k

    def compare(self, question: str, found: SearchResult, asked: str | None = None) -> Answer:
        scored, _ = self.scorer.score(question, found, asked)
        best = next((item for item in scored if item.evidence >= self.threshold), None)
        if best is None:
            return Answer(
                question=question,
                standalone_question=question,
                text=NO_EVENT_TEXT,
                abstained=True,
                nearest=nearest_articles(found.chunks),
                retrieved=found.chunks,
                answerer="compare",
                evidence_score=max((item.evidence for item in scored), default=None),
            )
        event = chunk_event(best.chunk)
        within = self._event_chunks(question, found, best.chunk, event)
        scored, vectors = self.scorer.score(question, replace(found, chunks=within), asked)
        ledger = _Ledger()
        claims = self._per_outlet(scored, ledger)
        claims += self._shared(scored, vectors, ledger)
        claims += self._differ(scored, vectors, ledger)
        outlets = {outlet(item.chunk) for item in scored}
        notes = ["Only one outlet reported this event."] if len(outlets) == 1 else []
        return Answer(
            question=question,
            standalone_question=question,
            text="\n".join(claim.text for claim in claims),
            claims=claims,
            citations=ledger.citations,
            sources=ledger.sources,
            retrieved=within,
            answerer="compare",
            evidence_score=best.evidence,
            comparison=True,
            notes=notes,
        )

    def _event_chunks(
        self, question: str, found: SearchResult, lead: RetrievedChunk, event: str
    ) -> list[RetrievedChunk]:
        """The event's chunks for the question: searched within the event, the retrieved ones first."""
        # A store written before events has no event ids: the story stands for the event there.
        # Within the event, and never past the day the question is asked as of.
        as_of = found.timeframe.as_of if found.timeframe else None
        within = Filters(event=event, until=as_of)
        wider = self.retriever.search(question, self.k, within).chunks if lead.event_id else []
        chunks = {c.chunk_id: c for c in found.chunks if chunk_event(c) == event}
        for chunk in wider:
            chunks.setdefault(chunk.chunk_id, chunk)
        return list(chunks.values())

    def _per_outlet(self, scored: Sequence[Quotable], ledger: CitationLedger) -> list[Claim]:
        """One line per outlet, oldest first: its best sentence."""
        best: dict[str, Quotable] = {}
        for item in scored:
            best.setdefault(outlet(item.chunk), item)
        ordered = sorted(best.values(), key=lambda item: item.chunk.published or "9999")[:MAX_OUTLETS]
        return [self._line(f"{_dateline(item.chunk)}: ", [item], ledger) for item in ordered]

    def _shared(self, scored: Sequence[Quotable], vectors: np.ndarray, ledger: CitationLedger) -> list[Claim]:
        """The answering sentence most other outlets say too, each outlet cited with its own sentence."""
        best_line: list[Quotable] | None = None
        for i, item in enumerate(scored):
            if item.evidence < self.threshold:
                continue
            echoes: dict[str, Quotable] = {}
            for j, other in enumerate(scored):
                name = outlet(other.chunk)
                if (
                    name != outlet(item.chunk)
                    and name not in echoes
                    and vectors[i] @ vectors[j] >= SAME_MEANING
                ):
                    echoes[name] = other
            if echoes and (best_line is None or len(echoes) + 1 > len(best_line)):
                best_line = [item, *echoes.values()]
        if best_line is None:
            return []
        names = ", ".join(outlet(item.chunk) for item in best_line)
        return [self._line(f"Shared by {names}: ", best_line, ledger)]

    def _differ(self, scored: Sequence[Quotable], vectors: np.ndarray, ledger: CitationLedger) -> list[Claim]:
        """Figures for one unit given differently by different outlets, side by side; else lone sentences."""
        return self._conflicts(scored, ledger) or self._lone(scored, vectors, ledger)

    def _conflicts(self, scored: Sequence[Quotable], ledger: CitationLedger) -> list[Claim]:
        """ "Differ: Daily Post: 12 dead [1] · Evening Star: at least 14 dead [2]"."""
        by_unit: dict[str, dict[str, tuple[Quotable, Figure]]] = {}
        for item in scored:
            for figure in figures(item.span.text):
                by_unit.setdefault(figure.unit, {}).setdefault(outlet(item.chunk), (item, figure))
        lines = []
        for unit_figures in by_unit.values():
            values = {figure.value for _, figure in unit_figures.values()}
            if len(unit_figures) < 2 or len(values) < 2:
                continue
            parts = []
            ordered = sorted(unit_figures.items(), key=lambda pair: pair[1][0].chunk.published or "9999")
            for name, (item, figure) in ordered:
                index = ledger.cite(item.chunk, item.span)
                parts.append((f"{name}: {figure.text} [{ledger.citations[index].number}]", index))
            text = "Differ: " + " · ".join(part for part, _ in parts)
            lines.append(Claim(text=text, citations=[index for _, index in parts]))
            if len(lines) == MAX_CONFLICTS:
                break
        return lines

    def _lone(self, scored: Sequence[Quotable], vectors: np.ndarray, ledger: CitationLedger) -> list[Claim]:
        """Per outlet, its best answering sentence no other outlet says, unless already quoted."""
        quoted = {(c.article_id, c.start) for c in ledger.citations}
        lines: dict[str, Claim] = {}
        for i, item in enumerate(scored):
            name = outlet(item.chunk)
            if name in lines or item.evidence < self.threshold:
                continue
            if (item.chunk.article_id, item.span.start) in quoted:
                continue
            echoed = any(
                outlet(other.chunk) != name and vectors[i] @ vectors[j] >= SAME_MEANING
                for j, other in enumerate(scored)
            )
            if not echoed:
                lines[name] = self._line(f"Only {name}: ", [item], ledger)
        return list(lines.values())[:MAX_CONFLICTS] if len({outlet(i.chunk) for i in scored}) > 1 else []

    def _line(self, prefix: str, items: Sequence[Quotable], ledger: CitationLedger) -> Claim:
        """`prefix` + the first item's sentence, quoted, with the [n] of every item (each its own quote)."""
        indexes = [ledger.cite(item.chunk, item.span) for item in items]
        markers = " ".join(f"[{ledger.citations[index].number}]" for index in indexes)
        return Claim(text=f'{prefix}"{items[0].span.text}" {markers}', citations=indexes)


class _Ledger(CitationLedger):
    """A ledger that cites a sentence once, however many lines quote it."""

    def __init__(self) -> None:
        super().__init__()
        self._cited: dict[tuple[str, int, int], int] = {}

    def cite(self, chunk: RetrievedChunk, sentence: Span) -> int:
        key = (chunk.article_id, sentence.start, sentence.end)
        if key not in self._cited:
            self._cited[key] = super().cite(chunk, sentence)
        return self._cited[key]


def outlet(chunk: RetrievedChunk) -> str:
    return chunk.outlet or outlet_name(chunk.source, chunk.url) or "unknown outlet"


def _dateline(chunk: RetrievedChunk) -> str:
    return dateline(outlet(chunk), chunk.published)
