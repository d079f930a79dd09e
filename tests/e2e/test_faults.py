"""Faults a real deployment meets: a killed ingest, readers during an ingest, two ingests, a broken store.

Each runs `rag ingest` as a real subprocess against a real on-disk store.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import cli
from rag.settings import Settings
from tests.paths import CORPUS, ROOT
from tests.synthetic import write_articles

ARTICLES = 200


def start_ingest(home: Path, corpus: Path) -> subprocess.Popen[str]:
    """`rag ingest` in its own process, writing 64 chunks a step so a kill lands mid-run."""
    return subprocess.Popen(
        [sys.executable, "-m", "rag", "--home", str(home), "ingest", "-q", str(corpus)],
        cwd=ROOT,
        env={**os.environ, "RAG_INGEST_BATCH": "64"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cached_embeddings(settings: Settings) -> int:
    if not settings.cache_path.exists():
        return 0
    with sqlite3.connect(settings.cache_path, timeout=30) as db:
        try:
            return db.execute("SELECT count(*) FROM embedding").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def wait_until(condition, process: subprocess.Popen[str], what: str) -> None:
    while not condition():
        assert process.poll() is None, f"ingest ended before {what}: {process.communicate()}"
        time.sleep(0.05)


def assert_consistent(assistant: Assistant, expected_articles: int) -> None:
    """Every article once, under one version, with all of its chunks and no orphans."""
    metadata = assistant.store.chunk_metadata()
    versions: dict[str, Counter[str]] = {}
    for meta in metadata.values():
        versions.setdefault(meta["article_id"], Counter())[meta["article_hash"]] += 1
    assert len(versions) == expected_articles
    for article_id, hashes in versions.items():
        assert len(hashes) == 1, f"{article_id} has chunks of {len(hashes)} versions"
    totals = Counter(meta["article_id"] for meta in metadata.values())
    for meta in metadata.values():
        assert totals[meta["article_id"]] == meta["n_chunks"]


def test_a_killed_ingest_is_completed_by_the_next_run_without_duplicates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_articles(corpus, ARTICLES, sentences_per_article=5)
    settings = Settings(home=tmp_path / "home")

    process = start_ingest(settings.home, corpus)
    wait_until(lambda: cached_embeddings(settings) > 0, process, "the first batch was embedded")
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assistant = Assistant(settings)
    complete_before = len(assistant.articles())
    assert complete_before < ARTICLES, "the kill came too late to test anything"
    report = assistant.ingest([corpus])

    assert report.unchanged == complete_before
    assert report.added + report.changed == ARTICLES - complete_before
    assert_consistent(assistant, ARTICLES)
    assert report.chunks_embedded <= report.chunks_written, "re-embedded chunks it already had"
    assert report.chunks_embedded < assistant.store.count(), "the cached batch was embedded again"
    again = assistant.ingest([corpus])
    assert (again.unchanged, again.chunks_embedded) == (ARTICLES, 0)


def test_questions_are_answered_while_another_process_ingests(tmp_path: Path) -> None:
    corpus = tmp_path / "more"
    write_articles(corpus, 60, sentences_per_article=5)
    settings = Settings(home=tmp_path / "home")
    reader = Assistant(settings)
    reader.ingest([CORPUS])

    process = start_ingest(settings.home, corpus)
    answers = []
    while process.poll() is None or not answers:
        answers.append(reader.ask("why did Putin move talks from Astana?"))
    out, err = process.communicate()

    assert process.returncode == 0, err
    assert out.startswith("60 added")
    assert all(not answer.abstained and "Kazakhstan" in answer.text for answer in answers)
    assert reader.stats().articles == 61


def test_two_ingests_at_once_one_refuses_and_the_store_stays_whole(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    # Enough work (~5 s) that the slower of two starting processes always finds the lock held.
    write_articles(corpus, 150, sentences_per_article=5)
    home = tmp_path / "home"

    first, second = start_ingest(home, corpus), start_ingest(home, corpus)
    results = sorted([(first.wait(), *first.communicate()), (second.wait(), *second.communicate())])

    assert [code for code, _, _ in results] == [0, 1]
    assert "another ingest is writing to" in results[1][2]
    assert results[1][2].count("\n") == 1
    assert_consistent(Assistant(Settings(home=home)), 150)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(
            lambda store: (store / "chroma.sqlite3").write_bytes(b"not a database" * 100), id="garbage"
        ),
        pytest.param(lambda store: store.rmdir() or store.write_text("a file, not a folder"), id="foreign"),
    ],
)
def test_a_damaged_store_is_named_with_how_to_rebuild_it(tmp_path: Path, damage) -> None:
    store = tmp_path / "home" / "chroma"
    store.mkdir(parents=True)
    damage(store)

    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "stats"], prog_name="rag")

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot open the Chroma store at {store}")
    assert f"delete {store} and run `rag ingest` to rebuild it" in result.output
    assert "Traceback" not in result.output
