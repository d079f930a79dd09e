"""Who may use the HTTP doors (MCP over HTTP, the OpenAI-compatible API), how often, and how much
they may send.

A request carries `Authorization: Bearer KEY`; KEY must be one of the configured
keys (`RAG_API_KEY`, comma separated), compared in constant time. Without a
configured key these doors bind loopback only (`exposed` refuses anything
else at start). Each key gets its own budget of questions per minute, as each
Slack user does. A request body is capped (`RAG_API_MAX_BODY_BYTES`) before anything parses it.
The chat's basic auth is a separate lock: neither opens the other.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class AccessError(ValueError):
    """A door would be reachable from the network without a key; the message says what to set."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, keys: list[str], door: str) -> str:
    """The line a server prints at start; raises `AccessError` for a non-loopback host without a key."""
    if keys:
        return f"{door}: requests need `Authorization: Bearer <RAG_API_KEY>`"
    if not is_loopback(host):
        raise AccessError(
            f"{door} would listen on {host} with no key: set RAG_API_KEY, or bind 127.0.0.1 (the default)"
        )
    return f"{door}: no RAG_API_KEY set, so it listens on loopback ({host}) only"


def bearer_key(authorization: str | None, keys: list[str]) -> str | None:
    """The key presented, when it is one of `keys` (or "" when no key is configured); else None."""
    if not keys:
        return ""
    key = presented(authorization)
    matches = [hmac.compare_digest(key.encode(), known.encode()) for known in keys]
    return key if key and any(matches) else None


def presented(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer TOKEN` header; "" when there is none."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class UserRate:
    """At most `per_minute` questions per user (or key) in any 60 s (0 = no limit); thread-safe."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._asked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, user: str) -> float:
        """0 and the question counted, or the seconds until this user may ask again."""
        if not self.per_minute:
            return 0.0
        now = time.monotonic()
        with self._lock:
            asked = self._asked.setdefault(user, deque())
            while asked and asked[0] <= now - 60:
                asked.popleft()
            if len(asked) >= self.per_minute:
                return asked[0] + 60 - now
            asked.append(now)
            return 0.0


class BodyLimit:
    """ASGI middleware: a request whose body is over `limit` bytes gets `refusal(message)` (a 413)
    and the app never sees it. A declared Content-Length is judged before a byte is read; a chunked
    body is counted as it arrives. A body within the limit is handed to the app whole."""

    def __init__(self, app: ASGIApp, limit: int, refusal: Callable[[str], ASGIApp]) -> None:
        self.app, self.limit, self.refusal = app, limit, refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self.refusal(f"the request body is over {self.limit} bytes (RAG_API_MAX_BODY_BYTES)")
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await refused(scope, receive, send)
            return
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await refused(scope, receive, send)
                return
        await self.app(scope, _replaying(b"".join(parts), receive), send)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for an app whose request body was already read: the body, then the client's events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
