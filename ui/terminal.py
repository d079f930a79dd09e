"""`rag ask`, `rag timeline`, `rag compare`: one answer printed in the terminal.

Plain text (`ui.render.render_answer`: the answer, numbered sources with their
quotes) or, with --json, the whole `Answer`. Printing is this door's job, so
these commands live here and register under `rag.commands` (pyproject.toml)
like the other doors; `rag/cli.py` keeps the corpus commands and the shared flags.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from rag.cli import (
    answerer_option,
    as_of_option,
    friendly_errors,
    load_settings,
    open_assistant,
    reader_option,
)
from ui.render import render_answer

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.query.filters import Filters
    from rag.schema import Answer


@click.command()
@click.argument("question")
@click.option("-k", "top_k", type=click.IntRange(1, 50), help="Chunks to retrieve [RAG_TOP_K; 5].")
@click.option("--source", help="Only articles from this source.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published on or before.")
@as_of_option
@answerer_option
@reader_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole Answer object as JSON.")
@click.pass_context
@friendly_errors
def ask(
    ctx: click.Context,
    question: str,
    top_k: int | None,
    source: str | None,
    since: Any,
    until: Any,
    as_of: Any,
    answerer: str | None,
    reader: bool | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing each sentence.

    Time words are read against the as-of day (today unless --as-of):
    "this week", "yesterday", "in March 2024", "since June", "3 days ago".
    Nothing published after the as-of day is used; without time words newer
    articles are preferred, more so for "latest", "current", "still".

    \b
    Example:
      rag ask "why did Putin move talks from Astana?"
      rag ask --as-of 2024-01-05 "Two planes collided on a runway this week. Where?"
      rag ask -k 8 --since 2018-01-01 "who boycotted the Sochi congress?" --json
      RAG_LLM_BASE_URL=http://127.0.0.1:8000/v1 rag ask --answerer openai "why did Putin move talks?"
    """
    from rag.query.filters import Filters

    settings = load_settings(ctx, top_k=top_k, answerer=answerer, reader=reader)
    filters = Filters(source=source, since=_day(since), until=_day(until))
    assistant = open_assistant(settings)
    if as_json or settings.answerer == "extractive":
        answer = assistant.ask(question, filters=filters, as_of=_day(as_of))
    else:
        answer = _streamed(assistant, question, filters, _day(as_of))
    click.echo(answer.model_dump_json(indent=2) if as_json else render_answer(answer))


@click.command()
@click.argument("topic")
@click.option("--source", help="Only articles from this source.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published on or after.")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole Answer object as JSON.")
@click.pass_context
@friendly_errors
def timeline(
    ctx: click.Context, topic: str, source: str | None, since: Any, as_of: Any, as_json: bool
) -> None:
    """How TOPIC unfolded: one dated, cited sentence per day, oldest first.

    Each line is a sentence quoted from an article published that day. In
    `rag ask` and the chat, "How did X unfold?", "timeline of X" and "what
    changed since June?" give the same list.

    \b
    Example:
      rag timeline "Gaza ceasefire talks"
      rag timeline --since 2024-01-01 --as-of 2024-06-30 "the bridge closure"
    """
    from rag.query.filters import Filters

    assistant = open_assistant(load_settings(ctx))
    answer = assistant.ask(
        topic, filters=Filters(source=source, since=_day(since)), as_of=_day(as_of), timeline=True
    )
    click.echo(answer.model_dump_json(indent=2) if as_json else render_answer(answer))


@click.command()
@click.argument("topic")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole Answer object as JSON.")
@click.pass_context
@friendly_errors
def compare(ctx: click.Context, topic: str, as_of: Any, as_json: bool) -> None:
    """How the outlets that covered TOPIC's event reported it, every line a cited quote.

    One line per outlet (its best sentence), then what they share, then where
    they differ: figures given differently for the same thing side by side
    ("Daily Post: 12 dead [1] · Evening Star: at least 14 dead [2]"), or what
    only one outlet says. In `rag ask` and the chat, "How did outlets report
    X?", "Do the sources disagree on X?" and "compare coverage of X" give the same.

    \b
    Example:
      rag compare "the Yellowstone flooding"
      rag compare --as-of 2022-07-10 "Shinzo Abe shooting"
    """
    assistant = open_assistant(load_settings(ctx))
    answer = assistant.ask(topic, as_of=_day(as_of), compare=True)
    click.echo(answer.model_dump_json(indent=2) if as_json else render_answer(answer))


def _streamed(assistant: Assistant, question: str, filters: Filters, as_of: date | None) -> Answer:
    """A model's words on stderr as it writes them (unverified, dimmed); the verified Answer returned."""
    from rag.schema import Answer

    click.secho("model (unverified): ", err=True, dim=True, nl=False)
    for item in assistant.stream(question, filters=filters, as_of=as_of):
        if isinstance(item, Answer):
            click.echo(err=True)
            return item
        click.secho(item, err=True, dim=True, nl=False)
    raise RuntimeError("the answer stream ended without an Answer")


def _day(value: Any) -> date | None:
    return value.date() if value else None
