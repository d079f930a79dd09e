"""`rag chat`: a conversation in the terminal, with the web chat's memory of earlier turns.

Each question is asked with the conversation so far, so "and who boycotted
it?" is read against the previous question, and the answer says what it was
understood as. Slash commands: /new (forget the conversation), /as-of DAY
(answer as if asked that day; /as-of alone: today), /help, /quit. At a terminal
the arrow keys walk through earlier questions (stdlib `readline`, kept in
RAG_HOME/chat-history); piped in, one question per line, no prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rag.cli import (
    answerer_option,
    as_of_option,
    friendly_errors,
    load_settings,
    open_assistant,
)
from ui.render import render_answer

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.schema import Turn

HELP = """Ask a question; follow-ups are read against the conversation.
  /new          start a new conversation
  /as-of DAY    answer as if asked on DAY (YYYY-MM-DD); /as-of alone: today
  /help         this help
  /quit         leave (so does Ctrl+D)"""
PROMPT = "you> "
HISTORY_LINES = 1000


class ChatSession:
    """One terminal conversation: the turns so far and the day questions are asked as of."""

    def __init__(self, assistant: Assistant, as_of: date | None = None) -> None:
        self.assistant = assistant
        self.as_of = as_of
        self.turns: list[Turn] = []

    def handle(self, line: str) -> str | None:
        """What to print for one input line; None to leave."""
        text = line.strip()
        if not text:
            return ""
        if text.startswith("/"):
            return self.command(text)
        return self.ask(text)

    def ask(self, question: str) -> str:
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError
        from rag.schema import Turn

        try:
            answer = self.assistant.ask(question, self.turns, as_of=self.as_of)
        except (QuestionError, StoreError) as error:
            return f"error: {error}"
        self.turns += [Turn(role="user", content=question), Turn(role="assistant", content=answer.text)]
        return render_answer(answer)

    def command(self, text: str) -> str | None:
        name, _, argument = text.partition(" ")
        if name in {"/quit", "/exit"}:
            return None
        if name == "/new":
            self.turns = []
            return "(new conversation)"
        if name == "/as-of":
            return self.set_as_of(argument.strip())
        if name == "/help":
            return HELP
        return f"error: unknown command {name!r}; /help lists them"

    def set_as_of(self, day: str) -> str:
        if not day:
            self.as_of = None
            return "(answering as of today)"
        try:
            self.as_of = date.fromisoformat(day)
        except ValueError:
            return f"error: {day!r} is not a day: write it as YYYY-MM-DD (e.g. 2024-01-05)"
        return f"(answering as of {day})"


def run(session: ChatSession, lines: Iterable[str], echo: Callable[[str], Any]) -> None:
    """Answer `lines` one by one until they end or /quit."""
    for line in lines:
        reply = session.handle(line)
        if reply is None:
            return
        if reply:
            echo(reply + "\n")


def _typed(history: Path) -> Iterable[str]:
    """Lines typed at a terminal, with readline's editing and a history kept across sessions."""
    import readline

    history.parent.mkdir(parents=True, exist_ok=True)
    if history.exists():
        readline.read_history_file(history)
    readline.set_history_length(HISTORY_LINES)
    try:
        while True:
            try:
                yield input(PROMPT)
            except EOFError:
                click.echo()
                return
    finally:
        readline.write_history_file(history)


@click.command()
@as_of_option
@answerer_option
@click.pass_context
@friendly_errors
def command(ctx: click.Context, as_of: Any, answerer: str | None) -> None:
    """Chat in the terminal: follow-ups are read against the conversation.

    Each answer cites its sentences as `rag ask` does, and says what a
    follow-up was understood as. Type /help for the commands (/new, /as-of
    DAY, /quit); the arrow keys recall earlier questions.

    \b
    Example:
      rag chat
      printf 'who is the UN Syria envoy?\\nwhat did he say?\\n' | rag chat
    """
    settings = load_settings(ctx, answerer=answerer)
    session = ChatSession(open_assistant(settings), as_of=as_of.date() if as_of else None)
    if sys.stdin.isatty():
        click.echo("Ask about the news. /help lists the commands, /quit leaves.")
        run(session, _typed(settings.home / "chat-history"), lambda text: click.echo(text, nl=False))
    else:
        run(session, sys.stdin, lambda text: click.echo(text, nl=False))
