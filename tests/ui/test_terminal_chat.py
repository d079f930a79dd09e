"""`rag chat` driven through a pipe over a real store: a conversation, its commands, its errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import CODE_PATH, CORPUS, ROOT
from tests.ui.conftest import CLOSED_DATELINE, REOPENED_DATELINE, STORY_QUESTION, write_dated_story

FIRST = "Why does Kazakhstan refuse to send troops to Syria?"
FOLLOW_UP = "who is their foreign minister?"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped article and the dated bridge story (closed in January, reopened in June)."""
    home = tmp_path_factory.mktemp("chat-home")
    write_dated_story(home / "bridge")
    chat(home, [], "ingest", "--quiet", str(CORPUS), str(home / "bridge"))
    return home


def chat(home: Path, lines: list[str], *command: str) -> subprocess.CompletedProcess[str]:
    """`rag --home HOME chat` (or `command`) with `lines` piped to it, this worktree's code first."""
    env = {**os.environ, "PYTHONPATH": CODE_PATH, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "rag", "--home", str(home), *(command or ["chat"])],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_a_follow_up_is_read_against_the_conversation_and_says_how(home: Path) -> None:
    out = chat(home, [FIRST, FOLLOW_UP]).stdout
    first, _, second = out.partition("Understood as: ")
    assert "Understood as" not in first
    assert first.strip(), "the first question is answered"
    understood = second.splitlines()[0]
    assert understood == "Who is Kazakhstan's foreign minister?"  # "their" named from the first answer
    assert "Kairat Abdrakhmanov" in second


def test_new_forgets_the_conversation(home: Path) -> None:
    out = chat(home, [FIRST, "/new", FOLLOW_UP]).stdout
    assert "(new conversation)" in out
    assert "Understood as" not in out


def test_as_of_keeps_later_articles_out_and_a_bad_day_is_one_line(home: Path) -> None:
    out = chat(home, ["/as-of 2024-03-01", "/as-of March 1st", STORY_QUESTION, "/quit", FIRST]).stdout
    lines = out.splitlines()
    assert lines[0] == "(answering as of 2024-03-01)"
    assert lines[1] == "error: 'March 1st' is not a day: write it as YYYY-MM-DD (e.g. 2024-01-05)"
    assert "Articles up to 1 Mar 2024." in out
    assert f"({CLOSED_DATELINE})" in out
    assert REOPENED_DATELINE not in out, "the reopening was published after the as-of day"
    assert "Kazakhstan" not in out, "nothing after /quit is asked"


def test_help_lists_the_commands_and_an_unknown_one_is_named(home: Path) -> None:
    out = chat(home, ["/help", "/nope"]).stdout
    for name in ("/new", "/as-of DAY", "/help", "/quit"):
        assert name in out
    assert out.splitlines()[-1] == "error: unknown command '/nope'; /help lists them"


def test_at_a_terminal_the_up_arrow_recalls_the_last_question_and_history_is_kept(home: Path) -> None:
    import pty
    import select
    import time

    main, side = pty.openpty()
    readable = select.poll()  # not select(): this process may hold more than 1,024 files by now
    readable.register(main, select.POLLIN)
    env = {**os.environ, "PYTHONPATH": CODE_PATH, "HF_HUB_OFFLINE": "1", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", "--home", str(home), "chat"],
        stdin=side,
        stdout=side,
        stderr=side,
        cwd=ROOT,
        env=env,
        close_fds=True,
    )
    os.close(side)
    seen = b""

    def read_until(marker: bytes, count: int) -> None:
        nonlocal seen
        deadline = time.monotonic() + 300
        while seen.count(marker) < count:
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
            if readable.poll(500):
                seen += os.read(main, 65536)

    read_until(b"you> ", 1)
    os.write(main, b"Who is the UN Syria envoy?\r")
    read_until(b"you> ", 2)
    os.write(main, b"\x1b[A\r")  # up arrow, Enter: the same question again
    read_until(b"you> ", 3)
    os.write(main, b"/quit\r")
    assert process.wait(timeout=60) == 0
    os.close(main)
    assert seen.count(b"Staffan de Mistura") >= 2
    assert "Who is the UN Syria envoy?" in (home / "chat-history").read_text()
