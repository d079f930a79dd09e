"""Files -> articles -> chunks -> embeddings -> Chroma, incrementally and crash-safely.

Chunk ids carry the article's content hash (`article::hash::index`). A changed
article's new chunks are written before its old ones are deleted, so a crash
at any point leaves either the old or the new version readable, and the next
run, seeing an incomplete set, simply finishes the job. An article whose
complete chunk set is already stored under the same hash costs nothing. A run
reads the store's metadata only for the articles it meets (and, to prune a
folder, one chunk per stored article), not the whole store: at a million
chunks, reading all of it took minutes before anything was written.

The sentences an answer may quote are embedded into the embedding cache too,
so a question pays no model time for the sentences it weighs (at ask time that
was 100-600 ms for the ~30 sentences of five chunks). By default
(`ingest_encoding = "chunk"`) each chunk is read whole and its sentences after
every article of the run is searchable. With "segments" the sentences come out
of the chunk's own pass (`embedding/segments.py`: the title and each sentence
read alone, the chunk's vector their mean), which reads every token once: 2-3.7x
faster on real articles, at slightly lower retrieval quality
(docs/ingest-one-pass.md), so it is opt-in.

Each step writes the dense side (Chroma) and then the lexical side (the BM25
index), and deletes from the lexical side first; Chroma is the source of
truth. Two stores cannot share a transaction, so a crash between the two
writes can leave them apart: every run starts by reconciling the lexical
index with Chroma (chunks missing from it are indexed from Chroma's text,
chunks Chroma no longer holds are dropped), under the ingest lock, before
anything else is written. Since Chroma is written first and deleted from
last, the lexical index only ever holds a subset of Chroma's chunks, so equal
counts mean equal sets and the ids are compared only when the counts differ.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from rag.components.embedding import CachedEmbedder
from rag.components.lexical_store import LexicalRow, LexicalStore
from rag.components.vector_store import ChromaStore, StoredChunk
from rag.ingest.chunking import chunk_article
from rag.ingest.events import EventIndex
from rag.ingest.loaders import LoadError, Skipped, count_articles, discover, load_file
from rag.ingest.stories import StoryIndex
from rag.schema import Article, Chunk
from rag.settings import Settings
from rag.text.outlets import outlet_name
from rag.text.sentences import quotable_sentences, split_sentences

if TYPE_CHECKING:
    import numpy as np

# Called with the number of articles to come; returns a tqdm-like bar (update, set_postfix, close).
ProgressFactory = Callable[[int], Any]
UNDATED = 0
# Sentences waiting to be embedded; beyond this many (a bulk load) they are embedded between steps.
SENTENCE_BACKLOG = 50_000
# Articles looked up in the store per metadata read: at a million chunks one read costs about
# 250 ms whether it asks for one article or 500 (measured).
LOOKUP_BATCH = 500
SENTENCE_BATCH = 256
NOTHING_LEFT = (
    "no text left after cleaning (only page furniture, such as bylines or share and subscribe prompts)"
)
# Metadata every chunk written now carries; an article whose chunks lack one is rewritten.
_CURRENT_FIELDS = frozenset({"published_day", "event_id"})


class IngestBusyError(RuntimeError):
    """Another ingest holds the store's lock."""


@dataclass
class IngestReport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    chunks_written: int = 0
    sentences_embedded: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.removed} removed; {self.chunks_embedded} chunks embedded "
            f"({self.chunks_written} written), {self.sentences_embedded} sentences embedded "
            f"in {self.seconds:.1f}s" + (f"; {len(self.skipped)} skipped" if self.skipped else "")
        )


