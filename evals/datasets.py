"""Q&A sets in the formats people have: this project's JSONL, RAGAS-style records, CSV.

A JSONL record may also be a conversation: `turns`, each with its `question`,
gold `answers` (optional for a turn that only sets the scene) and, for a
follow-up, its `standalone` form (the same question asked with no history).
Every format becomes a list of `EvalCase`. A malformed record stops the load
with `DatasetError` naming the file and line, so a typo never silently drops
a question from a score.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


class DatasetError(ValueError):
    """A dataset that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class EvalTurn:
    """One turn of a conversation record: asked after the turns before it, with the assistant's answers."""

    question: str
    answers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    unanswerable: bool = False
    # The same question as it would be asked with no conversation before it.
    standalone: str | None = None


@dataclass(frozen=True)
class EvalCase:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    # Sentences of the articles, or article ids, that hold the answer.
    evidence: list[str] = field(default_factory=list)
    unanswerable: bool = False
    history: list[dict[str, str]] = field(default_factory=list)
    # When the question was asked: "this week" means the week before it; nothing later is used.
    as_of: date | None = None
    # A conversation: replayed turn by turn (`question` is its first turn's).
    turns: list[EvalTurn] = field(default_factory=list)


def load_dataset(path: Path) -> list[EvalCase]:
    """Cases from a .jsonl (project or RAGAS keys) or .csv file."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [(number, row) for number, row in enumerate(csv.DictReader(handle), start=2)]
    elif path.suffix.lower() in (".jsonl", ".json"):
        rows = list(_json_lines(path))
    else:
        raise DatasetError(f"{path}: unknown dataset format {path.suffix!r}; use .jsonl or .csv")
    cases = [_case(record, f"{path}:{line}", index) for index, (line, record) in enumerate(rows)]
    if not cases:
        raise DatasetError(f"{path}: no questions in it")
    ids = [case.id for case in cases]
    duplicates = sorted({id_ for id_ in ids if ids.count(id_) > 1})
    if duplicates:
        raise DatasetError(f"{path}: duplicate ids {', '.join(duplicates)}")
    return cases


def _json_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DatasetError(f"{path}:{number}: expected a JSON object")
        out.append((number, record))
    return out


def _case(record: dict[str, Any], where: str, index: int) -> EvalCase:
    if "turns" in record:
        return _conversation(record, where, index)
    question = record.get("question") or record.get("user_input")
    if not isinstance(question, str) or not question.strip():
        raise DatasetError(f"{where}: no question")
    answers = record.get("answers", record.get("ground_truth", record.get("reference", [])))
    evidence = record.get("evidence", record.get("contexts", record.get("reference_contexts", [])))
    history = record.get("history") or []
    if isinstance(history, str):
        history = _parsed(history, where, "history")
    return EvalCase(
        id=str(record.get("id") or f"q{index + 1}"),
        question=question.strip(),
        answers=_strings(answers, where, "answers"),
        evidence=_strings(evidence, where, "evidence"),
        unanswerable=_flag(record.get("unanswerable", False), where),
        history=[{"role": str(turn["role"]), "content": str(turn["content"])} for turn in history],
        as_of=_date(record.get("as_of") or record.get("asked_at"), where),
    )


def _conversation(record: dict[str, Any], where: str, index: int) -> EvalCase:
    turns = record["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(turn, dict) for turn in turns):
        raise DatasetError(f"{where}: turns must be a non-empty list of objects")
    parsed = []
    for number, turn in enumerate(turns, start=1):
        question = turn.get("question")
        if not isinstance(question, str) or not question.strip():
            raise DatasetError(f"{where}: turn {number} has no question")
        standalone = turn.get("standalone")
        if standalone is not None and (not isinstance(standalone, str) or not standalone.strip()):
            raise DatasetError(f"{where}: turn {number}: standalone must be a question")
        parsed.append(
            EvalTurn(
                question=question.strip(),
                answers=_strings(turn.get("answers", []), where, f"turn {number} answers"),
                evidence=_strings(turn.get("evidence", []), where, f"turn {number} evidence"),
                unanswerable=_flag(turn.get("unanswerable", False), where),
                standalone=standalone.strip() if standalone else None,
            )
        )
    return EvalCase(
        id=str(record.get("id") or f"c{index + 1}"),
        question=parsed[0].question,
        as_of=_date(record.get("as_of") or record.get("asked_at"), where),
        turns=parsed,
    )


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise DatasetError(f"{where}: as_of/asked_at must be an ISO date like 2024-01-05") from None


def _strings(value: Any, where: str, name: str) -> list[str]:
    if isinstance(value, str):
        value = _parsed(value, where, name) if value.startswith("[") else [value] if value else []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DatasetError(f"{where}: {name} must be a string or a list of strings")
    return value


def _parsed(text: str, where: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise DatasetError(f"{where}: {name} is not valid JSON") from None


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "1", "yes"):
        return True
    if str(value).strip().lower() in ("false", "0", "no", ""):
        return False
    raise DatasetError(f"{where}: unanswerable must be true or false")
