"""Browser chat (Gradio): streams `Assistant.stream` and renders citations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from rag.cli import friendly_errors, load_settings, render_answer

if TYPE_CHECKING:
    import gradio as gr

    from rag.assistant import Assistant

EXAMPLES = [
    "why did Putin move talks from Astana?",
    "Who boycotted the Sochi congress?",
    "How many people took part in the congress?",
]


def build_app(assistant: Assistant) -> gr.ChatInterface:
    import gradio as gr

    from rag.assistant import QuestionError
    from rag.schema import Answer

    def respond(message: str, history: list[dict[str, Any]]) -> Iterator[str]:
        turns = [{"role": turn["role"], "content": str(turn["content"])} for turn in history]
        text = ""
        try:
            for item in assistant.stream(message, turns):
                if isinstance(item, Answer):
                    yield render_answer(item)
                else:
                    text += item
                    yield text
        except QuestionError as error:
            yield f"⚠️ {error}"

    return gr.ChatInterface(respond, title="Ask the news", examples=EXAMPLES)


@click.command()
@click.option("--host", help="Interface to bind [RAG_WEB_HOST; 127.0.0.1].")
@click.option("--port", type=int, help="Port [RAG_WEB_PORT; 7860].")
@click.pass_context
@friendly_errors
def command(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the browser chat (127.0.0.1 only unless --host says otherwise)."""
    from rag.assistant import Assistant

    settings = load_settings(ctx, web_host=host, web_port=port)
    app = build_app(Assistant(settings))
    app.queue(default_concurrency_limit=4)
    app.launch(server_name=settings.web_host, server_port=settings.web_port)
