"""One store, several processes: what one ingests, the others find, without a rebuild; a crash
between the dense and lexical writes is repaired; a process that cannot follow the store says so.

Each ingest runs as a real `rag ingest` subprocess against a real on-disk store; the reader is a
long-lived `Assistant` in this process, as `rag web` is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.components.lexical_store import LexicalRow
from rag.components.vector_store import ChromaStore, StoreError
from rag.schema import Answer
from rag.settings import Settings
from tests.e2e.test_faults import assert_consistent, cached_embeddings, start_ingest, wait_until
from tests.paths import CORPUS
from tests.synthetic import write_articles

COMET = """The comet named Talvora

Astronomers at the Elbrin observatory have named the comet they found last month Talvora, after a
village in the hills below the observatory. The comet will pass closest to the Sun in March.
"""
COMET_QUESTION = "What did the Elbrin observatory name the comet it found?"


# Where a serving process keeps its Chroma client: small stores here, large ones in a child process.
CLIENTS = {"in this process": 1_000_000, "in a child process": 0}


@pytest.mark.parametrize("client", CLIENTS)
def test_a_running_process_finds_an_article_another_process_ingested(tmp_path: Path, client: str) -> None:
    settings = Settings(
        home=tmp_path / "home", store_follow_seconds=0.5, index_process_min_chunks=CLIENTS[client]
    )
    background = tmp_path / "background"
    write_articles(background, 150, sentences_per_article=5)
    reader = Assistant(settings)
    reader.ingest([CORPUS, background])
    assert "Talvora" not in reader.ask(COMET_QUESTION).text  # the vector index is loaded and in use
    seen_before = reader.store.seen_ingest()

    news = tmp_path / "news"
    finished = ingest_comet(settings.home, news)

    article = str((news / "comet.txt").resolve())
    while True:
        query_vector = reader.retriever.search(COMET_QUESTION, k=3).query_vector
        dense = reader.store.nearest(query_vector, 3)
        lexical = reader.retriever.lexical.search("Talvora", 3)
        firsts = [dense[0][0], lexical[0].id] if dense and lexical else []
        if firsts and all(_article(reader, id_) == article for id_ in firsts):
            break
        assert time.monotonic() - finished < 30, "the new article is not found 30 s after its ingest"
        time.sleep(0.2)
    # Searched again: the store may have been reopened between the search above and its checks.
    assert reader.retriever.search(COMET_QUESTION, k=3).chunks[0].article_id == article
    assert "Talvora" in reader.ask(COMET_QUESTION).text
    while reader.store.seen_ingest() != reader.store.last_ingest():  # set just after the swap
        assert time.monotonic() - finished < 30, "the reopened store does not count the ingest as seen"
        time.sleep(0.05)
    assert reader.store.seen_ingest() != seen_before, "the other process's ingest is seen once reopened"


def ingest_comet(home: Path, news: Path) -> float:
    """Write the comet article into `news` and ingest it in another process; when that ended."""
    news.mkdir()
    (news / "comet.txt").write_text(COMET, encoding="utf-8")
    process = start_ingest(home, news)
    assert process.wait() == 0, process.communicate()
    return time.monotonic()


def test_following_an_ingest_stops_the_client_it_replaced(tmp_path: Path) -> None:
    """The replaced client's vector index is freed, not kept beside the new one: at a million chunks,
    the two took a serving process past 3 GB."""
    from chromadb.api import ServerAPI
    from chromadb.api.client import SharedSystemClient

    settings = Settings(home=tmp_path / "home", store_follow_seconds=0.3)
    reader = Assistant(settings)
    reader.ingest([CORPUS])
    assert "Talvora" not in reader.ask(COMET_QUESTION).text  # the vector index is loaded and in use
    replaced = SharedSystemClient._identifier_to_system[str(settings.store_path)]
    news = tmp_path / "news"
    finished = ingest_comet(settings.home, news)

    while hasattr(replaced.instance(ServerAPI), "bindings"):
        assert time.monotonic() - finished < 30, "the replaced client still holds its index 30 s on"
        time.sleep(0.05)
    assert SharedSystemClient._identifier_to_system[str(settings.store_path)] is not replaced
    assert "Talvora" in reader.ask(COMET_QUESTION).text


def test_a_client_in_a_child_process_is_replaced_by_a_fresh_child_and_the_old_one_ends(
    tmp_path: Path,
) -> None:
    """Following an ingest starts another child and kills the one it replaced: the kernel frees that
    index, where stopping an in-process client frees it holding this process's GIL (0.6 s at 1M chunks)."""
    settings = Settings(home=tmp_path / "home", store_follow_seconds=0.3, index_process_min_chunks=0)
    reader = Assistant(settings)
    reader.ingest([CORPUS])
    first = reader.store.index_pid
    assert first is not None and _running(first)
    assert "Talvora" not in reader.ask(COMET_QUESTION).text
    finished = ingest_comet(settings.home, tmp_path / "news")

    while _running(first):
        assert time.monotonic() - finished < 30, "the replaced child still runs 30 s on"
        time.sleep(0.05)
    assert reader.store.index_pid not in (None, first)
    assert "Talvora" in reader.ask(COMET_QUESTION).text


