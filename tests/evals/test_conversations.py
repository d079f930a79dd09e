"""Conversations in `rag eval`: replayed with the assistant's own answers, each follow-up scored
beside the same question asked standalone; and the shipped conversation sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.conversations import format_conversations
from evals.datasets import DatasetError, load_dataset
from evals.run import run_eval
from rag.assistant import Assistant
from tests.paths import ROOT
from tests.two_stories import AS_OF, BRIDGE_QUESTION

TUNING_SET = ROOT / "evals" / "datasets" / "conversations.jsonl"
HELD_OUT_SET = ROOT / "evals" / "datasets" / "conversations-held-out.jsonl"
CONVERSATION = {
    "id": "bridge",
    "as_of": AS_OF.isoformat(),
    "turns": [
        {"question": BRIDGE_QUESTION, "answers": ["Meridian"]},
        {
            "question": "How many people died?",
            "answers": ["Six construction workers"],
            "standalone": "How many people died in the Harlan Bay Bridge collapse?",
        },
        {"question": "What did the governor say?", "standalone": "What did the Port Ardent governor say?"},
    ],
}


def write_jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_a_conversation_is_replayed_with_the_assistant_s_own_answers(
    two_stories_assistant: Assistant, tmp_path: Path
) -> None:
    dataset = write_jsonl(tmp_path / "conversation.jsonl", CONVERSATION)

    results, summary = run_eval(two_stories_assistant, load_dataset(dataset), dataset)

    by_id = {result["id"]: result for result in results}
    # turn 3 has no gold answers: asked (it is history for nothing here) but not scored
    assert list(by_id) == ["bridge#1", "bridge#2", "bridge#2/standalone"]
    follow_up = by_id["bridge#2"]
    assert follow_up["history"][0] == {"role": "user", "content": BRIDGE_QUESTION}
    assert follow_up["history"][1]["content"] == by_id["bridge#1"]["answer"]
    assert follow_up["metrics"]["contains_answer"] == 1.0
    assert follow_up["answered_from"] == "focus"
    assert by_id["bridge#2/standalone"]["history"] == []
    assert by_id["bridge#2/standalone"]["alone"] is True
    # the headline counts what users get: the replayed turns, not the standalone forms
    assert summary["counts"]["questions"] == 2
    table = summary["conversations"]
    assert table["rows"]["follow-ups"]["n"] == table["rows"]["follow-ups asked standalone"]["n"] == 1
    assert table["rows"]["follow-ups"]["contains_answer"] == 1.0
    assert "follow-ups asked standalone" in format_conversations(table)


def test_a_dataset_without_conversations_has_no_conversation_table(
    two_stories_assistant: Assistant, tmp_path: Path
) -> None:
    dataset = write_jsonl(tmp_path / "plain.jsonl", {"question": BRIDGE_QUESTION, "answers": ["Meridian"]})

    _, summary = run_eval(two_stories_assistant, load_dataset(dataset), dataset)

    assert summary["conversations"] is None
    assert format_conversations(summary["conversations"]) == ""


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": "c", "turns": []}, "turns must be a non-empty list"),
        ({"id": "c", "turns": "How many died?"}, "turns must be a non-empty list"),
        ({"id": "c", "turns": [{"answers": ["6"]}]}, "turn 1 has no question"),
        (
            {"id": "c", "turns": [{"question": "Why?"}, {"question": "Who?", "standalone": ""}]},
            "turn 2: standalone",
        ),
        ({"id": "c", "turns": [{"question": "Why?", "answers": 6}]}, "turn 1 answers must be a string"),
    ],
)
def test_a_malformed_conversation_names_file_and_line(
    tmp_path: Path, record: dict[str, object], message: str
) -> None:
    dataset = write_jsonl(tmp_path / "bad.jsonl", {"question": "fine?"}, record)

    with pytest.raises(DatasetError, match=rf"bad.jsonl:2: {message}"):
        load_dataset(dataset)


@pytest.mark.parametrize(("dataset", "years"), [(TUNING_SET, {"2020", "2021"}), (HELD_OUT_SET, {"2022"})])
def test_the_shipped_conversation_sets_are_what_the_issue_asks_for(dataset: Path, years: set[str]) -> None:
    cases = load_dataset(dataset)

    assert {case.as_of.isoformat()[:4] for case in cases if case.as_of} == years
    for case in cases:
        assert 2 <= len(case.turns) <= 4, case.id
        assert all(turn.answers for turn in case.turns), case.id
        assert any(turn.standalone for turn in case.turns[1:]), case.id
        assert case.turns[0].standalone is None, case.id


def test_the_two_sets_hold_at_least_sixty_conversations_a_third_of_them_held_out() -> None:
    sizes = Counter({path.name: len(load_dataset(path)) for path in (TUNING_SET, HELD_OUT_SET)})

    assert sum(sizes.values()) >= 60
    assert sizes[HELD_OUT_SET.name] >= 0.25 * sum(sizes.values())