def article_id_for(path: Path) -> str:
    """Stable id: the path relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def chunk_id(article: Article, index: int) -> str:
    return f"{article.id}::{article.content_hash}::{index}"


def article_chunk_ids(first: str, count: int) -> list[str]:
    """The ids of an article's `count` chunks, from its first chunk's id."""
    prefix = first.rsplit("::", 1)[0]
    return [f"{prefix}::{index}" for index in range(count)]


class Ingestor:
    """Brings the store in line with a set of files."""

    def __init__(
        self,
        settings: Settings,
        store: ChromaStore,
        embedder: CachedEmbedder,
        lexical: LexicalStore | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.lexical = lexical or LexicalStore(settings.lexical_path)
        # The one place the encoding is chosen; the store records it, so switching re-embeds.
        self._segments = settings.ingest_encoding == "segments"
        self.embedding = embedder.segments_name if self._segments else embedder.name
        # Quotable sentences of the chunks written this run, not yet embedded (an ordered set).
        self._sentences: dict[str, None] = {}

    def run(
        self, paths: Sequence[Path], *, prune: bool = True, progress: ProgressFactory | None = None
    ) -> IngestReport:
        """Ingest `paths` (files or folders). Missing paths raise before anything changes."""
        started = time.perf_counter()
        files, skipped = discover(paths)
        with self._locked():
            report = self._run(files, paths, prune, progress)
        report.skipped[:0] = skipped
        report.seconds = time.perf_counter() - started
        return report

    def add(self, articles: Sequence[Article], *, progress: ProgressFactory | None = None) -> IngestReport:
        """Ingest articles made elsewhere (fetched pages and feed items); nothing is pruned."""
        started = time.perf_counter()
        with self._locked():
            report = IngestReport()
            self._reconcile()
            stored = _StoredArticles(self.store)
            bar = progress(len(articles)) if progress else None
            pending: list[tuple[Article, list[Chunk]]] = []
            self._take(articles, stored, report, pending, bar)
            self._flush(pending, stored, report)
            self._commit_groups()
            self._embed_sentences(report, bar)
            if bar is not None:
                bar.close()
        report.seconds = time.perf_counter() - started
        return report

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's ingest lock, and the story and event indexes that live beside it for the run."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.settings.home / "ingest.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise IngestBusyError(
                f"another ingest is writing to {self.store.location}; wait for it to finish"
            ) from None
        self.stories = StoryIndex(self.settings.story_threshold, self.settings.stories_path)
        self.events = EventIndex(
            self.settings.event_threshold, self.settings.event_window_days, self.settings.events_path
        )
        try:
            yield
        finally:
            self.stories.close()
            self.events.close()
            lock.release()

    def _run(
        self, files: list[Path], roots: Sequence[Path], prune: bool, progress: ProgressFactory | None
    ) -> IngestReport:
        report = IngestReport()
        self._reconcile()
        self._name_event_heads()
        stored = _StoredArticles(self.store)
        # To prune: which stored article came from which file (read before this run adds any).
        paths = self.store.article_paths() if prune else {}
        seen_ids: set[str] = set()
        pending: list[tuple[Article, list[Chunk]]] = []
        # Articles read but not yet looked up in the store (one metadata read per LOOKUP_BATCH).
        waiting: list[Article] = []
        expected = {path: count_articles(path) for path in files}
        bar = progress(sum(expected.values())) if progress else None
        for path in files:
            try:
                articles = load_file(path, article_id_for(path), self.settings.max_file_mb)
            except (LoadError, OSError) as error:
                report.skipped.append(Skipped(str(path), str(error)))
                # A file that cannot be read now keeps what it gave before.
                seen_ids.update(
                    article_id for article_id, held in paths.items() if held == str(path.resolve())
                )
                articles = []
            seen_ids.update(article.id for article in articles)
            waiting.extend(articles)
            if len(waiting) >= LOOKUP_BATCH:
                self._take(waiting, stored, report, pending, bar)
                waiting = []
            if bar is not None and expected[path] > len(articles):
                bar.update(expected[path] - len(articles))
        self._take(waiting, stored, report, pending, bar)
        self._flush(pending, stored, report)
        self._commit_groups()
        self._embed_sentences(report, bar)
        if bar is not None:
            bar.close()
        if prune:
            report.removed = self._prune(paths, roots, seen_ids)
            if report.removed:
                self.store.mark_ingest()
        return report

    def _take(
        self,
        articles: Sequence[Article],
        stored: _StoredArticles,
        report: IngestReport,
        pending: list[tuple[Article, list[Chunk]]],
        bar: Any,
    ) -> None:
        """Sort articles into unchanged and to-embed (grouped into stories); flush full batches.

        What the store holds of all of `articles` is read first, in one go.
        """
        stored.load(article.id for article in articles)
        for article in articles:
            if stored.is_current(article, self.embedding):
                self.stories.keep(article.id, stored.stories.get(article.id, article.id), article.text)
                report.unchanged += 1
            elif not (chunks := self._chunks(article)):
                # Said, not dropped: its earlier version, if any, is kept (and not pruned).
                report.skipped.append(Skipped(article.id, NOTHING_LEFT))
            else:
                if article.id in stored.chunk_ids:
                    report.changed += 1
                else:
                    report.added += 1
                article.story_id = self.stories.assign(article.id, article.text)
                pending.append((article, chunks))
                if sum(len(chunks) for _, chunks in pending) >= self.settings.ingest_batch:
                    self._flush(pending, stored, report)
                    self._commit_groups()
                    pending.clear()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(chunks=report.chunks_written + sum(len(c) for _, c in pending), refresh=False)

    def _chunks(self, article: Article) -> list[Chunk]:
        return chunk_article(
            article,
            self.embedder.count_tokens,
            self.settings.chunk_tokens,
            self.settings.chunk_overlap_tokens,
        )

    def _flush(
        self, pending: list[tuple[Article, list[Chunk]]], stored: _StoredArticles, report: IngestReport
    ) -> None:
        """Embed and write new chunks, then delete the versions they replace."""
        if not pending:
            return
        records = [
            _record(article, chunk, len(chunks), self.embedding)
            for article, chunks in pending
            for chunk in chunks
        ]
        vectors = self._embed(records, report)
        self._group_events(pending, records, vectors)
        self.store.upsert(records, vectors)
        self.lexical.upsert(lexical_row(record) for record in records)
        report.chunks_written += len(records)
        fresh = {record.id for record in records}
        stale = [
            id_ for article, _ in pending for id_ in stored.chunk_ids.get(article.id, ()) if id_ not in fresh
        ]
        self.lexical.delete(stale)
        self.store.delete(stale)
        self.store.mark_ingest()
        if len(self._sentences) >= SENTENCE_BACKLOG:
            self._embed_sentences(report)

    def _embed(self, records: list[StoredChunk], report: IngestReport) -> np.ndarray:
        """The chunks' vectors. Read whole, their quotable sentences wait for `_embed_sentences`;
        read as segments, the sentences' vectors come out of the same pass, into the cache."""
        computed = self.embedder.computed
        if self._segments:
            segments = self.embedder.segments_computed
            vectors = self.embedder.embed_segments(
                [chunk_segments(record.metadata["title"], record.text) for record in records]
            )
            # Each row is a title and the chunk's sentences.
            report.sentences_embedded += self.embedder.segments_computed - segments
            report.sentences_embedded -= self.embedder.computed - computed
        else:
            vectors = self.embedder.embed([_embedding_text(record) for record in records])
            self._sentences.update(
                (span.text, None) for record in records for span in quotable_sentences(record.text)
            )
        report.chunks_embedded += self.embedder.computed - computed
        return vectors

    def _group_events(
        self, pending: list[tuple[Article, list[Chunk]]], records: list[StoredChunk], vectors: Any
    ) -> None:
        """Each article's event, from the vector of its first chunk (its title and lead), in its chunks."""
        first = 0
        for article, chunks in pending:
            head = records[first]
            event = self.events.assign(
                article.id, article.story_id or article.id, article.published, vectors[first], head.id
            )
            for record in records[first : first + len(chunks)]:
                record.metadata["event_id"] = event
            first += len(chunks)

    def _commit_groups(self) -> None:
        self.stories.commit()
        self.events.commit()

    def _embed_sentences(self, report: IngestReport, bar: Any = None) -> None:
        """Embed the quotable sentences of this run's chunks into the cache (those not there already),
        shortest first: a batch of sentences of one length pads least."""
        due, self._sentences = sorted(self._sentences, key=len), {}
        for start in range(0, len(due), SENTENCE_BATCH):
            computed = self.embedder.computed
            self.embedder.embed(due[start : start + SENTENCE_BATCH])  # into the cache, unless there
            report.sentences_embedded += self.embedder.computed - computed
            if bar is not None:
                done = min(start + SENTENCE_BATCH, len(due))
                bar.set_postfix(chunks=report.chunks_written, sentences=f"{done}/{len(due)}")

    def _prune(self, paths: dict[str, str], roots: Sequence[Path], seen: set[str]) -> int:
        """Delete articles whose file (or record) is gone from a folder that was ingested."""
        folders = [root.resolve() for root in roots if root.is_dir()]
        gone = [
            article_id
            for article_id, path in paths.items()
            if article_id not in seen and any(Path(path).is_relative_to(folder) for folder in folders)
        ]
        if not gone:
            return 0
        ids = list(self.store.chunk_metadata_of(gone))
        self.lexical.delete(ids)
        self.store.delete(ids)
        self.stories.forget(gone)
        self.events.forget(gone)
        return len(gone)

    def _name_event_heads(self) -> None:
        """Once, for an event index written before it kept each article's first chunk: fill those in from
        the store's chunk ids (`chunk_id`: article::hash::index; 19 s at a million chunks, where reading
        the first chunks' metadata took over 7 minutes), so coverage reads every event by id from then on."""
        if self.events.heads_missing():
            heads = {}
            for id_ in self.store.chunk_ids():
                article_id, _, index = id_.rsplit("::", 2)
                if index == "0":
                    heads[article_id] = id_
            self.events.name_heads(heads)
            self.events.commit()

    def _reconcile(self) -> None:
        """Make the lexical index hold exactly Chroma's chunks (see the module docstring: after a crash)."""
        if self.lexical.count() == self.store.count():
            return
        dense, held = self.store.chunk_ids(), self.lexical.ids()
        self.lexical.delete([id_ for id_ in held if id_ not in dense])
        missing = [id_ for id_ in dense if id_ not in held]
        for start in range(0, len(missing), self.settings.ingest_batch):
            chunks = self.store.get(missing[start : start + self.settings.ingest_batch])
            self.lexical.upsert(lexical_row(chunk) for chunk in chunks)


