"""Stores the tests build: a corpus written into a fresh folder and ingested once, for real."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.settings import Settings


def ingested(factory: pytest.TempPathFactory, name: str, write: Callable[[Path], object]) -> Assistant:
    """An Assistant over the corpus `write` makes in a fresh folder, ingested once."""
    root = factory.mktemp(name)
    write(root / "corpus")
    assistant = Assistant(Settings(home=root / "home", corpus_dir=root / "corpus"))
    assistant.ingest([root / "corpus"])
    return assistant


def write_jsonl(records: Iterable[dict[str, object]]) -> Callable[[Path], None]:
    """A corpus writer: `records` as one JSONL file in the corpus folder."""

    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "articles.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))

    return write
