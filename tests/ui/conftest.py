"""A real chat server on a loopback port, over its own store and corpus folder.

Uploads write into the corpus folder and the store, so the web tests get a
fresh home and a copy of the shipped corpus instead of the shared seed store.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from rag.assistant import Assistant
from rag.settings import Settings
from tests.paths import CORPUS
from tests.servers import free_port
from ui.web import create_server


@dataclass
class WebApp:
    url: str
    assistant: Assistant

    @property
    def settings(self) -> Settings:
        return self.assistant.settings


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yields its base url."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    root = tmp_path_factory.mktemp("web")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(home=root / "home", corpus_dir=corpus, feedback_path=root / "feedback.jsonl")
    assistant = Assistant(settings)
    assistant.ingest([corpus])
    with serving(create_server(assistant)) as url:
        yield WebApp(url + "/", assistant)


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path
