"""Chunks in Chroma: embedded `PersistentClient` by default, `HttpClient` when configured.

The store is the single source of truth: which articles are indexed, with which
content hash and how many chunks, is read back from chunk metadata, so there is
no second catalogue to drift out of step after a crash.

Several processes on one host share one embedded store: each ingest stamps
the collection (`mark_ingest`), and a serving process that `follow`s the
store checks the stamp every few seconds and, when another process has
written, opens a fresh client in the background and swaps it in. The
embedded client keeps the vector index it loaded and never sees another
process's additions otherwise; a question never waits for the reopen. The
client it replaces is stopped one check later (questions that started on it
have finished by then), which frees its vector index, and the freed heap is
handed back: before, every reopen kept the old index's memory (at 1M chunks,
2.4 GB fresh and 6.4 GB after following ingests). When the
store cannot be followed (the stamp unreadable, the reopen failing) for longer
than `store_stale_seconds`, questions are refused with one line saying so
rather than answered from what the process loaded earlier. With a Chroma
server every process already sees every write.

Stopping a replaced client frees its index with the GIL held (643 ms at a
million chunks, every question of that moment waiting), so a serving process
following a store of `index_process_min_chunks` or more keeps its client in a
child process (`index_process`), replaced by starting a fresh child and
killing the old one.
"""

from __future__ import annotations

import ctypes
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from filelock import FileLock

from rag.components.vector_store.errors import StoreError
from rag.components.vector_store.index_process import IndexProcess, IndexProcessError, RemoteCollection
from rag.settings import Settings

Where = dict[str, Any]
log = logging.getLogger(__name__)
# How long opening a local store waits for another process that is creating it.
OPEN_WAIT_SECONDS = 120


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ArticleRecord:
    """What the store knows of one indexed article."""

    id: str
    title: str
    content_hash: str
    chunks: int
    path: str
    source: str | None
    url: str | None
    published: str | None


# The stores open in this process: a replaced client is stopped only when none of them still uses it
# (two stores on one path in one process share Chroma's client; a library user may open both).
_OPEN_STORES: weakref.WeakSet[ChromaStore] = weakref.WeakSet()
# Local stores this process's Chroma has opened (see `_write_ahead`).
_OPENED: set[str] = set()


