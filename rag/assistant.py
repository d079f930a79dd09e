"""`Assistant`: the one entry point every door calls.

The web chat, the Slack bot, the CLI and the evaluator build one `Assistant`
per process and call `ask`/`stream`/`retrieve` (questions) or `ingest`/`articles`/`article`/
`remove_article`/`stats`/`health` (the corpus). They render what comes back and never
touch the store or the models themselves.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from rag.components.answerer import build_answerer
from rag.components.embedding import build_embedder
from rag.components.lexical_store import LexicalStore
from rag.components.vector_store import ArticleRecord, ChromaStore, StoredChunk
from rag.ingest.events import EventHeads
from rag.ingest.pipeline import Ingestor, IngestReport, ProgressFactory
from rag.ingest.sources import SourcesReport, ingest_sources
from rag.ingest.uploads import UploadError, save_upload
from rag.query.chain import build_answer_chain, build_comparer, build_retrieval_chain, finish, respond
from rag.query.coverage import coverage_of, event_heads, event_key, outlet_of
from rag.query.dense import chunk_ids_of
from rag.query.filters import Filters
from rag.query.lexical import LexicalIndex
from rag.query.retrieval import HybridRetriever, SearchResult
from rag.schema import Answer, ArticleView, Turn
from rag.settings import Settings

EMPTY_STORE_NOTE = "The store is empty: run `rag ingest` to index some articles."


def reference_day(as_of: date | datetime | None) -> date:
    """The day a question is asked at: today unless given (a datetime counts by its own day)."""
    if as_of is None:
        return datetime.now().astimezone().date()
    return as_of.date() if isinstance(as_of, datetime) else as_of


class QuestionError(ValueError):
    """A question that cannot be asked as given; the message says why."""


class UnknownArticleError(LookupError):
    """No indexed article has the id asked for; the message names it."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "no such article"


@dataclass(frozen=True)
class Stats:
    articles: int
    stories: int
    copies: int  # articles grouped into an earlier article's story (wire copies, updates)
    chunks: int
    store: str
    embedding_model: str
    last_ingest: datetime | None
    events: int = 0  # stories of one happening across outlets, grouped (a story alone is an event too)
    # events by how many outlets reported them: {1: 900, 2: 120, 3: 14}
    outlets_per_event: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    """What a load balancer's check reads: the store answered, with how many chunks (a count, no scan)."""

    chunks: int
    status: str = "ok"


