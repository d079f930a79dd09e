"""A fake Slack Web API on loopback: answers as Slack does and records every call.

The bot's real `WebClient` talks to it over HTTP (its `base_url` points here),
so everything up to the socket is the production code path. It keeps the
channels' messages (top level and threads, with their message metadata) for
conversations.history and conversations.replies, and serves response URLs
(`response_url(name)`), recorded as calls named "response". `fail` makes the
next calls of a method answer a Slack error.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str


@dataclass
class FakeSlack:
    """Start with `start()`; `url` is the WebClient base_url."""

    calls: list[Call] = field(default_factory=list)
    threads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rate_limited: dict[str, int] = field(default_factory=dict)
    fail: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: float = field(default_factory=time.time)  # message ts are times, as in Slack

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body))
                    for name in ("blocks", "metadata"):
                        if isinstance(params.get(name), str):
                            params[name] = json.loads(params[name])
                self._answer(params)

            def _answer(self, params: dict[str, Any]) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/response/"):
                    status, headers, reply = fake.respond(path.rsplit("/", 1)[-1], params)
                else:
                    status, headers, reply = fake.handle(
                        path.rsplit("/", 1)[-1], params, self.headers.get("Authorization", "")
                    )
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(json.dumps(reply).encode())

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str) -> str:
        """A response URL as Slack puts in interactions and commands; what is posted to it is recorded."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    def respond(self, name: str, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.calls.append(Call("response", {**params, "response_url": name}, ""))
        return 200, {}, "ok"

    def handle(self, method: str, params: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            if self.rate_limited.get(method, 0) > 0:
                self.rate_limited[method] -= 1
                self.calls.append(Call(f"{method} (429)", params, auth))
                return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
            if self.fail.get(method):
                error = self.fail[method].pop(0)
                self.calls.append(Call(f"{method} ({error})", params, auth))
                return 200, {}, {"ok": False, "error": error}
            self.calls.append(Call(method, params, auth))
            if method == "auth.test":
                return 200, {}, {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1"}
            if method == "chat.postMessage":
                self._ts += 1
                ts = f"{self._ts:.6f}"
                message = {"ts": ts, "text": params.get("text"), "bot_id": "BBOT", "user": BOT_USER}
                if params.get("metadata"):
                    message["metadata"] = params["metadata"]
                if params.get("thread_ts"):
                    self.threads.setdefault(str(params["thread_ts"]), []).append(message)
                else:
                    self.history.setdefault(str(params.get("channel")), []).append(message)
                    self.threads.setdefault(ts, []).append(message)
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
            if method == "chat.postEphemeral":
                self._ts += 1
                return 200, {}, {"ok": True, "message_ts": f"{self._ts:.6f}"}
            if method == "chat.update":
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
            if method in ("conversations.replies", "conversations.history"):
                kept = (
                    self.threads.get(str(params.get("ts")), [])
                    if method == "conversations.replies"
                    else self.history.get(str(params.get("channel")), [])
                )
                oldest = float(params.get("oldest") or 0)
                messages = sorted((m for m in kept if float(m["ts"]) >= oldest), key=lambda m: float(m["ts"]))
                return 200, {}, {"ok": True, "messages": messages, "has_more": False}
            return 200, {}, {"ok": False, "error": "unknown_method"}

    def add_user_message(self, thread_ts: str, ts: str, text: str, user: str = "UALICE") -> None:
        """A message a person posted in a thread, as conversations.replies will list it."""
        with self._lock:
            self.threads.setdefault(thread_ts, []).append({"ts": ts, "text": text, "user": user})

    def in_thread(self, thread_ts: str) -> list[dict[str, Any]]:
        """The messages of a thread, its first message included, oldest first."""
        with self._lock:
            return sorted(self.threads.get(thread_ts, []), key=lambda m: float(m["ts"]))

    def named(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, within: float = 60.0) -> list[Call]:
        """The calls of `method` once there are `count` of them (`within` bounds a hang, not a speed)."""
        deadline = time.monotonic() + within
        while len(self.named(method)) < count:
            seen = [call.method for call in self.calls]
            assert time.monotonic() < deadline, f"no {count} {method} calls; got {seen}"
            time.sleep(0.05)
        return self.named(method)