class _StoredArticles:
    """What the store holds of the articles a run meets, read as it meets them."""

    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self.loaded: set[str] = set()
        self.chunk_ids: dict[str, list[str]] = defaultdict(list)
        self.versions: dict[str, Counter[str]] = defaultdict(Counter)
        self.expected: dict[tuple[str, str], int] = {}
        self.embeddings: dict[str, set[str]] = defaultdict(set)
        self.stories: dict[str, str] = {}
        # Chunks written before every chunk carried a publication day, an outlet and an event are
        # rewritten (their vectors come from the cache).
        self.undated: set[str] = set()

    def load(self, article_ids: Iterable[str]) -> None:
        """Read what the store holds of these articles (once each)."""
        wanted = [article_id for article_id in dict.fromkeys(article_ids) if article_id not in self.loaded]
        self.loaded.update(wanted)
        for id_, meta in self.store.chunk_metadata_of(wanted).items():
            if not meta.keys() >= _CURRENT_FIELDS:
                self.undated.add(meta["article_id"])
            article_id, hash_ = meta["article_id"], meta.get("article_hash", "")
            self.chunk_ids[article_id].append(id_)
            self.versions[article_id][hash_] += 1
            self.expected[(article_id, hash_)] = int(meta.get("n_chunks", -1))
            self.embeddings[article_id].add(meta.get("embedding", ""))
            self.stories[article_id] = meta.get("story_id", article_id)

    def is_current(self, article: Article, embedding: str) -> bool:
        """Stored whole under its current hash, by this embedding model, with no other version beside it."""
        versions = self.versions.get(article.id, Counter())
        hash_ = article.content_hash
        return (
            list(versions) == [hash_]
            and versions[hash_] == self.expected[(article.id, hash_)]
            and self.embeddings[article.id] == {embedding}
            and article.id not in self.undated
        )