class ChromaStore:
    """One client and one collection, reused for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self.settings = settings
        self.location = settings.chroma_url or str(settings.store_path)
        self.client: Any = None
        self._follower: threading.Thread | None = None
        # The child process holding this store's client, once `follow` moved it there (then `client` is None).
        self._index_process: IndexProcess | None = None
        # Clients (or index processes) replaced by a reopen, stopped at the next check (their searches
        # have ended by then).
        self._retired: list[Any] = []
        self._written: float | None = None
        self._seen: float | None = None  # the stamp of the last ingest this process's client reflects
        # Since when another process's ingest has been waiting for a reopen that fails, and why.
        self._behind: tuple[float, str] | None = None
        try:
            if settings.chroma_url:
                url = urlparse(settings.chroma_url)
                self.client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
                self.collection = self._collection()
            else:
                settings.store_path.mkdir(parents=True, exist_ok=True)
                # Two processes creating one new store race in Chroma's schema set-up; one at a time.
                with FileLock(settings.store_path.parent / "chroma-open.lock", timeout=OPEN_WAIT_SECONDS):
                    _write_ahead(settings.store_path)
                    self.client = chromadb.PersistentClient(
                        path=str(settings.store_path), settings=chroma_settings
                    )
                    self.collection = self._collection()
        except StoreError:
            raise
        except Exception as error:
            raise StoreError(
                f"cannot open the Chroma store at {self.location}: {_first_line(error)}. "
                + (
                    "Is the Chroma server running?"
                    if settings.chroma_url
                    else f"If it is damaged, delete {settings.store_path} and run `rag ingest` to rebuild it."
                )
            ) from None
        self.max_batch = self.client.get_max_batch_size()
        _OPEN_STORES.add(self)

    def _collection(self) -> Any:
        return self.client.get_or_create_collection(
            self.settings.collection,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    # writing
    def upsert(self, chunks: Sequence[StoredChunk], embeddings: np.ndarray) -> None:
        """Add or replace chunks, `store_write_batch` at a time (a write holds the searches of that
        moment) and never more than Chroma accepts."""
        step = min(self.max_batch, self.settings.store_write_batch)
        for start in range(0, len(chunks), step):
            batch = chunks[start : start + step]
            self.collection.upsert(
                ids=[chunk.id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata for chunk in batch],
                embeddings=embeddings[start : start + step],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[start : start + self.max_batch]))

    def mark_ingest(self) -> None:
        """Record the time of the last ingest; readers use it to refresh caches."""
        metadata = dict(self.collection.metadata or {})
        metadata["last_ingest"] = self._written = time.time()
        self.collection.modify(metadata=metadata)
        self._seen = self._written

    # following other processes' writes
    def follow(self) -> None:
        """From now on, pick up other processes' ingests within `store_follow_seconds` (embedded store);
        a store of `index_process_min_chunks` or more moves its client to a child process first."""
        if self.settings.chroma_url or self._follower is not None:
            return
        self._seen = self.last_ingest()
        if self.count() >= self.settings.index_process_min_chunks:
            try:
                self._reopen(in_child=True)
            except IndexProcessError as error:  # the client stays here: answers go on, reopens stall
                log.warning("kept the client of %s in this process: %s", self.location, error)
        self._follower = threading.Thread(
            target=self._follow, args=(self._seen,), name="chroma-follow", daemon=True
        )
        self._follower.start()

    def _follow(self, seen: float | None) -> None:
        while True:
            time.sleep(self.settings.store_follow_seconds)
            self._stop_retired()
            try:
                if self._index_process is not None and not self._index_process.alive():
                    log.warning("the index process of %s stopped; starting another", self.location)
                    self._reopen()
                stamp = self.last_ingest()
                if stamp != seen and stamp != self._written:
                    self._reopen()
                seen, self._seen, self._behind = stamp, stamp, None
            except Exception as error:  # the next tick tries again; questions go on until the limit
                reason = _first_line(error)
                self._behind = (self._behind[0] if self._behind else time.monotonic(), reason)
                log.warning("could not follow the store at %s: %s", self.location, reason)

    def check_in_step(self) -> None:
        """Refuse (StoreError) when other processes' writes have gone unseen for `store_stale_seconds`."""
        if self._behind is None:
            return
        since, reason = self._behind
        waited = time.monotonic() - since
        if waited > self.settings.store_stale_seconds:
            raise StoreError(
                f"this process has not seen the store at {self.location} for {waited:.0f} s "
                f"({reason}); restart it to answer from the current articles"
            )

    def _reopen(self, in_child: bool = False) -> None:
        """Open a fresh client (the only way to see another process's vectors), load it, then swap it in:
        in a child process when `in_child` or when the client is already in one."""
        import chromadb
        from chromadb.api.client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        if in_child or self._index_process is not None:
            process = IndexProcess(self.settings.store_path, self.collection.name)
            # The first move leaves this process's client to stop; later ones, the previous child.
            old = self._index_process or SharedSystemClient._identifier_to_system.pop(
                str(self.settings.store_path), None
            )
            self._index_process, self.client = process, None
            self.collection = RemoteCollection(process, self.collection.name)
            if old is not None:
                self._retired.append(old)
            return
        # Chroma shares one client per path within a process; drop ours so a new one is made.
        old = SharedSystemClient._identifier_to_system.pop(str(self.settings.store_path), None)
        client = chromadb.PersistentClient(
            path=str(self.settings.store_path), settings=ChromaSettings(anonymized_telemetry=False)
        )
        collection = client.get_collection(self.collection.name)
        load_index(collection)
        self.client, self.collection = client, collection
        if old is not None:
            self._retired.append(old)

    def _stop_retired(self) -> None:
        """Stop the clients the last reopen replaced, which frees the vector index each loaded, and
        hand the freed memory back to the system."""
        retired, self._retired = self._retired, []
        stopped = False
        for system in retired:
            if isinstance(system, IndexProcess):
                system.stop()  # its memory is the child's: nothing of this process to trim
                continue
            if _in_use(system):
                continue
            try:
                system.stop()
                stopped = True
            except Exception as error:  # a client that will not stop costs memory, not answers
                log.warning("could not stop a replaced client of %s: %s", self.location, _first_line(error))
        if stopped:
            _trim_heap()

    @property
    def index_pid(self) -> int | None:
        """The child process holding this store's client, when `follow` moved it to one."""
        return self._index_process.pid if self._index_process is not None else None

    # reading
    def count(self) -> int:
        return self.collection.count()

    def last_ingest(self) -> float | None:
        fresh = self.collection if self.client is None else self.client.get_collection(self.collection.name)
        value = (fresh.metadata or {}).get("last_ingest")
        return float(value) if value is not None else None

    def seen_ingest(self) -> float | None:
        """The stamp of the newest ingest that questions in this process already see.

        Another process's ingest counts once the reopen that shows its vectors
        is done, so whoever acts on a new stamp (the Slack bot checking followed
        stories) never asks before the new articles can be found.
        """
        return self.last_ingest() if self.settings.chroma_url else self._seen

    def nearest(
        self,
        embedding: np.ndarray,
        n: int,
        where: Where | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Ids of the `n` nearest chunks (among `ids`, when given) with their cosine similarity, best first.

        Text and metadata are left out: fetching them for 30 candidates costs
        more than the search itself, and only the few that win fusion need them.
        """
        if n <= 0 or (ids is not None and not ids):
            return []
        self.check_in_step()
        from chromadb.errors import ChromaError, InternalError

        among = list(ids) if ids is not None else None
        try:
            try:
                result = self.collection.query(
                    query_embeddings=[embedding],
                    n_results=n,
                    where=where or None,
                    ids=among,
                    include=["distances"],
                )
            except InternalError:
                if not where and among is None:
                    raise
                # Another process is writing: the filter saw ids this client's vector index does not
                # hold yet ("Error finding id"). Search unfiltered; callers check candidates' metadata.
                result = self.collection.query(
                    query_embeddings=[embedding], n_results=n, include=["distances"]
                )
        except ChromaError as error:  # the collection dropped or damaged under this process
            raise StoreError(
                f"cannot search the store at {self.location}: {_first_line(error).rstrip('.')}; "
                "if another process is rebuilding it, ask again when it has finished"
            ) from None
        return [
            (id_, 1.0 - float(distance))
            for id_, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of these chunks (those still held), read by id."""
        if not ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        result = self.collection.get(ids=list(ids), include=["embeddings"])
        return list(result["ids"]), np.asarray(result["embeddings"], dtype=np.float32)

    def get(self, ids: Sequence[str] | None = None, where: Where | None = None) -> list[StoredChunk]:
        result = self.collection.get(ids=list(ids) if ids is not None else None, where=where or None)
        return [
            StoredChunk(id=id_, text=text, metadata=dict(meta))
            for id_, text, meta in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
        ]

    def iter_all(self, page: int = 5000) -> Iterator[StoredChunk]:
        """Every chunk, a page at a time, so a large store is not read in one go."""
        offset = 0
        while True:
            result = self.collection.get(limit=page, offset=offset, include=["documents", "metadatas"])
            if not result["ids"]:
                return
            for id_, text, meta in zip(result["ids"], result["documents"], result["metadatas"], strict=True):
                yield StoredChunk(id=id_, text=text, metadata=dict(meta))
            offset += len(result["ids"])

    def chunk_metadata(self, where: Where | None = None, page: int = 20_000) -> dict[str, dict[str, Any]]:
        """id -> metadata for matching chunks, without fetching their text.

        Read a page at a time: in one call, Chroma fails past ~32k chunks ("too many SQL variables").
        """
        found: dict[str, dict[str, Any]] = {}
        while True:
            result = self.collection.get(
                where=where or None, limit=page, offset=len(found), include=["metadatas"]
            )
            found.update(
                (id_, dict(meta)) for id_, meta in zip(result["ids"], result["metadatas"], strict=True)
            )
            if len(result["ids"]) < page:
                return found

    def chunk_metadata_of(self, article_ids: Sequence[str], batch: int = 500) -> dict[str, dict[str, Any]]:
        """id -> metadata of every chunk of these articles: what an ingest of them needs to know."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(article_ids), batch):
            found.update(
                self.chunk_metadata({"article_id": {"$in": list(article_ids[start : start + batch])}})
            )
        return found

    def chunk_ids(self, page: int = 50_000) -> set[str]:
        """Every chunk id, without metadata or text (to compare the store with the lexical index)."""
        found: set[str] = set()
        while True:
            ids = self.collection.get(limit=page, offset=len(found), include=[])["ids"]
            found.update(ids)
            if len(ids) < page:
                return found

    def article_paths(self) -> dict[str, str]:
        """article id -> the file it came from, for every article (one chunk each is read)."""
        heads = self.chunk_metadata({"chunk_index": 0})
        return {meta["article_id"]: meta.get("path", "") for meta in heads.values()}

    def articles(self) -> list[ArticleRecord]:
        """One record per indexed article, read from each article's first chunk."""
        heads = self.chunk_metadata({"chunk_index": 0})
        records = [
            ArticleRecord(
                id=meta["article_id"],
                title=meta.get("title", ""),
                content_hash=meta.get("article_hash", ""),
                chunks=int(meta.get("n_chunks", 0)),
                path=meta.get("path", ""),
                source=meta.get("source"),
                url=meta.get("url"),
                published=meta.get("published"),
            )
            for meta in heads.values()
        ]
        return sorted(records, key=lambda record: record.id)


def load_index(collection: Any) -> None:
    """Load the collection's vector index now (a query does), not in the first question."""
    from chromadb.api.types import Embedding

    sample = collection.get(limit=1, include=["embeddings"])["embeddings"]
    if sample is not None and len(sample):
        # get() is typed to return three forms, query() to take this one.
        vector: Embedding = np.asarray(sample[0], dtype=np.float32)
        collection.query(query_embeddings=[vector], n_results=1, include=[])


def _write_ahead(store: Path) -> None:
    """Put Chroma's SQLite file in write-ahead mode, once (the mode is kept in the file).

    Chroma leaves it in rollback-journal mode, where a search that reads the
    file waits while another process commits a write: at a million chunks,
    10 of 13 questions over 500 ms while an ingest ran waited 0.5-0.9 s in
    Chroma's get or query for the ingest's commits. In write-ahead mode
    readers never wait for a writer, and a crash loses nothing committed.

    Only before this process's Chroma has opened the file: Chroma links its
    own SQLite, and closing the file through a second SQLite in the same
    process would drop the first one's locks. A store Chroma creates here is
    switched by the next process that opens it (`rag web` after `rag ingest`).
    """
    catalogue = store / "chroma.sqlite3"
    first = str(store) not in _OPENED
    _OPENED.add(str(store))
    if not (first and catalogue.exists()):
        return
    with closing(sqlite3.connect(catalogue, timeout=5)) as db:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:  # another process is writing: the next open switches
            log.info("left %s in its journal mode for now: %s", catalogue, error)


def _in_use(system: Any) -> bool:
    """Whether an open store of this process still searches through `system`'s client."""
    from chromadb.api import ServerAPI

    server = system.instance(ServerAPI)
    return any(getattr(store.client, "_server", None) is server for store in list(_OPEN_STORES))


def _trim_heap() -> None:
    """Return free heap pages to the system (glibc). A vector index is freed as many small blocks,
    which glibc otherwise keeps for the process: at 50k chunks, a serving process that followed two
    ingests held 667 MB after stopping the replaced clients and 561 MB after trimming too (564 fresh)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim this way
        return
    libc.malloc_trim(0)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
