"""A fake OpenAI-compatible server on loopback, for the answer paths a real model cannot be made to take.

`langchain-openai`'s real client talks to it over HTTP: `/v1/models`, and
`/v1/chat/completions` both whole and streamed as server-sent events, in the
shapes OpenAI documents. Replies are scripted per test (`reply` decides from the
request's messages) and every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-news-model"
Messages = list[dict[str, str]]


@dataclass
class FakeOpenAI:
    """Start with `start()`; `url` is the base URL a client is given (ending in /v1)."""

    reply: Callable[[Messages], str] = lambda messages: "The sources do not answer this question."
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    # When set, chat completions answer with this HTTP status and an OpenAI-style error body.
    fail_status: int | None = None

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "not found"}})
                    return
                fake.requests.append(request)
                if fake.fail_status:
                    self._json(fake.fail_status, {"error": {"message": "overloaded", "type": "server_error"}})
                    return
                text = fake.reply(request.get("messages", []))
                if request.get("stream"):
                    self._stream(text)
                else:
                    self._json(200, _completion(text))

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in re.findall(r"\s*\S+", text):
                    self.wfile.write(f"data: {json.dumps(_chunk(piece))}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(f"data: {json.dumps(_chunk(None, 'stop'))}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(piece: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {"role": "assistant", "content": piece} if piece is not None else {}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
