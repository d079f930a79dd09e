"""The Slack bot (slack-bolt): mentions and DMs answered in threads, with citations.

Slack wants an acknowledgement within 3 seconds; answers can take longer. So
each event is acknowledged at once and answered on Bolt's worker threads: a
"looking…" reply goes into the thread first and is then updated with the
answer. Slack redelivers events it thinks were lost (`X-Slack-Retry-Num`);
each event id is answered once. A question is answered as of the day its
message was sent (the event's `ts`), so a redelivered or queued event, or a
thread read later, is answered as it was asked. This module formats;
`Assistant` answers.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from fastapi import FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from rag.cli import answerer_option, friendly_errors, load_settings

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.settings import Settings

Event = dict[str, Any]
logger = logging.getLogger(__name__)
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Event ids remembered to drop redeliveries; Slack retries within minutes.
SEEN_EVENTS = 10_000


class SlackSetupError(ValueError):
    """A missing token; the message names the variable to set."""


def tokens(settings: Settings, socket_mode: bool) -> tuple[str, str | None, str | None]:
    """Bot token, signing secret (HTTP mode) and app token (Socket Mode); a missing one is named."""
    bot = _required(settings, "slack_bot_token", "SLACK_BOT_TOKEN")
    if socket_mode:
        return bot, None, _required(settings, "slack_app_token", "SLACK_APP_TOKEN")
    return bot, _required(settings, "slack_signing_secret", "SLACK_SIGNING_SECRET"), None


def _required(settings: Settings, field: str, variable: str) -> str:
    secret = getattr(settings, field)
    if secret is None or not secret.get_secret_value():
        raise SlackSetupError(f"{variable} is not set: see the README's Slack section for where to find it")
    return secret.get_secret_value()


def build_app(assistant: Assistant, *, socket_mode: bool = False) -> App:
    """A Bolt app answering `app_mention` and direct messages through `assistant`."""
    settings = assistant.settings
    token, secret, _ = tokens(settings, socket_mode)
    client = WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    app = App(
        client=client,
        signing_secret=secret,
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=logger,
    )
    responder = _Responder(assistant)
    app.event("app_mention")(responder.on_mention)
    app.event("message")(responder.on_message)
    return app


class _Responder:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def on_mention(self, body: dict[str, Any], event: Event, client: WebClient, context: Any) -> None:
        if self._first_delivery(body):
            self._answer(event, client, context.bot_user_id)

    def on_message(self, body: dict[str, Any], event: Event, client: WebClient, context: Any) -> None:
        """Direct messages only; channel messages reach us as mentions."""
        if event.get("channel_type") == "im" and not event.get("subtype") and self._first_delivery(body):
            self._answer(event, client, context.bot_user_id)

    def _first_delivery(self, body: dict[str, Any]) -> bool:
        if body.get("event", {}).get("bot_id"):
            return False
        event_id = str(body.get("event_id", ""))
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        return True

    def _answer(self, event: dict[str, Any], client: WebClient, bot_user_id: str | None) -> None:
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError
        from ui.slack_blocks import HELP, LOOKING, answer_message, escape

        channel = event["channel"]
        thread = event.get("thread_ts") or event["ts"]
        question = _MENTION.sub("", event.get("text", "")).strip()
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=HELP)
            return
        looking = client.chat_postMessage(channel=channel, thread_ts=thread, text=LOOKING)
        try:
            history = self._history(client, channel, event, bot_user_id) if event.get("thread_ts") else []
            message = answer_message(self.assistant.ask(question, history, as_of=sent_at(event)))
        except (QuestionError, StoreError) as error:
            message = {"text": f":warning: {escape(str(error))}"}
        except Exception:
            logger.exception("answering a Slack question failed")
            message = {"text": ":warning: Sorry, something went wrong while answering. Please try again."}
        client.chat_update(channel=channel, ts=looking["ts"], **message)

    def _history(
        self, client: WebClient, channel: str, event: dict[str, Any], bot_user_id: str | None
    ) -> list[dict[str, str]]:
        """The thread's earlier turns, oldest first, as chat history."""
        from ui.slack_blocks import HELP, LOOKING

        replies = client.conversations_replies(channel=channel, ts=event["thread_ts"], limit=50)
        turns = []
        for message in replies.get("messages", []):
            if float(message.get("ts", 0)) >= float(event["ts"]) or message.get("text") in (LOOKING, HELP):
                continue
            from_bot = bool(message.get("bot_id")) or message.get("user") == bot_user_id
            text = _MENTION.sub("", message.get("text", "")).strip()
            if text:
                turns.append({"role": "assistant" if from_bot else "user", "content": text})
        return turns


def sent_at(event: Event) -> datetime:
    """When the message was sent, in this server's time zone: Slack's `ts` is seconds since the epoch."""
    return datetime.fromtimestamp(float(event.get("ts") or event["event_ts"]), tz=UTC).astimezone()


def create_server(app: App, assistant: Assistant) -> FastAPI:
    """FastAPI serving Slack's Events API at POST /slack/events, plus GET /health."""
    handler = SlackRequestHandler(app)
    server = FastAPI(title="Ask the news: Slack events")

    @server.post("/slack/events")
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    @server.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "chunks": assistant.store.count()}

    return server


@click.command()
@click.option("--port", type=int, help="HTTP port for Slack's Events API [RAG_SLACK_PORT; 3000].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (behind a proxy).")
@click.option("--socket", "socket_mode", is_flag=True, help="Socket Mode, not HTTP (needs SLACK_APP_TOKEN).")
@answerer_option
@click.pass_context
@friendly_errors
def command(ctx: click.Context, port: int | None, host: str, socket_mode: bool, answerer: str | None) -> None:
    """Run the Slack bot: answers mentions and DMs in threads, with cited, dated sources.

    Each question is answered as of the day its message was sent.

    \b
    HTTP mode (default) needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET and
    serves POST /slack/events; point the app's Request URL there.
    Socket Mode (--socket) needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN and no
    public URL. slack/manifest.yml creates the app in one paste.
    """
    from rag.assistant import Assistant

    settings = load_settings(ctx, slack_port=port, answerer=answerer)
    try:
        _, _, app_token = tokens(settings, socket_mode)
    except SlackSetupError as error:
        raise click.ClickException(str(error)) from None
    assistant = Assistant(settings)
    app = build_app(assistant, socket_mode=socket_mode)
    if app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        click.echo("Slack bot connected over Socket Mode (Ctrl+C stops)")
        SocketModeHandler(app, app_token).start()
        return
    import uvicorn

    click.echo(f"Slack events on http://{host}:{settings.slack_port}/slack/events (Ctrl+C stops)")
    uvicorn.run(create_server(app, assistant), host=host, port=settings.slack_port, log_level="warning")
