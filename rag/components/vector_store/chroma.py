"""Chunks in Chroma: embedded `PersistentClient` by default, `HttpClient` when configured.

The store is the single source of truth: which articles are indexed, with which
content hash and how many chunks, is read back from chunk metadata, so there is
no second catalogue to drift out of step after a crash.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.settings import Settings

Where = dict[str, Any]


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says how to fix it."""


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


class ChromaStore:
    """One client and one collection, reused for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self.location = settings.chroma_url or str(settings.store_path)
        try:
            if settings.chroma_url:
                url = urlparse(settings.chroma_url)
                self.client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                settings.store_path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(
                    path=str(settings.store_path), settings=chroma_settings
                )
            self.collection = self.client.get_or_create_collection(
                settings.collection,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
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

    # writing
    def upsert(self, chunks: Sequence[StoredChunk], embeddings: np.ndarray) -> None:
        """Add or replace chunks, in batches no larger than Chroma accepts."""
        for start in range(0, len(chunks), self.max_batch):
            batch = chunks[start : start + self.max_batch]
            self.collection.upsert(
                ids=[chunk.id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata for chunk in batch],
                embeddings=embeddings[start : start + self.max_batch],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[start : start + self.max_batch]))

    def mark_ingest(self) -> None:
        """Record the time of the last ingest; readers use it to refresh caches."""
        metadata = dict(self.collection.metadata or {})
        metadata["last_ingest"] = time.time()
        self.collection.modify(metadata=metadata)

    # reading
    def count(self) -> int:
        return self.collection.count()

    def last_ingest(self) -> float | None:
        self.collection = self.client.get_collection(self.collection.name)
        value = (self.collection.metadata or {}).get("last_ingest")
        return float(value) if value is not None else None

    def nearest(self, embedding: np.ndarray, n: int, where: Where | None = None) -> list[tuple[str, float]]:
        """Ids of the `n` nearest chunks with their cosine similarity, best first.

        Text and metadata are left out: fetching them for 30 candidates costs
        more than the search itself, and only the few that win fusion need them.
        """
        if n <= 0:
            return []
        from chromadb.errors import InternalError

        try:
            result = self.collection.query(
                query_embeddings=[embedding], n_results=n, where=where or None, include=["distances"]
            )
        except InternalError:
            if not where:
                raise
            # Another process is writing: the filter saw ids this client's vector index does not
            # hold yet ("Error finding id"). Search unfiltered; callers check candidates' metadata.
            result = self.collection.query(query_embeddings=[embedding], n_results=n, include=["distances"])
        return [
            (id_, 1.0 - float(distance))
            for id_, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

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

    def chunk_metadata(self, where: Where | None = None) -> dict[str, dict[str, Any]]:
        """id -> metadata for matching chunks, without fetching their text."""
        result = self.collection.get(where=where or None, include=["metadatas"])
        return {id_: dict(meta) for id_, meta in zip(result["ids"], result["metadatas"], strict=True)}

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


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
