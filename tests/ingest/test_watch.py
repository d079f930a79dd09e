"""`rag watch` as a user runs it: a real process polling a changing feed, stopped by SIGTERM mid-poll."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from rag.components.vector_store import ChromaStore
from rag.ingest.watch import parse_duration
from rag.settings import Settings
from tests.fakes.news_site import Item, article_html, news_site, rss
from tests.ingest.test_feeds import paragraphs
from tests.paths import ROOT


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("1.5h", 5400), ("20", 20)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "-5m"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


class Watcher:
    """`python -m rag watch` in a subprocess; its stdout lines arrive on a queue."""

    def __init__(self, home, *args: str) -> None:
        env = {**os.environ, "RAG_FETCH_ALLOW_PRIVATE": "true", "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "rag", "--home", str(home), "watch", "-q", "--every", "2s", *args]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_poll(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if "new item" in line:
                return line
        raise AssertionError("no poll line in time")


def stored(home):
    """article id -> [chunks stored, chunks the article should have], read from the store on disk."""
    meta = ChromaStore(Settings(home=home)).chunk_metadata()
    counts: dict[str, list[int]] = {}
    for record in meta.values():
        counts.setdefault(record["article_id"], [0, int(record["n_chunks"])])[0] += 1
    return counts


def publish(site, town: str, delay: float = 0.0) -> Item:
    url = site.serve(f"/{town.lower()}.html", article_html(f"{town} bridge", paragraphs(town)), delay=delay)
    return Item(f"{town} bridge", url)


@pytest.mark.slow
def test_watch_ingests_only_new_items_and_stops_cleanly_mid_poll(tmp_path):
    home = tmp_path / "home"
    with news_site() as site:
        items = [publish(site, "Arden"), publish(site, "Belmont")]
        feed = site.serve("/rss.xml", rss("Times", items), content_type="application/rss+xml", etag='"1"')
        watcher = Watcher(home, feed)
        try:
            assert "2 new items; 2 added" in watcher.next_poll()
            assert "1 feed (1 unchanged); 0 new items" in watcher.next_poll()

            items.append(publish(site, "Calder"))
            site.serve("/rss.xml", rss("Times", items), content_type="application/rss+xml", etag='"2"')
            assert "1 new item; 1 added, 0 changed, 0 unchanged" in watcher.next_poll()

            items.append(publish(site, "Dunmore", delay=5))
            site.serve("/rss.xml", rss("Times", items), content_type="application/rss+xml", etag='"3"')
            deadline = time.monotonic() + 30
            while not site.hits("/dunmore.html") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert site.hits("/dunmore.html"), "the fourth poll reached the slow page"
            watcher.process.send_signal(signal.SIGTERM)
            assert watcher.process.wait(timeout=20) == 0
        finally:
            if watcher.process.poll() is None:
                watcher.process.kill()
        counts = stored(home)
        assert sorted(counts) == sorted(item.link for item in items[:3])
        assert all(have == want for have, want in counts.values()), "every article whole"

        site.serve("/dunmore.html", article_html("Dunmore bridge", paragraphs("Dunmore")))
        env = {**os.environ, "RAG_FETCH_ALLOW_PRIVATE": "true"}
        rerun = subprocess.run(
            [sys.executable, "-m", "rag", "--home", str(home), "ingest", "-q", feed],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert "1 new item; 1 added, 0 changed, 0 unchanged" in rerun.stdout
    assert len(stored(home)) == 4


def test_the_background_watcher_of_rag_web_polls_and_stops(make_settings):
    from rag.assistant import Assistant
    from rag.ingest.watch import Background

    assistant = Assistant(make_settings(fetch_allow_private=True))
    lines: list[str] = []
    with news_site() as site:
        feed = site.serve(
            "/rss.xml", rss("Times", [publish(site, "Arden")]), content_type="application/rss+xml"
        )
        watcher = Background(lambda stop: assistant.ingest_urls([feed], stop=stop), 1, lines.append)
        deadline = time.monotonic() + 60
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        watcher.stop()
    assert "1 new item; 1 added" in lines[0] and "0 new items" in lines[1]
    assert [record.id for record in assistant.articles()] == [f"{site.url}/arden.html"]
