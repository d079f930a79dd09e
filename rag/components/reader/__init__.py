"""The reader: a cross-encoder trained here that says whether a sentence answers a question.

It reads the question with one candidate sentence and, when the sentence leans
on it, the sentence before it (`inputs.passage_text`), and gives the
probability that the sentence holds the answer. The extractive answerer lets
it order the sentences its hand-set score cannot tell apart; abstention stays
with the answerer's evidence score, which separates unanswerable questions
better (see the model card, `model/README.md`).

It runs as an int8 ONNX model in onnxruntime, loaded offline like the embedder:
no torch at ask time. `make reader` retrains it (`python -m evals.reader`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.components.embedding.onnx import load_session, load_tokenizer

# The shipped model; `make reader` retrains it in place.
TRAINED = Path(__file__).parent / "model"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "reader.json"
BATCH = 32


class ReaderError(RuntimeError):
    """The reader's folder is missing a file or holds a config this code cannot read."""


@dataclass(frozen=True)
class ReaderConfig:
    max_tokens: int


class Reader:
    """Probabilities that sentences answer a question, from the ONNX model in `folder`."""

    def __init__(self, folder: Path = TRAINED) -> None:
        missing = [name for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE) if not (folder / name).exists()]
        if missing:
            raise ReaderError(f"no reader in {folder}: {', '.join(missing)} missing (make reader builds one)")
        try:
            raw = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            self.config = ReaderConfig(int(raw["max_tokens"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ReaderError(f"{folder / CONFIG_FILE} is not a reader config: {error}") from error
        self.folder = folder
        self._session = load_session(folder / MODEL_FILE)
        # Truncating pairs longest side first, as the training tokenizer did.
        self._tokenizer = load_tokenizer(folder / TOKENIZER_FILE, self.config.max_tokens)

    def probabilities(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One probability per passage (`inputs.passage_text`) that it answers `question`."""
        out = np.empty(len(passages), dtype=np.float32)
        order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            out[batch] = self._logits(question, [passages[i] for i in batch])
        return 1.0 / (1.0 + np.exp(-out))

    def _logits(self, question: str, passages: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([(question, passage) for passage in passages])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._session.run(None, feed)[0].reshape(-1)