def _record(article: Article, chunk: Chunk, total: int, embedding: str) -> StoredChunk:
    metadata: dict[str, Any] = {
        "article_id": article.id,
        "embedding": embedding,
        "article_hash": article.content_hash,
        "chunk_index": chunk.index,
        "n_chunks": total,
        "title": article.title,
        "path": article.path,
        "start": chunk.start,
        "end": chunk.end,
        "ingested_at": time.time(),
        "story_id": article.story_id or article.id,
        "event_id": article.story_id or article.id,
    }
    outlet = outlet_name(article.source, article.url)
    if outlet:
        metadata["outlet"] = outlet
    if article.source:
        metadata["source"] = article.source
    if article.url:
        metadata["url"] = article.url
    if article.author:
        metadata["author"] = article.author
    # Undated articles get day 0: before every as-of day (never hidden as "from the future"),
    # inside no window a question names.
    metadata["published_day"] = int(article.published.strftime("%Y%m%d")) if article.published else UNDATED
    if article.published:
        metadata["published"] = article.published.isoformat()
    return StoredChunk(id=chunk_id(article, chunk.index), text=chunk.text, metadata=metadata)


def lexical_row(chunk: StoredChunk) -> LexicalRow:
    """What BM25 indexes of a chunk: title and text (as embedded), and the fields filters read."""
    meta = chunk.metadata
    return LexicalRow(chunk.id, _embedding_text(chunk), meta.get("source"), meta.get("published_day"))


def _embedding_text(record: StoredChunk) -> str:
    """The title travels with every chunk: it names what the chunk is about."""
    return f"{record.metadata['title']}\n{record.text}"


def chunk_segments(title: str, text: str) -> list[str]:
    """What the encoder reads of a chunk, segment by segment: the title, then each sentence (the
    spans the answerer weighs, so their vectors are in the cache when it asks)."""
    return [title, *(span.text for span in split_sentences(text))]
