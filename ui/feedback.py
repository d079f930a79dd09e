"""Thumbs up and down, kept as JSONL so that feedback can become eval cases."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.schema import Answer
from rag.settings import Settings


class FeedbackLog:
    """Appends one JSON line per vote; safe to call from Gradio's worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, liked: bool, answer: Answer, settings: Settings, **extra: Any) -> dict[str, Any]:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": "up" if liked else "down",
            "question": answer.question,
            "standalone_question": answer.standalone_question,
            "answer": answer.text,
            "abstained": answer.abstained,
            "citations": [citation.model_dump() for citation in answer.citations],
            "settings": settings.public(),
            **extra,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry
