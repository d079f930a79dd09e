"""Incremental, crash-safe ingest into a real Chroma store with the real model."""

import json
import shutil

import pytest
from filelock import FileLock

from rag.assistant import Assistant
from rag.ingest.loaders import load_file
from rag.ingest.pipeline import NOTHING_LEFT, IngestBusyError
from tests.paths import SEED_ARTICLE

EXTRA = (
    "Kyrgyz troops\n\nKyrgyzstan was also asked to send military observers to Syria. It has not replied.\n"
)


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """A private copy of the seed corpus, with the working directory beside it."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / "sochi.txt")
    return folder


@pytest.fixture
def assistant(store_settings):
    """Each test runs on the embedded store and on a Chroma server."""
    return Assistant(store_settings)


def chunk_ids(assistant):
    return set(assistant.store.chunk_metadata())


def test_first_ingest_adds_and_a_second_embeds_nothing(assistant, corpus):
    first = assistant.ingest([corpus])
    assert (first.added, first.chunks_written) == (1, assistant.store.count())
    assert first.chunks_written >= 4
    before = chunk_ids(assistant)
    second = assistant.ingest([corpus])
    assert (second.added, second.changed, second.unchanged, second.chunks_embedded) == (0, 0, 1, 0)
    assert (first.sentences_embedded > first.chunks_written, second.sentences_embedded) == (True, 0)
    assert chunk_ids(assistant) == before


def test_after_an_ingest_a_question_costs_the_model_only_its_own_embedding(assistant, corpus):
    assistant.ingest([corpus])
    computed = assistant.embedder.computed

    answer = assistant.ask("How many participants attended the congress?")

    assert "1,500" in answer.text
    assert assistant.embedder.computed == computed  # every sentence it weighed was embedded at ingest


def test_chunk_metadata_carries_what_citations_need(assistant, corpus):
    assistant.ingest([corpus])
    meta = assistant.store.chunk_metadata()
    [article] = assistant.articles()
    assert article.id == "corpus/sochi.txt" and article.title.startswith("Syria talks yield")
    assert article.chunks == len(meta)
    [cleaned] = load_file(corpus / "sochi.txt", "corpus/sochi.txt")
    for chunk in assistant.store.get(ids=list(meta)):
        assert chunk.id.startswith(f"corpus/sochi.txt::{article.content_hash}::")
        assert cleaned.text[chunk.metadata["start"] : chunk.metadata["end"]] == chunk.text


def test_an_edited_article_replaces_its_chunks_and_leaves_no_stale_ones(assistant, corpus):
    assistant.ingest([corpus])
    old = chunk_ids(assistant)
    path = corpus / "sochi.txt"
    path.write_text(path.read_text().replace("1,500", "1,600"))
    report = assistant.ingest([corpus])
    assert (report.changed, report.added) == (1, 0)
    assert report.chunks_embedded == 1, "only the chunk whose text changed costs model time"
    new = chunk_ids(assistant)
    assert not old & new
    texts = " ".join(chunk.text for chunk in assistant.store.get(ids=list(new)))
    assert "1,600" in texts and "1,500" not in texts


def test_a_deleted_article_disappears_and_a_new_one_appears(assistant, corpus):
    assistant.ingest([corpus])
    (corpus / "sochi.txt").unlink()
    (corpus / "kyrgyz.txt").write_text(EXTRA)
    report = assistant.ingest([corpus])
    assert (report.added, report.removed) == (1, 1)
    assert [a.id for a in assistant.articles()] == ["corpus/kyrgyz.txt"]
    assert {m["article_id"] for m in assistant.store.chunk_metadata().values()} == {"corpus/kyrgyz.txt"}


def test_no_prune_keeps_articles_whose_files_are_gone(assistant, corpus):
    assistant.ingest([corpus])
    (corpus / "sochi.txt").unlink()
    report = assistant.ingest([corpus], prune=False)
    assert report.removed == 0 and len(assistant.articles()) == 1


def test_ingesting_one_file_does_not_prune_the_rest(assistant, corpus):
    (corpus / "kyrgyz.txt").write_text(EXTRA)
    assistant.ingest([corpus])
    report = assistant.ingest([corpus / "kyrgyz.txt"])
    assert (report.unchanged, report.removed) == (1, 0)
    assert len(assistant.articles()) == 2


def test_bad_files_are_reported_and_change_nothing(assistant, corpus):
    assistant.ingest([corpus])
    before = chunk_ids(assistant)
    (corpus / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus / "latin.txt").write_bytes("Título\n\nAñadido.".encode("latin-1"))
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    report = assistant.ingest([corpus])
    assert {s.path.rsplit("/", 1)[-1]: s.reason.split(" (")[0] for s in report.skipped} == {
        "image.txt": "binary file, not text",
        "latin.txt": "not UTF-8 text",
        "notes.docx": "unsupported file type .docx",
    }
    assert (report.unchanged, report.removed, report.chunks_written) == (1, 0, 0)
    assert chunk_ids(assistant) == before


def test_a_file_that_becomes_unreadable_keeps_its_indexed_version(assistant, corpus):
    assistant.ingest([corpus])
    (corpus / "sochi.txt").write_bytes(b"\xff\xfe broken")
    report = assistant.ingest([corpus])
    assert report.removed == 0 and len(report.skipped) == 1
    assert len(assistant.articles()) == 1


FURNITURE = "If you're already a subscriber, thank you! Sign up for our newsletter to get more."


def test_an_article_that_cleans_to_nothing_is_reported_and_its_indexed_version_kept(assistant, corpus):
    (corpus / "kyrgyz.txt").write_text(EXTRA)
    assistant.ingest([corpus])
    before = chunk_ids(assistant)
    (corpus / "kyrgyz.txt").write_text(f"Kyrgyz troops\n\n{FURNITURE}\n")
    (corpus / "promo.txt").write_text(f"Subscribe\n\n{FURNITURE}\n")
    (corpus / "wire.jsonl").write_text(
        json.dumps({"title": "Kyrgyz reply", "text": EXTRA})
        + "\n"
        + json.dumps({"title": "Ad", "text": FURNITURE})
    )

    report = assistant.ingest([corpus])

    assert {s.path: s.reason for s in report.skipped} == {
        "corpus/kyrgyz.txt": NOTHING_LEFT,
        "corpus/promo.txt": NOTHING_LEFT,
        "corpus/wire.jsonl#2": NOTHING_LEFT,
    }
    assert (report.added, report.changed, report.unchanged, report.removed) == (1, 0, 1, 0)
    assert before < chunk_ids(assistant)  # the wire's first record added, nothing of kyrgyz.txt lost


def test_a_missing_path_raises_before_the_store_is_touched(assistant, corpus):
    assistant.ingest([corpus])
    before = chunk_ids(assistant)
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        assistant.ingest([corpus, corpus / "missing"])
    assert chunk_ids(assistant) == before


def test_an_interrupted_ingest_is_finished_by_the_next_run(assistant, corpus):
    assistant.ingest([corpus])
    ids = sorted(chunk_ids(assistant))
    assistant.store.delete(ids[:2])
    report = assistant.ingest([corpus])
    assert (report.changed, report.chunks_written, report.chunks_embedded) == (1, len(ids), 0)
    assert sorted(chunk_ids(assistant)) == ids


def test_a_second_concurrent_ingest_is_refused_with_a_clear_message(assistant, corpus, make_settings):
    lock = FileLock(make_settings().home / "ingest.lock")
    with lock, pytest.raises(IngestBusyError, match="another ingest"):
        assistant.ingest([corpus])
    assert assistant.store.count() == 0


def test_remove_article(assistant, corpus):
    assistant.ingest([corpus])
    assert assistant.remove_article("corpus/sochi.txt") >= 4
    assert assistant.store.count() == 0 and assistant.articles() == []


def test_a_question_is_answered_from_either_store(assistant, corpus):
    assistant.ingest([corpus])
    answer = assistant.ask("why did Putin move talks from Astana?")
    assert not answer.abstained and "Kazakhstan" in answer.text
    assert all(citation.article_id == "corpus/sochi.txt" for citation in answer.citations)


def test_switching_the_embedding_backend_re_embeds_every_article(assistant, corpus, store_settings):
    assistant.ingest([corpus])
    int8 = Assistant(store_settings.with_overrides(embedding_backend="onnx-int8"))
    report = int8.ingest([corpus])
    assert (report.changed, report.chunks_embedded) == (1, int8.store.count())
    embeddings = {meta["embedding"] for meta in int8.store.chunk_metadata().values()}
    assert embeddings == {"all-MiniLM-L6-v2-int8"}


def test_the_segments_encoding_reads_each_chunk_once_and_leaves_every_sentence_in_the_cache(
    make_settings, corpus
):
    """Opt-in (`ingest_encoding = "segments"`): the title and each sentence are read once, alone, and the
    chunk's vector is their mean, so the sentences cost no pass of their own, at ingest or at ask."""
    segments = Assistant(make_settings(ingest_encoding="segments"))
    report = segments.ingest([corpus])
    assert report.sentences_embedded > report.chunks_written
    assert segments.embedder.computed == report.chunks_written, "one pass per chunk, none per sentence"

    answer = segments.ask("How many participants attended the congress?")

    assert "1,500" in answer.text
    assert segments.embedder.computed == report.chunks_written


def test_switching_the_encoding_re_embeds_every_article_and_switching_back_does_too(
    assistant, corpus, store_settings
):
    assistant.ingest([corpus])
    chunks = assistant.store.count()
    # Back to "chunk", the cache still holds each chunk's whole-text vector: no model time.
    for encoding, embedding, computed in [
        ("segments", "all-MiniLM-L6-v2+segments", chunks),
        ("chunk", "all-MiniLM-L6-v2", 0),
    ]:
        switched = Assistant(store_settings.with_overrides(ingest_encoding=encoding))
        report = switched.ingest([corpus])
        assert (report.changed, report.chunks_written, report.chunks_embedded) == (1, chunks, computed)
        assert {meta["embedding"] for meta in switched.store.chunk_metadata().values()} == {embedding}
