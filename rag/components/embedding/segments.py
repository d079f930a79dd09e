"""A chunk's vector and its sentences' vectors from one encoder pass over the chunk's tokens.

Why: the answerer weighs each sentence by the sentence's own vector (the sentence
encoded alone; read inside its chunk, a long sentence takes on its neighbours'
meaning and answers are lost, README *The reader*), and retrieval needs the
chunk's. Encoding both ran the model over every chunk's tokens twice. Here each
segment of a chunk (its title, then each sentence) is encoded once, alone, and
the chunk's vector is the mean of all its segments' tokens: what one pass over
the chunk gives when each segment attends only to itself. Segments are encoded
as separate short sequences, sorted by length, and a segment two chunks share
(the title; the sentences of the overlap) is encoded once for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# Texts -> (their mean-pooled, not normalized, last hidden states; how many tokens each pooled).
Encode = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


def embed_segments(rows: Sequence[Sequence[str]], encode: Encode) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per row of segments: the row's unit vector (the token-weighted mean of its segments) and each
    segment's unit vector (the one it has alone)."""
    distinct = list(dict.fromkeys(segment for row in rows for segment in row))
    if not distinct:
        return np.zeros((len(rows), 0), dtype=np.float32), [np.zeros((0, 0), dtype=np.float32) for _ in rows]
    means, counts = encode(distinct)
    index = {segment: number for number, segment in enumerate(distinct)}
    vectors = np.empty((len(rows), means.shape[1]), dtype=np.float32)
    segments: list[np.ndarray] = []
    for number, row in enumerate(rows):
        picks = [index[segment] for segment in row]
        weights = counts[picks].astype(np.float32)
        vectors[number] = (means[picks] * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)
        segments.append(unit(means[picks]))
    return unit(vectors), segments


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero)."""
    norms = np.clip(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12, None)
    return (vectors / norms).astype(np.float32)