def test_the_child_process_ends_with_its_serving_process_even_killed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Assistant(Settings(home=home)).ingest([CORPUS])
    serve = (
        "import time; from rag.assistant import Assistant; "
        "print(Assistant().store.index_pid, flush=True); time.sleep(600)"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", serve],
        env={**os.environ, "RAG_HOME": str(home), "RAG_INDEX_PROCESS_MIN_CHUNKS": "0"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    child = int(server.stdout.readline())
    assert _running(child)
    socket_folder = Path(Path(f"/proc/{child}/cmdline").read_text().split("\0")[-2]).parent
    assert socket_folder.is_dir()
    server.kill()
    server.wait()
    deadline = time.monotonic() + 15
    while _running(child):
        assert time.monotonic() < deadline, "the child outlived its serving process by 15 s"
        time.sleep(0.1)
    assert not socket_folder.exists(), "the child left its socket's folder behind"


def _running(pid: int) -> bool:
    """Whether `pid` runs (an exited child not yet reaped by whoever adopted it does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status and "\nState:\tX" not in status


def test_a_replaced_client_another_store_of_the_process_still_uses_keeps_serving_it(tmp_path: Path) -> None:
    """Two stores on one home in one process share Chroma's client; the one that follows an ingest
    must not stop the client the other still searches through."""
    settings = Settings(home=tmp_path / "home", store_follow_seconds=0.3)
    follower = Assistant(settings)
    follower.ingest([CORPUS])
    other = ChromaStore(Settings(home=tmp_path / "home"))  # opened on the same client, not following
    before = other.count()
    news = tmp_path / "news"
    news.mkdir()
    (news / "comet.txt").write_text(COMET, encoding="utf-8")
    process = start_ingest(settings.home, news)
    assert process.wait() == 0, process.communicate()

    deadline = time.monotonic() + 30
    while "Talvora" not in follower.ask(COMET_QUESTION).text:
        assert time.monotonic() < deadline, "the follower never saw the other process's article"
        time.sleep(0.1)
    time.sleep(3 * settings.store_follow_seconds)  # past the check that stops replaced clients
    assert other.count() >= before  # its client still answers, not "no attribute 'bindings'"


def _article(assistant: Assistant, chunk_id: str) -> str:
    [chunk] = assistant.store.get([chunk_id])
    return chunk.metadata["article_id"]


def test_an_ingest_killed_mid_step_leaves_dense_and_lexical_agreeing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_articles(corpus, 200, sentences_per_article=5)
    settings = Settings(home=tmp_path / "home")

    process = start_ingest(settings.home, corpus)
    wait_until(lambda: cached_embeddings(settings) > 64, process, "the second step was embedded")
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assistant = Assistant(settings)
    dense, lexical = set(assistant.store.chunk_metadata()), assistant.lexical.ids()
    # Chroma is written first and deleted from last, so a kill anywhere leaves lexical within it.
    assert lexical <= dense
    assert len(dense) < 200 * 2, "the kill came too late to test anything"

    assistant.ingest([corpus])
    assert_consistent(assistant, 200)
    assert assistant.lexical.ids() == set(assistant.store.chunk_metadata())


def test_the_next_ingest_repairs_a_lexical_index_that_missed_or_kept_chunks(tmp_path: Path) -> None:
    """A kill between the Chroma write and the lexical commit, made deterministic."""
    settings = Settings(home=tmp_path / "home")
    assistant = Assistant(settings)
    assistant.ingest([CORPUS])
    dense = set(assistant.store.chunk_metadata())
    dropped = sorted(dense)[:2]
    assistant.lexical.delete(dropped)
    assistant.lexical.upsert([LexicalRow("gone::0::0", "Abdrakhmanov left the congress")])
    assert assistant.lexical.ids() != dense

    report = assistant.ingest([CORPUS])

    assert (report.unchanged, report.chunks_embedded) == (1, 0)
    assert assistant.lexical.ids() == dense
    assert all(hit.id in dense for hit in assistant.retriever.lexical.search("Abdrakhmanov", 10))


def test_concurrent_questions_during_an_ingest_all_answer(tmp_path: Path) -> None:
    corpus = tmp_path / "more"
    write_articles(corpus, 60, sentences_per_article=5)
    settings = Settings(home=tmp_path / "home", store_follow_seconds=0.5)
    reader = Assistant(settings)
    reader.ingest([CORPUS])

    process = start_ingest(settings.home, corpus)

    def ask_until_done(_: int) -> list[Answer]:
        answers = []
        while process.poll() is None or not answers:
            answers.append(reader.ask("why did Putin move talks from Astana?"))
        return answers

    with ThreadPoolExecutor(4) as pool:
        answers = [answer for batch in pool.map(ask_until_done, range(4)) for answer in batch]
    out, err = process.communicate()

    assert process.returncode == 0, err
    assert out.startswith("60 added")
    assert len(answers) >= 4
    assert all(not answer.abstained and "Kazakhstan" in answer.text for answer in answers)
    assert reader.lexical.ids() == set(reader.store.chunk_metadata())


# Another process in the middle of a commit: it holds the file's write lock for a few seconds, then
# says when it let go.
COMMITTING = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
db.rollback()
print(time.time(), flush=True)
"""


def test_a_search_does_not_wait_while_another_process_commits_to_the_store(tmp_path: Path) -> None:
    """Chroma's file is kept write-ahead: in its own rollback-journal mode a search waited for every
    commit of another process's ingest (0.5-0.9 s at a million chunks)."""
    ingest = start_ingest(tmp_path / "home", CORPUS)  # the store is made by one process, read by another
    assert ingest.wait() == 0, ingest.communicate()
    reader = Assistant(Settings(home=tmp_path / "home"))
    vector = reader.retriever.search("why did Putin move talks from Astana?").query_vector
    nearest = reader.store.nearest(vector, 3)
    catalogue = reader.settings.store_path / "chroma.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", COMMITTING, str(catalogue), "8"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "holding\n"

    again, chunks = reader.store.nearest(vector, 3), reader.store.get([nearest[0][0]])
    searched = time.time()

    released = float(writer.communicate()[0])
    assert searched < released, "the search waited for the other process's commit"
    assert again == nearest and [chunk.id for chunk in chunks] == [nearest[0][0]]


def test_a_process_that_cannot_follow_the_store_refuses_with_one_line_until_it_can(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", store_follow_seconds=0.2, store_stale_seconds=1)
    reader = Assistant(settings)
    reader.ingest([CORPUS])
    assert not reader.ask("why did Putin move talks from Astana?").abstained

    # Another process drops the collection (a rebuild starting over): the reader cannot follow it.
    dropped = subprocess.run(
        [
            sys.executable,
            "-c",
            "import chromadb, sys; chromadb.PersistentClient(path=sys.argv[1]).delete_collection('articles')",
            str(settings.store_path),
        ],
        capture_output=True,
        text=True,
    )
    assert dropped.returncode == 0, dropped.stderr
    # At once the search fails and says so; once the store has gone unfollowed for
    # store_stale_seconds, the process says it is behind and how to fix that.
    refusals: list[str] = []
    deadline = time.monotonic() + 30
    while not refusals or "restart" not in refusals[-1]:
        try:
            reader.ask("why did Putin move talks from Astana?")
        except StoreError as error:
            refusals.append(str(error))
        assert time.monotonic() < deadline, f"no refusal to restart after 30 s: {refusals[-1:]}"
        time.sleep(0.2)
    assert all("\n" not in refusal and str(settings.store_path) in refusal for refusal in refusals)

    # The rebuild finishes: the reader follows it again and answers from it.
    process = start_ingest(settings.home, CORPUS)
    assert process.wait() == 0, process.communicate()
    deadline = time.monotonic() + 30
    while not _answers(reader):
        assert time.monotonic() < deadline, "the reader does not answer again 30 s after the rebuild"
        time.sleep(0.2)
    assert "Kazakhstan" in reader.ask("why did Putin move talks from Astana?").text


def _answers(assistant: Assistant) -> bool:
    try:
        return not assistant.ask("why did Putin move talks from Astana?").abstained
    except StoreError:
        return False
