"""A fake Slack Web API on loopback: answers as Slack does and records every call.

The bot's real `WebClient` talks to it over HTTP (its `base_url` points here),
so everything up to the socket is the production code path.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

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
    rate_limited: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: float = field(default_factory=lambda: 1_700_000_000.0)

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body))
                    if isinstance(params.get("blocks"), str):
                        params["blocks"] = json.loads(params["blocks"])
                status, headers, reply = fake.handle(
                    self.path.rsplit("/", 1)[-1], params, self.headers.get("Authorization", "")
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

    def handle(self, method: str, params: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            if self.rate_limited.get(method, 0) > 0:
                self.rate_limited[method] -= 1
                self.calls.append(Call(f"{method} (429)", params, auth))
                return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
            self.calls.append(Call(method, params, auth))
            if method == "auth.test":
                return 200, {}, {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1"}
            if method == "chat.postMessage":
                self._ts += 1
                ts = f"{self._ts:.6f}"
                message = {"ts": ts, "text": params.get("text"), "bot_id": "BBOT", "user": BOT_USER}
                self.threads.setdefault(str(params.get("thread_ts")), []).append(message)
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
            if method == "chat.update":
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
            if method == "conversations.replies":
                messages = sorted(self.threads.get(str(params.get("ts")), []), key=lambda m: float(m["ts"]))
                return 200, {}, {"ok": True, "messages": messages, "has_more": False}
            return 200, {}, {"ok": False, "error": "unknown_method"}

    def add_user_message(self, thread_ts: str, ts: str, text: str, user: str = "UALICE") -> None:
        """A message a person posted in a thread, as conversations.replies will list it."""
        with self._lock:
            self.threads.setdefault(thread_ts, []).append({"ts": ts, "text": text, "user": user})

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
