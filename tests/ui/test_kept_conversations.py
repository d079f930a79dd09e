"""Kept conversations: one file per user, never another user's, slim answers, latest first."""

from __future__ import annotations

from pathlib import Path

from ui.conversations import ConversationStore, conversation, latest, listing, title_of

MESSAGES = [{"role": "user", "content": "Who is the UN Syria envoy?"}, {"role": "assistant", "content": "…"}]
ANSWER = {
    "text": "Staffan de Mistura.",
    "citations": [{"chunk_id": "cited"}],
    "retrieved": [{"chunk_id": "cited", "text": "kept"}, {"chunk_id": "other", "text": "dropped"}],
}


def test_each_user_reads_only_their_own_conversations(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations")
    store.put("alice", conversation("c-1", MESSAGES, {}))
    store.put("../bob", conversation("c-2", MESSAGES, {}))

    assert list(store.load("alice")) == ["c-1"]
    assert list(store.load("../bob")) == ["c-2"]
    assert store.load("carol") == {}
    assert {path.parent for path in (tmp_path / "conversations").iterdir()} == {tmp_path / "conversations"}


def test_a_deleted_conversation_is_gone_and_the_others_stay(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.put("alice", conversation("c-1", MESSAGES, {}))
    store.put("alice", conversation("c-2", MESSAGES, {}))
    store.delete("alice", "c-1")
    assert list(store.load("alice")) == ["c-2"]


def test_an_answer_is_kept_with_its_cited_chunks_only() -> None:
    kept = conversation("c-1", MESSAGES, {"1": ANSWER})
    assert kept["answers"]["1"]["retrieved"] == [{"chunk_id": "cited", "text": "kept"}]
    assert kept["title"] == "Who is the UN Syria envoy?"


def test_the_latest_conversation_is_listed_first() -> None:
    older = {**conversation("c-1", MESSAGES, {}), "updated": "2026-01-01T00:00:00+00:00"}
    newer = {
        **conversation("c-2", [{"role": "user", "content": "Why Sochi?"}], {}),
        "updated": "2026-01-02T00:00:00+00:00",
    }
    conversations = {"c-1": older, "c-2": newer}
    assert listing(conversations) == [("Why Sochi?", "c-2"), ("Who is the UN Syria envoy?", "c-1")]
    assert latest(conversations) == newer
    assert latest({}) is None


def test_two_conversations_saved_within_one_second_are_listed_latest_first() -> None:
    first = conversation("c-1", MESSAGES, {})
    second = conversation("c-2", [{"role": "user", "content": "Why Sochi?"}], {})
    kept_in_seconds = {**first, "updated": first["updated"][:19] + "+00:00"}

    assert listing({"c-1": first, "c-2": second})[0] == ("Why Sochi?", "c-2")
    assert listing({"c-1": kept_in_seconds, "c-2": second})[0] == ("Why Sochi?", "c-2")


def test_a_long_first_question_is_cut_at_a_word() -> None:
    title = title_of([{"role": "user", "content": "word " * 30}])
    assert title.endswith("word…") and len(title) <= 61