class Assistant:
    """Models and store are opened once here and shared by every request."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.store = ChromaStore(self.settings)
        self.store.follow()
        self.lexical = LexicalStore(self.settings.lexical_path)
        self.embedder = build_embedder(self.settings)
        self.event_members = EventHeads(self.settings.events_path)
        self.retriever = HybridRetriever(
            store=self.store,
            embedder=self.embedder,
            lexical=LexicalIndex(self.lexical),
            k=self.settings.top_k,
            fetch_k=self.settings.fetch_k,
            rrf_k=self.settings.rrf_k,
            first_chunks=self.event_members,
        )
        self.answerer = build_answerer(self.settings, self.embedder)
        self._retrieval = build_retrieval_chain(self.retriever, self.answerer, self.settings)
        self.comparer = build_comparer(self.retriever, self.answerer, self.settings)
        self._chain = build_answer_chain(
            self.retriever, self.answerer, self.settings, self.comparer, self.event_members
        )

    # questions
    def ask(
        self,
        question: str,
        history: Sequence[Turn | dict[str, str]] = (),
        *,
        k: int | None = None,
        filters: Filters | None = None,
        as_of: date | datetime | None = None,
        timeline: bool | None = None,
        compare: bool | None = None,
    ) -> Answer:
        """Answer `question` as of `as_of` (default today; a follow-up is read in the light of `history`).

        `timeline=True` asks for dated lines in order ("How did X unfold?" gets one without asking);
        `False` never gives one. `compare=True` compares the outlets that reported the event ("How
        did outlets report X?" gets that without asking).
        """
        state = self._state(question, history, k, filters, as_of, timeline, compare)
        answer = self._chain.invoke(state)
        return self._noted(answer)

    def retrieve(
        self,
        question: str,
        *,
        k: int | None = None,
        as_of: date | datetime | None = None,
        filters: Filters | None = None,
    ) -> SearchResult:
        """The chunks an answer to `question` would be read from: the pipeline up to the answerer."""
        state = self._retrieval.invoke(self._state(question, (), k, filters, as_of))
        return state["found"]

    def stream(
        self,
        question: str,
        history: Sequence[Turn | dict[str, str]] = (),
        *,
        k: int | None = None,
        filters: Filters | None = None,
        as_of: date | datetime | None = None,
        timeline: bool | None = None,
        compare: bool | None = None,
    ) -> Iterator[str | Answer]:
        """Answer text as it is produced, then the final `Answer` (always last)."""
        state = self._retrieval.invoke(self._state(question, history, k, filters, as_of, timeline, compare))
        started = time.perf_counter()
        if state["timeline"] or state["compare"] or state.get("tiered") is not None:
            answer = respond(state, self.answerer, self.comparer)
            items: Iterator[str | Answer] = iter([answer.text, answer])
        else:
            items = self.answerer.stream(state["standalone"], state["found"], state["question"])
        for item in items:
            if isinstance(item, Answer):
                timings = {**state["timings"], "answer": (time.perf_counter() - started) * 1000}
                yield self._noted(finish({**state, "answer": item, "timings": timings}, self.event_members))
            else:
                yield item

    def _state(
        self,
        question: str,
        history: Sequence[Turn | dict[str, str]],
        k: int | None,
        filters: Filters | None,
        as_of: date | datetime | None,
        timeline: bool | None = None,
        compare: bool | None = None,
    ) -> dict[str, object]:
        return {
            "question": self.check_question(question),
            "history": [turn if isinstance(turn, Turn) else Turn.model_validate(turn) for turn in history],
            "k": k,
            "filters": filters,
            "as_of": reference_day(as_of),
            "timeline": timeline,
            "compare": compare,
        }

    def check_question(self, question: str) -> str:
        """The question without control characters; raises `QuestionError` if unusable."""
        cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        if not cleaned:
            raise QuestionError("the question is empty: type what you want to know")
        if len(cleaned) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(cleaned)} characters long; the limit is "
                f"{self.settings.max_question_chars} (RAG_MAX_QUESTION_CHARS)"
            )
        if not any(ch.isalnum() for ch in cleaned):
            raise QuestionError("the question has no words in it")
        return cleaned

    def _noted(self, answer: Answer) -> Answer:
        # Empty or not, from the lexical index (it holds every chunk the store holds, written in the same
        # ingest step): Chroma counts in about 100 ms at a million chunks, on every answer that found nothing.
        if answer.abstained and not answer.retrieved and self.lexical.count() == 0:
            return answer.model_copy(update={"notes": [*answer.notes, EMPTY_STORE_NOTE]})
        return answer

    # the corpus
    def ingest(
        self, paths: Sequence[Path], *, prune: bool = True, progress: ProgressFactory | None = None
    ) -> IngestReport:
        """Bring the store in line with `paths`; see `rag.ingest.pipeline` for the guarantees."""
        return Ingestor(self.settings, self.store, self.embedder, self.lexical).run(
            paths, prune=prune, progress=progress
        )

    def ingest_urls(
        self,
        feeds: Sequence[str] = (),
        urls: Sequence[str] = (),
        *,
        stop: threading.Event | None = None,
        fetch_progress: Callable[[int], object] | None = None,
        progress: ProgressFactory | None = None,
    ) -> SourcesReport:
        """Fetch `feeds` (new items only) and `urls` (a feed or a page each) and index what they hold."""
        return ingest_sources(
            Ingestor(self.settings, self.store, self.embedder, self.lexical),
            feeds,
            urls,
            stop=stop,
            fetch_progress=fetch_progress,
            progress=progress,
        )

    def add_upload(
        self, name: str, data: bytes, *, progress: ProgressFactory | None = None
    ) -> tuple[Path, IngestReport]:
        """Save an uploaded file into the corpus folder and index it at once.

        A file that cannot be read as an article is deleted again and reported
        as `UploadError`, so a bad upload leaves neither a file nor chunks.
        """
        path = save_upload(self.settings.corpus_dir, name, data, self.settings.max_file_mb)
        try:
            report = self.ingest([path], prune=False, progress=progress)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if report.skipped:
            path.unlink(missing_ok=True)
            raise UploadError(f"{name!r} was not indexed: {report.skipped[0].reason}")
        return path, report

    def seen_ingest(self) -> float | None:
        """The stamp of the newest ingest this process's questions already see (see `ChromaStore`)."""
        return self.store.seen_ingest()

    def articles(self) -> list[ArticleRecord]:
        return self.store.articles()

    def article(self, article_id: str) -> ArticleView:
        """One article whole, from its stored chunks, with its story's copies and its event's outlets.

        The text is put back together from the chunks' character spans (they cover every sentence),
        so it is the cleaned text citations point into, even for a page fetched from a URL. Only the
        whitespace between two chunks that do not overlap is not stored: a paragraph break when it
        is wider than one space, so every offset still holds.
        """
        chunks = self._chunks_of(article_id) if article_id.strip() else []
        if not chunks:
            raise UnknownArticleError(
                f"no indexed article has the id {article_id!r}: ids come with search results and citations"
            )
        chunks.sort(key=lambda chunk: int(chunk.metadata.get("start", 0)))
        text = ""
        for chunk in chunks:
            start = int(chunk.metadata.get("start", len(text)))
            gap = start - len(text)
            text += (" " if gap == 1 else "\n" * gap) + chunk.text if gap >= 0 else chunk.text[-gap:]
        head = next((c.metadata for c in chunks if c.metadata.get("chunk_index") == 0), chunks[0].metadata)
        event = event_key(head)
        heads = event_heads(self.store, [event], members=self.event_members)
        coverage = coverage_of(event, heads.get(event, [head]))
        story_of = {item.article_id: item.copy_of or item.article_id for item in coverage.articles}
        story = story_of.get(article_id, article_id)
        return ArticleView(
            article_id=article_id,
            title=head.get("title", ""),
            text=text,
            source=head.get("source"),
            outlet=outlet_of(head),
            url=head.get("url"),
            published=head.get("published"),
            author=head.get("author"),
            story=[
                item
                for item in coverage.articles
                if item.article_id != article_id and story_of[item.article_id] == story
            ],
            event=coverage,
        )

    def _chunks_of(self, article_id: str) -> list[StoredChunk]:
        """An article's chunks, read by id from the first chunk's id the event index keeps (about 2 ms at
        1M chunks); by a metadata filter (about 160 ms there) when it names none or names a stale one."""
        ids = chunk_ids_of(self.store, self.event_members, [article_id])
        chunks = self.store.get(ids) if ids else []
        if ids and len(chunks) == len(ids):
            return chunks
        return self.store.get(where={"article_id": article_id})

    def remove_article(self, article_id: str) -> int:
        """Delete one article's chunks; returns how many were removed."""
        ids = list(self.store.chunk_metadata({"article_id": article_id}))
        self.lexical.delete(ids)
        self.store.delete(ids)
        if ids:
            self.store.mark_ingest()
        return len(ids)

    def health(self) -> Health:
        return Health(chunks=self.store.count())

    def stats(self) -> Stats:
        last = self.store.last_ingest()
        heads = self.store.chunk_metadata({"chunk_index": 0}).values()
        stories = len({meta.get("story_id", meta["article_id"]) for meta in heads})
        by_event: dict[str, list[dict[str, object]]] = defaultdict(list)
        for meta in heads:
            by_event[event_key(meta)].append(meta)
        # Outlets counted as coverage counts them: a wire copy once, for the outlet that ran it first.
        outlets = Counter(len(coverage_of(event, metas).outlets) for event, metas in by_event.items())
        return Stats(
            events=len(by_event),
            outlets_per_event=dict(sorted(outlets.items())),
            articles=len(heads),
            stories=stories,
            copies=len(heads) - stories,
            chunks=self.store.count(),
            store=self.store.location,
            embedding_model=self.embedder.name,
            last_ingest=datetime.fromtimestamp(last, tz=UTC) if last else None,
        )
