"""Near-duplicate articles (a wire story republished, an updated report) grouped into one story.

Each article's body becomes a set of word 3-shingles summarised by a MinHash
(datasketch); an LSH index finds earlier articles that may share most of them,
and the estimated overlap decides. Overlap is measured as containment, the
share of the shorter text's shingles found in the longer one, so a copy with a
new headline and footer and an update that adds paragraphs both stay in their
story, while two reports on one topic (different sentences) stay apart. Texts
must also share a fifth of their shingles overall (Jaccard): a two-sentence
brief quoted inside a long report is a quote, not a copy, and the estimate of
containment is too noisy at such size ratios. The threshold was measured on
labelled pairs: `python -m bench.stories`.

An article joins the story of its closest earlier match, or starts its own
(story id = its article id). Signatures persist in `RAG_HOME/stories.sqlite`
so later ingests and `rag watch` compare new items with everything before.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine32"  # named, so signatures read back from disk are compared with the same hashing
SHINGLE_WORDS = 3
MIN_JACCARD = 0.2
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[bytes]:
    """Overlapping runs of three lower-cased words (the words themselves for a very short text)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {word.encode() for word in words}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


@dataclass(frozen=True)
class Signature:
    minhash: MinHash
    size: int

    @classmethod
    def of(cls, text: str) -> Signature:
        pieces = shingles(text)
        minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
        minhash.update_batch(list(pieces))
        return cls(minhash, len(pieces))

    def overlap(self, other: Signature) -> float:
        """Estimated containment of the smaller shingle set in the larger (0 below `MIN_JACCARD`)."""
        if not self.size or not other.size:
            return 0.0
        jaccard = self.minhash.jaccard(other.minhash)
        if jaccard < MIN_JACCARD:
            return 0.0
        union = (self.size + other.size) / (1 + jaccard)
        return min(1.0, jaccard * union / min(self.size, other.size))


class StoryIndex:
    """article id -> story id and signature; in memory, or backed by a SQLite file."""

    def __init__(self, threshold: float, path: Path | None = None) -> None:
        self.threshold = threshold
        # LSH finds the pairs that may share a fifth of their shingles; the estimate then decides.
        self._lsh = MinHashLSH(threshold=MIN_JACCARD, num_perm=NUM_PERM)
        self._entries: dict[str, tuple[str, Signature]] = {}
        self._db = _open(path) if path else None
        if self._db is not None:
            for article_id, story_id, size, values in self._db.execute(
                "SELECT article_id, story_id, size, hashvalues FROM stories"
            ):
                hashvalues = np.frombuffer(values, dtype=np.uint32)
                minhash = MinHash(num_perm=NUM_PERM, hashvalues=hashvalues, scheme=SCHEME)
                self._put(article_id, story_id, Signature(minhash, size))

    def story_of(self, article_id: str) -> str | None:
        entry = self._entries.get(article_id)
        return entry[0] if entry else None

    def assign(self, article_id: str, text: str) -> str:
        """The story `article_id` belongs to, given its (new) text; recorded for later articles."""
        signature = Signature.of(text)
        self.forget([article_id])
        best, best_overlap = None, 0.0
        for other in self._lsh.query(signature.minhash):
            overlap = signature.overlap(self._entries[other][1])
            if overlap >= self.threshold and overlap > best_overlap:
                best, best_overlap = other, overlap
        story = self._entries[best][0] if best else article_id
        self._put(article_id, story, signature, persist=True)
        return story

    def keep(self, article_id: str, story_id: str, text: str) -> None:
        """Record an article already stored under `story_id` (a store made before this index existed)."""
        if article_id not in self._entries:
            self._put(article_id, story_id, Signature.of(text), persist=True)

    def forget(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            if self._entries.pop(article_id, None) is not None:
                self._lsh.remove(article_id)
                if self._db is not None:
                    self._db.execute("DELETE FROM stories WHERE article_id = ?", (article_id,))

    def commit(self) -> None:
        if self._db is not None:
            self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.commit()
            self._db.close()
            self._db = None

    def _put(self, article_id: str, story_id: str, signature: Signature, persist: bool = False) -> None:
        self._entries[article_id] = (story_id, signature)
        self._lsh.insert(article_id, signature.minhash)
        if persist and self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?)",
                (
                    article_id,
                    story_id,
                    signature.size,
                    signature.minhash.hashvalues.astype(np.uint32).tobytes(),
                ),
            )


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute(
        "CREATE TABLE IF NOT EXISTS stories (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, "
        "size INTEGER NOT NULL, hashvalues BLOB NOT NULL)"
    )
    return db


def group(articles: Iterable[tuple[str, str]], threshold: float) -> dict[str, str]:
    """article id -> story id for (id, text) pairs taken in order: the first of a story names it."""
    index = StoryIndex(threshold)
    return {article_id: index.assign(article_id, text) for article_id, text in articles}
