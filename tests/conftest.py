"""Shared fixtures: real settings, a real on-disk store, the real model.

The seed corpus is ingested once per test session (`seed_assistant`); tests
that change a store get their own home folder (`make_settings`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.assistant import Assistant
from rag.settings import Settings
from tests.paths import CORPUS, ROOT
from tests.servers import chroma_server
from tests.stores import ingested


@pytest.fixture(autouse=True, scope="session")
def _run_from_repo_root() -> None:
    """Article ids are paths relative to the working directory: pin it."""
    os.chdir(ROOT)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings with a fresh home under tmp_path; keyword overrides win."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"home": tmp_path / "home", **overrides}
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An Assistant over the shipped corpus, ingested once for the session. Do not mutate."""
    os.chdir(ROOT)
    assistant = Assistant(Settings(home=tmp_path_factory.mktemp("seed-home")))
    assistant.ingest([CORPUS])
    return assistant


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a loopback port, for the whole session."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(params=["embedded", "server"])
def store_settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    """Settings for the embedded store, then for a Chroma server (own collection per test)."""
    if request.param == "embedded":
        return make_settings()
    url = request.getfixturevalue("chroma_url")
    return make_settings(chroma_url=url, collection=f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def event_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An Assistant over the Valmora floods (tests/events_fixture.py), ingested once. Do not mutate."""
    from tests.events_fixture import write_event_corpus

    return ingested(tmp_path_factory, "events", write_event_corpus)


@pytest.fixture(scope="session")
def two_stories_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An Assistant over a bridge collapse and a later air crash (tests/two_stories.py). Do not mutate."""
    from tests.two_stories import write_two_stories

    return ingested(tmp_path_factory, "two-stories", write_two_stories)


@pytest.fixture(scope="session")
def tiny_reader(seed_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reader trained for three steps on seed candidates: real training, real int8 ONNX files.

    It reads badly (three steps), so tests check what it is and how it is used, not what it knows.
    """
    pytest.importorskip("datasets", reason="training needs the dev extras (datasets, accelerate)")
    from evals.datasets import load_dataset
    from evals.reader import candidates
    from evals.reader.train import Recipe, describe, export, train, training_pairs

    cases = [case for case in load_dataset(ROOT / "evals" / "datasets" / "seed.jsonl") if not case.history]
    sample = [case for case in cases if not case.unanswerable][:8] + [c for c in cases if c.unanswerable][:3]
    root = tmp_path_factory.mktemp("reader")
    candidates.write(candidates.build(seed_assistant, sample), root / "candidates.jsonl")
    recipe = Recipe(max_steps=3, batch_size=4, max_tokens=64)
    model = train(training_pairs(candidates.read(root / "candidates.jsonl"), recipe), recipe, root / "work")
    folder = export(model, root / "reader")
    describe(folder, recipe, card="# card\n")
    return folder
