"""An on-disk embedding cache keyed by content hash.

Unchanged text is never embedded twice, across runs: an edited article only
pays for the chunks whose text changed, and a rebuilt store costs no model time.
The segments of a chunk's pass (`embed_segments`) are kept under the key their
text has alone, so a later `embed` of a chunk's sentence finds it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.components.embedding.base import EmbeddingModel
from rag.text.hashing import content_hash


class CachedEmbedder:
    """Wraps an `EmbeddingModel`; `embed` looks each text up before computing it."""

    def __init__(self, inner: EmbeddingModel, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        # Texts (or rows of segments) the model computed; and the segments those rows held.
        self.computed = 0
        self.segments_computed = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [content_hash(self.name, text) for text in texts]
        found = self._lookup(set(keys))
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            vectors = self.inner.embed([text_of[key] for key in missing])
            self.computed += len(missing)
            fresh = dict(zip(missing, vectors, strict=True))
            self._store(fresh)
            found.update(fresh)
        if not keys:
            return self.inner.embed([])
        return np.stack([found[key] for key in keys])

    @property
    def segments_name(self) -> str:
        """The model as the store records it for vectors of rows of segments (the mean of their
        segments' tokens, each read alone), so a store embedded whole is re-embedded."""
        return f"{self.name}+segments"

    def embed_segments(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Each row's vector from one pass over its segments, which are cached as `embed` gives them."""
        row_keys = [content_hash(self.segments_name, *row) for row in rows]
        segment_keys = [[content_hash(self.name, segment) for segment in row] for row in rows]
        found = self._lookup({*row_keys, *(key for keys in segment_keys for key in keys)})
        due = {
            key: index
            for index, key in enumerate(row_keys)
            if key not in found or not all(segment in found for segment in segment_keys[index])
        }
        if due:
            vectors, segments = self.inner.embed_segments([rows[index] for index in due.values()])
            self.computed += len(due)
            self.segments_computed += sum(len(rows[index]) for index in due.values())
            fresh: dict[str, np.ndarray] = {}
            for (key, index), vector, pieces in zip(due.items(), vectors, segments, strict=True):
                fresh.update(zip(segment_keys[index], pieces, strict=True))
                fresh[key] = vector
            self._store(fresh)
            found.update(fresh)
        if not rows:
            return self.inner.embed([])
        return np.stack([found[key] for key in row_keys])

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        ordered = list(keys)
        with self._lock:
            for start in range(0, len(ordered), 500):
                batch = ordered[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(f"SELECT key, vector FROM embedding WHERE key IN ({marks})", batch)
                found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in vectors.items()],
            )
