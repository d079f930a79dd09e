"""Browser chat (Gradio 6 on FastAPI): the Chat tab (`ui.web_chat`) and the Corpus tab.

One `Assistant` serves every browser; Gradio's queue bounds how many answers
run at once. The FastAPI app around Gradio adds `/health` for load balancers.
Every question is asked as of a day: today, or the one typed in the "as of"
box (or passed to `/ask`), so nothing published later is used. Conversations
are kept: in the browser without logins, on the server per user with them
(`ui.conversations`). Everything here renders what `Assistant` returns: no
retrieval, no answering.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import gradio as gr

from rag.cli import answerer_option, friendly_errors, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rag.assistant import Assistant

ARTICLE_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
CSS = """
.sources mark { background: #fde68a; padding: 0 2px; }
.sources .source { margin-bottom: 1em; }
.sources .source-meta { color: #6b7280; }
.sources blockquote { margin: .4em 0 0 0; padding-left: .8em; border-left: 3px solid #d1d5db; }
.event .source-meta { color: #6b7280; }
"""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Gradio app: a Chat tab (`ui.web_chat`) and a Corpus tab."""
    from ui.examples import corpus_examples
    from ui.web_chat import chat_tab

    settings = assistant.settings
    corpus = _CorpusHandlers(assistant)

    with gr.Blocks(title="Ask the news") as app:
        gr.Markdown(
            "## Ask the news\nShort answers; every sentence cites the article sentence it came from, "
            "with its outlet and date."
        )
        with gr.Tab("Chat"):
            chat_tab(app, assistant, settings.web_examples or corpus_examples(assistant.articles()))
        with gr.Tab("Corpus"):
            rows, ids = corpus.listing()
            table = gr.Dataframe(
                value=rows,
                headers=list(corpus.HEADERS),
                interactive=False,
                elem_id="articles",
                wrap=True,
            )
            upload = gr.File(
                label="Add articles (.txt, .md, .html, .json, .jsonl)",
                file_count="multiple",
                file_types=ARTICLE_TYPES,
                elem_id="upload",
            )
            status = gr.Markdown(elem_id="corpus-status")
            with gr.Row():
                doomed = gr.Dropdown(choices=ids, label="Remove an article", elem_id="remove-choice")
                remove = gr.Button("Remove", variant="stop", elem_id="remove")

        # Gradio injects a progress tracker through this default; it follows the ingest's tqdm bar.
        def add_files(files: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> Any:  # noqa: B008
            return corpus.add(files)

        upload.upload(add_files, [upload], [status, table, doomed, upload], api_name="upload")
        remove.click(corpus.remove, [doomed], [status, table, doomed], api_name="remove")
    return app


class _CorpusHandlers:
    HEADERS = ("title", "published", "chunks", "id")

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def rows(self) -> list[list[Any]]:
        return [
            [record.title, record.published or "", record.chunks, record.id]
            for record in self.assistant.articles()
        ]

    def listing(self) -> tuple[list[list[Any]], list[str]]:
        """The article table and the ids to offer for removal, from one read of the store."""
        rows = self.rows()
        return rows, [row[3] for row in rows]

    def refreshed(self) -> tuple[list[list[Any]], gr.Dropdown]:
        rows, ids = self.listing()
        return rows, gr.Dropdown(choices=ids, value=None)

    def add(self, files: list[str] | None) -> tuple[Any, ...]:
        """Index uploaded files now; each is reported, a bad one never stops the rest."""
        from tqdm import tqdm

        from rag.ingest.uploads import UploadError

        lines = []
        for file in files or []:
            path = Path(file)
            try:
                saved, report = self.assistant.add_upload(
                    path.name, path.read_bytes(), progress=lambda total: tqdm(total=total, desc="indexing")
                )
            except UploadError as error:
                lines.append(f"- ⚠️ {error}")
            else:
                lines.append(f"- `{saved.name}`: {report.summary()}")
        return "\n".join(lines), *self.refreshed(), None

    def remove(self, article_id: str | None) -> tuple[Any, ...]:
        if not article_id:
            return "Choose an article to remove.", *self.refreshed()
        removed = self.assistant.remove_article(article_id)
        return (
            f"Removed `{article_id}` ({removed} chunks). Its file stays in the corpus folder.",
            *self.refreshed(),
        )


def _watcher(assistant: Assistant) -> Any:
    """`rag watch` in a background thread, over the feeds of the settings."""
    from rag.ingest.watch import Background

    feeds = assistant.settings.feeds
    if not feeds:
        raise click.UsageError("--watch needs feeds: list them in rag.toml (feeds = [...]) or RAG_FEEDS")
    click.echo(f"watching {len(feeds)} feed(s) every {assistant.settings.poll_interval:g}s")
    return Background(
        lambda stop: assistant.ingest_urls(feeds, stop=stop), assistant.settings.poll_interval, click.echo
    )


def create_server(assistant: Assistant, api: bool = True) -> FastAPI:
    """FastAPI with `/health`, the OpenAI-compatible API at `/v1` (its own bearer keys, see
    `ui.openai_api`) unless `api` is False, and the chat at `/` (basic auth when configured)."""
    from fastapi import FastAPI

    from ui.openai_api import build_api

    settings = assistant.settings
    server = FastAPI(title="Ask the news")

    @server.get("/health")
    def health() -> dict[str, Any]:
        return asdict(assistant.health())

    if api:
        server.mount("/v1", build_api(assistant))
    app = build_app(assistant).queue(default_concurrency_limit=settings.web_concurrency)
    auth = None
    if settings.web_auth is not None:
        user, _, password = settings.web_auth.get_secret_value().partition(":")
        auth = (user, password)
    return gr.mount_gradio_app(server, app, path="/", auth=auth, css=CSS, footer_links=["api"])


@click.command()
@click.option("--host", help="Interface to bind [RAG_WEB_HOST; 127.0.0.1]. 0.0.0.0 exposes the chat.")
@click.option("--port", type=int, help="Port [RAG_WEB_PORT; 7860].")
@answerer_option
@click.option(
    "--watch", is_flag=True, help="Also poll the feeds of rag.toml / RAG_FEEDS, as `rag watch` does."
)
@click.pass_context
@friendly_errors
def command(
    ctx: click.Context, host: str | None, port: int | None, answerer: str | None, watch: bool
) -> None:
    """Serve the browser chat, with a Corpus tab for uploads and removals.

    Every quoted sentence shows its outlet and date; the "As of" box
    (YYYY-MM-DD, empty = today) answers as if asked on that day, and so does
    `as_of` on the /ask API (`history` there takes the earlier turns). The
    example questions ask about the newest stories. Conversations are kept
    across reloads and listed: in the browser's storage, or with a login on
    the server, one file per user under RAG_HOME/conversations.

    \b
    Binds 127.0.0.1 unless told otherwise. Settings:
      RAG_WEB_AUTH=user:password   ask for a login
      RAG_WEB_CONCURRENCY=4        answers computed at once
      RAG_FEEDBACK_PATH=...        where thumbs up/down are appended (JSONL)
      RAG_FEEDS='["https://…/feed.xml"]' with --watch: keep those feeds indexed
    GET /health answers {"status": "ok", ...} for load balancers. The OpenAI-compatible API
    (see `rag api --help`) is served at /v1; off a loopback host it needs RAG_API_KEY.
    """
    import uvicorn

    from rag.assistant import Assistant
    from ui.access import AccessError, check_binding

    settings = load_settings(ctx, web_host=host, web_port=port, answerer=answerer)
    assistant = Assistant(settings)
    try:
        click.echo(check_binding(settings.web_host, settings.api_keys, "OpenAI-compatible API at /v1"))
        api = True
    except AccessError as error:
        click.echo(f"{error}; /v1 is not served", err=True)
        api = False
    server = create_server(assistant, api=api)
    watcher = _watcher(assistant) if watch else None
    click.echo(f"Chat on http://{settings.web_host}:{settings.web_port}  (Ctrl+C stops)")
    uvicorn.run(server, host=settings.web_host, port=settings.web_port, log_level="warning")
    if watcher is not None:
        watcher.stop()
