"""The same sentence-transformers model run by onnxruntime, in fp32 or dynamic int8.

Why: loading torch and sentence-transformers costs ~8 s per process, which is
most of a cold `rag ask`; onnxruntime and tokenizers load in a fraction of a
second. The model is exported from the local sentence-transformers folder once
per machine (torch is needed only then) and kept in `Settings.model_cache_dir`.
fp32 gives the torch path's vectors (cosine 1.0000); int8 (weights of the
MatMuls, per channel) is ~1.8x faster at cosine ~0.994 (`python -m bench.embedding`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock

from rag.components.embedding.segments import embed_segments, unit
from rag.text.hashing import content_hash

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
logger = logging.getLogger(__name__)


class OnnxEmbedder:
    """Mean-pooled, normalized embeddings from an ONNX export of a sentence-transformers model."""

    def __init__(
        self, model_path: Path, name: str, cache_dir: Path, *, quantized: bool = False, batch_size: int = 32
    ) -> None:
        self.path = model_path
        if not (model_path / "tokenizer.json").exists():
            raise FileNotFoundError(
                f"no tokenizer.json in {model_path}: the ONNX backend needs a fast tokenizer"
            )
        _check_mean_pooling(model_path)
        self.cache_dir = cache_dir
        self.quantized = quantized
        self.batch_size = batch_size
        # fp32 vectors equal the torch path's, so both share one name (and one embedding cache).
        self.name = name + ("-int8" if quantized else "")
        config = json.loads((model_path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._max_tokens = int(config.get("max_seq_length", 256))

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    @property
    def dimension(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])

    @cached_property
    def session(self) -> onnxruntime.InferenceSession:
        """Exported and loaded on first use; then no file is looked at again per call."""
        return load_session(exported_model(self.path, self.cache_dir, quantized=self.quantized))

    @property
    def tokenizer(self) -> Tokenizer:
        """Truncates and pads, as the model reads text."""
        return load_tokenizer(self.path / "tokenizer.json", self._max_tokens)

    @property
    def counter(self) -> Tokenizer:
        """Neither truncates nor pads, so lengths are the text's own."""
        return load_tokenizer(self.path / "tokenizer.json", None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return unit(self.mean_pooled(texts)[0])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_segments(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return embed_segments(rows, self.mean_pooled)

    def mean_pooled(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each text's mean last hidden state (not normalized) and the tokens it averages."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        counts = np.empty(len(texts), dtype=np.int64)
        # Batches of similar length pad less; results go back in the caller's order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch], counts[batch] = self._pool_batch([texts[i] for i in batch])
        return out, counts

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encodings = self.counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

    def _pool_batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        counts = mask.sum(axis=1)
        pooled = (hidden * weights).sum(axis=1) / np.clip(counts[:, None], 1, None)
        return pooled.astype(np.float32), counts


def _check_mean_pooling(model_path: Path) -> None:
    pooling = model_path / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8")) if pooling.exists() else {}
    if not config.get("pooling_mode_mean_tokens"):
        raise ValueError(f"the ONNX backend supports mean pooling only; {model_path} uses another")


_tokenizer_lock = threading.Lock()


@cache
def load_tokenizer(path: Path, max_tokens: int | None) -> Tokenizer:
    """The tokenizer at `path`; with `max_tokens`, truncating there and padding batches."""
    from tokenizers import Tokenizer

    with _tokenizer_lock:
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        if max_tokens is not None:
            tokenizer.enable_truncation(max_tokens)
            tokenizer.enable_padding()
        return tokenizer


@cache
def load_session(path: Path) -> onnxruntime.InferenceSession:
    """One session per model file per process; sessions are safe to share between threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def exported_model(model_path: Path, cache_dir: Path, *, quantized: bool) -> Path:
    """The ONNX file for `model_path`, exported (and quantized) on first use, atomically."""
    folder = cache_dir / "onnx" / f"{model_path.name}-{_fingerprint(model_path)}"
    target = folder / ("model-int8.onnx" if quantized else "model.onnx")
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / "export.lock"):
        fp32 = folder / "model.onnx"
        if not fp32.exists():
            # Shown once per machine: the first ingest pauses here for several seconds.
            logger.warning("exporting the embedding model to ONNX, once per machine: %s", folder)
            _export(model_path, fp32)
        if quantized and not target.exists():
            quantize_int8(fp32, target)
    return target


def _fingerprint(model_path: Path) -> str:
    """Changes when the model's weights or config change, so a stale export is never used."""
    parts = [
        f"{entry.name}:{entry.stat().st_size}"
        for entry in sorted(model_path.iterdir())
        if entry.is_file() and entry.suffix in {".safetensors", ".bin", ".json"}
    ]
    return content_hash(*parts)[:12]


def _export(model_path: Path, target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    export_bert(model, target, "last_hidden_state", {0: "batch", 1: "tokens"})


def export_bert(network: Any, target: Path, output: str, output_axes: dict[int, str]) -> None:
    """A BERT-style transformers model as ONNX, atomically: its three inputs in, its `output` field out.

    Shared by the embedder (`last_hidden_state`) and the reader's training (`logits`).
    """
    import torch

    class Output(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            result = self.network(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return getattr(result, output)

    sample = torch.ones(2, 16, dtype=torch.long)
    partial = target.with_suffix(".partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {output: output_axes}
    with torch.no_grad():
        torch.onnx.export(
            Output(),
            (sample, sample, torch.zeros_like(sample)),
            str(partial),
            input_names=list(INPUTS),
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target)


def quantize_int8(source: Path, target: Path, op_types: Sequence[str] = ("MatMul",)) -> None:
    """Dynamic int8 weights of `op_types` (per channel), written atomically; "Gather" shrinks the
    word embeddings too (the reader ships in the repository and must stay small)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(".partial")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs advice about pre-processing at WARNING
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=list(op_types),
        )
    finally:
        root.setLevel(level)
    partial.replace(target)
