"""The on-disk BM25 index: same vocabulary as the bm25s index it replaced, upserts, deletes,
filters, and commits made by another process seen by a reader that is already open."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import bm25s
import pytest

from rag.components.lexical_store import LexicalRow, LexicalStore, index_terms
from rag.text.terms import STOPWORDS, stemmer
from tests.paths import ROOT, SEED_ARTICLE


def test_terms_are_the_ones_the_bm25s_index_counted() -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8") + " Talvora's 1,500 naïve e-mail a I U.N."
    [expected] = bm25s.tokenize(
        [text], stopwords=STOPWORDS, stemmer=stemmer(), show_progress=False, return_ids=False
    )
    assert index_terms(text) == expected


@pytest.fixture
def store(tmp_path: Path) -> LexicalStore:
    lexical = LexicalStore(tmp_path / "lexical")
    lexical.upsert(
        [
            LexicalRow("comet::0", "The comet Talvora was named by the Elbrin observatory", "Wire", 20260301),
            LexicalRow("meteor::0", "A meteor shower lights the sky over Elbrin", "Gazette", 20250101),
            LexicalRow("budget::0", "The budget passed the senate"),
        ]
    )
    return lexical


def test_the_best_match_comes_first_and_unmatched_chunks_never_come(store: LexicalStore) -> None:
    hits = store.search("Which comet did Elbrin name?", 10)
    assert [id_ for id_, _ in hits] == ["comet::0", "meteor::0"]
    assert hits[0][1] > hits[1][1] > 0
    assert store.search("the of and", 10) == []


def test_an_upsert_replaces_the_chunk_and_a_delete_removes_it(store: LexicalStore) -> None:
    store.upsert([LexicalRow("comet::0", "A new budget for the observatory")])
    assert store.count() == 3
    assert store.search("Talvora", 5) == []
    assert {id_ for id_, _ in store.search("budget", 5)} == {"comet::0", "budget::0"}
    store.delete(["budget::0", "not-there::0"])
    assert store.ids() == {"comet::0", "meteor::0"}


def test_source_and_days_filter_inside_the_search(store: LexicalStore) -> None:
    assert [id_ for id_, _ in store.search("Elbrin", 5, source="Gazette")] == ["meteor::0"]
    assert [id_ for id_, _ in store.search("Elbrin", 5, days=(20260101, 20261231))] == ["comet::0"]
    assert [id_ for id_, _ in store.search("Elbrin", 5, days=(20240101, 20251231))] == ["meteor::0"]
    # A chunk with no day counts as day 0: inside a window open at its start, outside any other.
    assert [id_ for id_, _ in store.search("budget", 5, days=(0, 20250101))] == ["budget::0"]
    assert store.search("budget", 5, days=(20240101, 20261231)) == []


def test_any_of_several_outlets_filters_inside_the_search(store: LexicalStore) -> None:
    both = {id_ for id_, _ in store.search("Elbrin", 5, outlets=("Gazette", "Wire"))}
    assert both == {"comet::0", "meteor::0"}
    assert [id_ for id_, _ in store.search("Elbrin", 5, outlets=("Wire", "Herald"))] == ["comet::0"]
    assert store.search("budget", 5, outlets=("Wire",)) == [], "a chunk without an outlet is none of them"


def test_a_narrow_window_finds_its_few_chunks_among_many_that_match_the_words(tmp_path: Path) -> None:
    lexical = LexicalStore(tmp_path / "lexical")
    lexical.upsert(
        LexicalRow(f"old-{n}::0", f"Storm report {n}: the storm closed roads", "Wire", 20200101 + n % 28)
        for n in range(3000)
    )
    lexical.upsert([LexicalRow("new::0", "The storm closed the harbor road", "Wire", 20260301)])

    assert [id_ for id_, _ in lexical.search("storm roads", 10, days=(20260224, 20260302))] == ["new::0"]


def test_an_open_reader_sees_what_another_process_commits(store: LexicalStore) -> None:
    assert store.search("Vostrel", 5) == []
    code = (
        "from pathlib import Path; from rag.components.lexical_store import LexicalRow, LexicalStore; "
        f"LexicalStore(Path({str(store.path)!r})).upsert([LexicalRow('new::0', 'Vostrel wins the vote')])"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert [id_ for id_, _ in store.search("Vostrel", 5)] == ["new::0"]


def test_a_second_writer_waits_for_the_first_instead_of_failing(store: LexicalStore) -> None:
    held = store.index.writer(heap_size=15_000_000, num_threads=1)
    releaser = threading.Timer(0.5, lambda: (held.commit(), held.wait_merging_threads()))
    releaser.start()
    started = time.monotonic()
    LexicalStore(store.path).upsert([LexicalRow("late::0", "Vostrel")])
    assert time.monotonic() - started >= 0.4
    assert [id_ for id_, _ in store.search("Vostrel", 5)] == ["late::0"]
