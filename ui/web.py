"""Browser chat (Gradio 6 on FastAPI): streams `Assistant.stream`, shows cited sources.

One `Assistant` serves every browser; Gradio's queue bounds how many answers
run at once. The FastAPI app around Gradio adds `/health` for load balancers.
Every question is asked as of a day: today, or the one typed in the "as of"
box (or passed to `/ask`), so nothing published later is used. Everything
here renders what `Assistant` returns: no retrieval, no answering.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
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
SOURCES_PLACEHOLDER = '<div class="sources"><p>Sources of the latest answer appear here.</p></div>'


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Gradio app: a Chat tab and a Corpus tab."""
    from ui.examples import corpus_examples
    from ui.feedback import FeedbackLog

    settings = assistant.settings
    feedback = FeedbackLog(settings.feedback_file)
    chat = _ChatHandlers(assistant, feedback)
    corpus = _CorpusHandlers(assistant)

    with gr.Blocks(title="Ask the news") as app:
        answers = gr.State({})
        gr.Markdown(
            "## Ask the news\nShort answers; every sentence cites the article sentence it came from, "
            "with its outlet and date."
        )
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Ask the news",
                    elem_id="chat",
                    height=520,
                    placeholder="Ask a question about the indexed articles. Every sentence of the "
                    "answer cites the article sentence it came from.",
                )
                question = gr.Textbox(
                    placeholder="Ask about the articles…",
                    show_label=False,
                    elem_id="question",
                    submit_btn=True,
                )
                with gr.Row(equal_height=True):
                    as_of = gr.Textbox(
                        label="As of",
                        placeholder="YYYY-MM-DD (empty = today)",
                        info="Answer as if asked on this day: nothing published later is used.",
                        max_lines=1,
                        elem_id="as-of",
                        scale=1,
                        min_width=220,
                    )
                    examples = settings.web_examples or corpus_examples(assistant.articles())
                    if examples:
                        with gr.Column(scale=2):
                            gr.Examples(examples, inputs=question, label="Try")
            with gr.Column(scale=2):
                sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="sources")
                with gr.Row(equal_height=True):
                    event_choice = gr.Dropdown(
                        choices=[],
                        label="The event of a source",
                        info="Its articles, outlets and dates, and its timeline.",
                        elem_id="event-choice",
                        scale=3,
                    )
                    show_event = gr.Button("Open the event", elem_id="open-event", scale=1)
                event_view = gr.HTML(elem_id="event-view")
                top_k = gr.Slider(
                    1,
                    20,
                    value=settings.top_k,
                    step=1,
                    label="Chunks retrieved per question",
                    elem_id="top-k",
                )
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

        question.submit(
            chat.respond,
            [question, chatbot, top_k, as_of, answers],
            [chatbot, sources, answers, question],
            api_name="respond",
        ).then(chat.events, [answers], [event_choice])
        show_event.click(chat.event, [event_choice, answers, as_of], [event_view], api_name="event")
        chatbot.like(chat.vote, [answers], None)

        # Gradio injects a progress tracker through this default; it follows the ingest's tqdm bar.
        def add_files(files: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> Any:  # noqa: B008
            return corpus.add(files)

        upload.upload(add_files, [upload], [status, table, doomed, upload], api_name="upload")
        remove.click(corpus.remove, [doomed], [status, table, doomed], api_name="remove")
        gr.api(chat.ask, api_name="ask")
    return app


class _ChatHandlers:
    def __init__(self, assistant: Assistant, feedback: Any) -> None:
        self.assistant = assistant
        self.feedback = feedback

    def respond(
        self,
        message: str,
        history: list[dict[str, Any]],
        top_k: float,
        as_of: str | None,
        answers: dict[str, Any],
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat as of `as_of` (empty: today); the sources panel follows."""
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError
        from rag.schema import Answer
        from ui.render import answer_markdown, markdown_text, sources_html

        turns = [{"role": turn["role"], "content": _plain(turn["content"])} for turn in history]
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": "…"}]
        text = ""
        try:
            for item in self.assistant.stream(message, turns, k=int(top_k), as_of=as_of_day(as_of)):
                if isinstance(item, Answer):
                    history[-1]["content"] = answer_markdown(item)
                    answers = {**answers, str(len(history) - 1): item.model_dump(mode="json")}
                    yield history, sources_html(item), answers, ""
                else:
                    text += item
                    history[-1]["content"] = markdown_text(text)
                    yield history, gr.skip(), answers, ""
        except (QuestionError, StoreError) as error:
            history[-1]["content"] = f"⚠️ {markdown_text(str(error))}"
            yield history, gr.skip(), answers, message  # kept in the box, to be fixed and sent again

    def events(self, answers: dict[str, Any]) -> gr.Dropdown:
        """The events of the latest answer's sources, to open one: "[1] Reported by 3 outlets: …"."""
        from rag.schema import Answer

        latest = _latest(answers)
        if latest is None:
            return gr.Dropdown(choices=[], value=None)
        answer = Answer.model_validate(latest)
        choices = [
            (f"{''.join(f'[{n}]' for n in item.sources)} {item.line}", item.event_id)
            for item in answer.coverage
        ]
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    def event(self, event_id: str | None, answers: dict[str, Any], as_of: str | None) -> str:
        """One event: its articles (outlet, date), then the latest question's timeline within it."""
        from rag.assistant import QuestionError
        from rag.query.filters import Filters
        from rag.schema import Answer
        from ui.render import event_html, timeline_html

        latest = _latest(answers)
        if not event_id or latest is None:
            return "<p>Ask a question first, then choose the event of one of its sources.</p>"
        answer = Answer.model_validate(latest)
        coverage = next((item for item in answer.coverage if item.event_id == event_id), None)
        if coverage is None:
            return "<p>That event is not among the latest answer's sources.</p>"
        try:
            timeline = self.assistant.ask(
                answer.standalone_question,
                filters=Filters(event=event_id),
                as_of=as_of_day(as_of),
                timeline=True,
            )
        except QuestionError as error:
            return f"<p>⚠️ {html.escape(str(error))}</p>"
        return event_html(coverage) + timeline_html(timeline)

    def vote(self, answers: dict[str, Any], data: gr.LikeData) -> None:
        """Store a thumbs up or down with the answer it judges."""
        from rag.schema import Answer

        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        stored = answers.get(str(index))
        if stored is not None and data.liked is not None:
            self.feedback.record(bool(data.liked), Answer.model_validate(stored), self.assistant.settings)

    def ask(
        self,
        question: str,
        k: int = 5,
        history: list[dict[str, str]] | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """The whole `Answer` as JSON, for `gradio_client` and scripts; `as_of`: YYYY-MM-DD, or today."""
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError

        try:
            answer = self.assistant.ask(question, history or [], k=k, as_of=as_of_day(as_of))
            return answer.model_dump(mode="json")
        except (QuestionError, StoreError) as error:
            return {"error": str(error)}


def as_of_day(text: str | None) -> date | None:
    """The day typed in the "as of" box; None (today) when empty. Raises `QuestionError` if not a day."""
    from rag.assistant import QuestionError

    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise QuestionError(
            f"the as-of date {text.strip()!r} is not a day: write it as YYYY-MM-DD "
            "(e.g. 2024-01-05), or leave it empty for today"
        ) from None


def _latest(answers: dict[str, Any]) -> dict[str, Any] | None:
    """The newest answer of the conversation (answers are keyed by their message index)."""
    return answers[max(answers, key=int)] if answers else None


def _plain(content: Any) -> str:
    return content if isinstance(content, str) else str(content)


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
        return {"status": "ok", "chunks": assistant.store.count()}

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
    `as_of` on the /ask API. The example questions are the newest headlines.

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
