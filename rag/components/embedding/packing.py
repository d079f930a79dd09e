"""A chunk's vector and its sentences' vectors from one pass of the encoder over the chunk's tokens.

Why: the answerer weighs each sentence by the sentence's own vector (the sentence
encoded alone; read in its chunk, a long sentence takes on its neighbours' meaning
and answers are lost), and retrieval needs the chunk's vector. Encoding both ran
the model over every chunk's tokens twice. Packed, each segment of a chunk (its
title, then each sentence) is laid out as it would be alone (`[CLS] tokens [SEP]`,
positions from 0) and attends only to itself (a block-diagonal mask), so one
forward pass gives every segment its alone vector and the chunk the mean of all
its tokens. The encoder is the model's own weights, exported with a per-token
segment input instead of the padding mask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# The encoder's inputs when packed: token ids, positions, and the segment each token belongs to
# (0 = padding). The output is the last hidden state, as in the plain export.
PACKED_INPUTS = ("input_ids", "position_ids", "segment_ids")


@dataclass
class Packed:
    """Rows ready for the encoder, and how to pool its output back."""

    input_ids: np.ndarray
    position_ids: np.ndarray
    segment_ids: np.ndarray
    # Per row: the tokens of each of its segments, [CLS] and [SEP] included.
    lengths: list[list[int]]

    def feed(self) -> dict[str, np.ndarray]:
        return dict(zip(PACKED_INPUTS, (self.input_ids, self.position_ids, self.segment_ids), strict=True))


@dataclass(frozen=True)
class SpecialTokens:
    cls: int
    sep: int
    pad: int
    # Tokens a text may have alone, [CLS] and [SEP] included (beyond, the model truncates).
    max_tokens: int


def pack(rows: Sequence[Sequence[Sequence[int]]], special: SpecialTokens) -> Packed:
    """Lay out each row's segments (token ids without special tokens) side by side."""
    laid: list[list[int]] = []
    positions: list[list[int]] = []
    segments: list[list[int]] = []
    lengths: list[list[int]] = []
    for row in rows:
        ids: list[int] = []
        row_positions: list[int] = []
        row_segments: list[int] = []
        row_lengths: list[int] = []
        for number, tokens in enumerate(row, start=1):
            alone = [special.cls, *tokens[: special.max_tokens - 2], special.sep]
            ids.extend(alone)
            row_positions.extend(range(len(alone)))
            row_segments.extend([number] * len(alone))
            row_lengths.append(len(alone))
        laid.append(ids)
        positions.append(row_positions)
        segments.append(row_segments)
        lengths.append(row_lengths)
    width = max((len(ids) for ids in laid), default=0)
    return Packed(
        _padded(laid, width, special.pad),
        _padded(positions, width, 0),
        _padded(segments, width, 0),
        lengths,
    )


def pool(hidden: np.ndarray, packed: Packed) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each row's vector (the mean of all its tokens) and its segments' vectors, unit length."""
    rows = np.empty((len(packed.lengths), hidden.shape[-1]), dtype=np.float32)
    segments: list[np.ndarray] = []
    for index, lengths in enumerate(packed.lengths):
        starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64)
        sums = np.add.reduceat(hidden[index, : sum(lengths)], starts, axis=0)
        rows[index] = sums.sum(axis=0) / sum(lengths)
        segments.append(_unit(sums / np.asarray(lengths, dtype=np.float32)[:, None]))
    return _unit(rows), segments


def packed_encoder(network: Any) -> Any:
    """`network` (a transformers BERT) as a torch module reading packed rows: for export and for torch."""
    import torch

    class PackedEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(
            self, input_ids: torch.Tensor, position_ids: torch.Tensor, segment_ids: torch.Tensor
        ) -> torch.Tensor:
            same = (segment_ids[:, :, None] == segment_ids[:, None, :]) & (segment_ids[:, None, :] > 0)
            blocked = torch.zeros(same.shape, dtype=torch.float32).masked_fill(
                ~same, torch.finfo(torch.float32).min
            )
            return self.network(
                input_ids=input_ids,
                attention_mask=blocked[:, None],
                position_ids=position_ids,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state

    return PackedEncoder().eval()


def embed_packed(
    rows: Sequence[Sequence[str]],
    tokenize: Callable[[list[str]], list[list[int]]],
    special: SpecialTokens,
    batch_size: int,
    run: Callable[[Packed], np.ndarray],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows of segments through `run` (packed rows -> last hidden state), in batches of similar
    length (less padding); results in the caller's order."""
    flat = [segment for row in rows for segment in row]
    ids = tokenize(flat) if flat else []
    tokens: list[list[list[int]]] = []
    for row in rows:
        tokens.append(ids[: len(row)])
        ids = ids[len(row) :]
    order = sorted(range(len(rows)), key=lambda i: sum(len(segment) + 2 for segment in tokens[i]))
    vectors: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(rows)
    segments: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(rows)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        packed = pack([tokens[i] for i in batch], special)
        pooled, pieces = pool(run(packed), packed)
        for index, vector, piece in zip(batch, pooled, pieces, strict=True):
            vectors[index], segments[index] = vector, piece
    return (np.stack(vectors) if rows else np.zeros((0, 0), dtype=np.float32)), segments


def _padded(values: list[list[int]], width: int, fill: int) -> np.ndarray:
    out = np.full((len(values), width), fill, dtype=np.int64)
    for index, row in enumerate(values):
        out[index, : len(row)] = row
    return out


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.clip(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12, None)
    return (vectors / norms).astype(np.float32)
