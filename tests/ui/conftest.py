"""A real chat server on a loopback port, over its own store and corpus folder.

Uploads write into the corpus folder and the store, so the web tests get a
fresh home and a copy of the shipped corpus instead of the shared seed store.
The shipped article is undated, so the date tests get a small dated story of
their own (`write_dated_story`): a bridge closed in January, reopened in June.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest

from rag.assistant import Assistant
from rag.settings import Settings
from tests.paths import CORPUS, SEED_ARTICLE
from tests.servers import serving
from ui.web import create_server

T = TypeVar("T")


@dataclass
class WebApp:
    url: str
    assistant: Assistant

    @property
    def settings(self) -> Settings:
        return self.assistant.settings


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


@pytest.fixture(scope="module")
def dated_web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The chat over the dated bridge story only."""
    root = tmp_path_factory.mktemp("dated-web")
    write_dated_story(root / "corpus")
    settings = Settings(home=root / "home", corpus_dir=root / "corpus", feedback_path=root / "feedback.jsonl")
    assistant = Assistant(settings)
    assistant.ingest([root / "corpus"])
    with serving(create_server(assistant)) as url:
        yield WebApp(url + "/", assistant)


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


# One story, two outlets, two dates: what is cited depends on the day it is asked.
CLOSED = date(2024, 1, 10)
REOPENED = date(2024, 6, 12)
CLOSED_DATELINE = "Harbor Ledger, 10 Jan 2024"
REOPENED_DATELINE = "Coast Times, 12 Jun 2024"
STORY_QUESTION = "What happened to the Kessler harbor bridge?"
_STORY = {
    "bridge-closed.md": (
        "Kessler harbor bridge closed for cable repairs",
        "Harbor Ledger",
        CLOSED,
        "The Kessler harbor bridge was closed to all traffic on Tuesday after inspectors found cracked "
        "support cables. City engineers said repairs to the bridge would take several months. Ferries "
        "will carry commuters across the harbor while the bridge is shut.",
    ),
    "bridge-reopened.md": (
        "Kessler harbor bridge reopens after repairs",
        "Coast Times",
        REOPENED,
        "The Kessler harbor bridge reopened to traffic on Monday after five months of cable repairs. "
        "City engineers said the new cables would last fifty years. The ferry service added during the "
        "closure will end this week.",
    ),
}


def write_dated_story(folder: Path) -> list[Path]:
    """The bridge story as two Markdown articles with front matter (title, source, published)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (title, outlet, published, body) in _STORY.items():
        path = folder / name
        path.write_text(
            f"---\ntitle: {title}\nsource: {outlet}\npublished: {published.isoformat()}\n---\n{body}\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def event_web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The chat over the Valmora floods: one event, three outlets, a wire copy, an older event."""
    from tests.events_fixture import write_event_corpus

    root = tmp_path_factory.mktemp("event-web")
    write_event_corpus(root / "corpus")
    settings = Settings(home=root / "home", corpus_dir=root / "corpus", feedback_path=root / "feedback.jsonl")
    assistant = Assistant(settings)
    assistant.ingest([root / "corpus"])
    with serving(create_server(assistant)) as url:
        yield WebApp(url + "/", assistant)


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seed article and the Valmora floods (one event, three outlets, a wire copy), in one store.

    What the MCP server and the OpenAI-compatible API are tested on. Do not mutate.
    """
    from tests.events_fixture import write_event_corpus

    root = tmp_path_factory.mktemp("archive")
    write_event_corpus(root / "corpus")
    shutil.copy(SEED_ARTICLE, root / "corpus" / SEED_ARTICLE.name)
    assistant = Assistant(Settings(home=root / "home", corpus_dir=root / "corpus"))
    assistant.ingest([root / "corpus"])
    return assistant


def built_with(archive: Assistant, build: Callable[[Assistant], T], **settings: object) -> T:
    """A server built over the shared archive as if these settings were configured.

    Doors read their keys and rates once, when built; the archive's own settings are put back at once.
    """
    original = archive.settings
    archive.settings = original.with_overrides(**settings)
    try:
        return build(archive)
    finally:
        archive.settings = original
