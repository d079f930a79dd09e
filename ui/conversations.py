"""The web chat's conversations: kept, listed, reopened, deleted.

A conversation is plain JSON: its messages as the chat shows them, the
`Answer` behind each assistant message (for the sources panel, the event view
and the thumbs) and a title (its first question). Without logins they live in
the browser's own storage, so nothing about a visitor is kept on the server;
with logins (`RAG_WEB_AUTH`) they live on the server, one JSON file per user
under `RAG_HOME/conversations/`, named by a hash of the user name: a user only
ever reads and writes their own file, and a name cannot reach outside the folder.
Answers are kept slim: of the retrieved chunks only the cited ones stay (the
panel shows their text around each quote).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Conversation = dict[str, Any]
Conversations = dict[str, Conversation]
TITLE_CHARS = 60


def new_id() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def title_of(messages: list[dict[str, Any]]) -> str:
    """The first question, cut at a word to `TITLE_CHARS` characters."""
    first = next((str(m["content"]) for m in messages if m.get("role") == "user"), "New conversation")
    text = " ".join(first.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def conversation(
    conversation_id: str, messages: list[dict[str, Any]], answers: dict[str, Any]
) -> Conversation:
    """One conversation as stored, stamped now."""
    return {
        "id": conversation_id,
        "title": title_of(messages),
        # To the microsecond: two conversations saved in one second were listed oldest first (a stable sort
        # of equal stamps). A stamp kept in seconds still compares right: "…:26+00:00" < "…:26.5+00:00".
        "updated": datetime.now(UTC).isoformat(timespec="microseconds"),
        "messages": messages,
        "answers": {key: slim(answer) for key, answer in answers.items()},
    }


def slim(answer: dict[str, Any]) -> dict[str, Any]:
    """An `Answer` as JSON with only its cited chunks kept (a conversation stays small)."""
    cited = {citation["chunk_id"] for citation in answer.get("citations", [])}
    return {**answer, "retrieved": [c for c in answer.get("retrieved", []) if c["chunk_id"] in cited]}


def listing(conversations: Conversations) -> list[tuple[str, str]]:
    """(title, id) of every conversation, the latest first."""
    ordered = sorted(conversations.values(), key=lambda item: item["updated"], reverse=True)
    return [(item["title"], item["id"]) for item in ordered]


def latest(conversations: Conversations) -> Conversation | None:
    items = listing(conversations)
    return conversations[items[0][1]] if items else None


class ConversationStore:
    """Each logged-in user's conversations, one JSON file per user; writes are atomic."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def load(self, user: str) -> Conversations:
        path = self._path(user)
        if not path.exists():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def put(self, user: str, item: Conversation) -> None:
        with self._lock:
            self._write(user, {**self.load(user), item["id"]: item})

    def delete(self, user: str, conversation_id: str) -> None:
        with self._lock:
            kept = {key: value for key, value in self.load(user).items() if key != conversation_id}
            self._write(user, kept)

    def _path(self, user: str) -> Path:
        return self.folder / f"{hashlib.sha256(user.encode('utf-8')).hexdigest()[:32]}.json"

    def _write(self, user: str, conversations: Conversations) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(user)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(conversations), encoding="utf-8")
        partial.replace(path)


def browser_secret(home: Path) -> str:
    """The key the browser's copy is sealed with: made once per home, so it outlives restarts."""
    path = home / "web-browser-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
