"""The Slack bot (slack-bolt): mentions and DMs answered in threads, with citations and buttons.

Slack wants an acknowledgement within 3 seconds; answers can take longer. So
each event is acknowledged at once and answered on Bolt's worker threads: a
"looking…" reply goes into the thread first and is then updated with the
answer. Slack redelivers events it thinks were lost (`X-Slack-Retry-Num`);
each event id is answered once. A question is answered as of the day its
message was sent (the event's `ts`), so a redelivered or queued event, or a
thread read later, is answered as it was asked.

Each channel's behaviour comes from `slack_channels` in the settings (answer
mentions only or every question, privately with "Share with channel", from
some outlets only, a daily digest); each user may ask `slack_user_rate`
questions a minute. Under every answer: 👍 / 👎 (written to the web chat's
feedback file) and "Follow this story"; `/newsbot follow|following|unfollow`
does the same by command. Followed stories get their updates from
`StoryWatch` (ui/slack_watch.py). This module wires and formats; `Assistant`
answers and `rag.updates` decides what is new.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from fastapi import FastAPI, Request, Response
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from rag.cli import answerer_option, friendly_errors, load_settings
from ui.access import UserRate

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.schema import Answer
    from rag.settings import Settings, SlackChannel
    from ui.slack_store import SlackStore
    from ui.slack_watch import StoryWatch

Event = dict[str, Any]
logger = logging.getLogger(__name__)
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Event ids remembered to drop redeliveries; Slack retries within minutes.
SEEN_EVENTS = 10_000
COMMAND = "/newsbot"


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


@dataclass
class SlackBot:
    """The Bolt app, the database it remembers in, and the loop that posts followed stories' updates."""

    app: App
    assistant: Assistant
    store: SlackStore
    watch: StoryWatch

    def start(self) -> None:
        self.watch.start()

    def stop(self) -> None:
        self.watch.stop()
        self.store.close()


def build_app(assistant: Assistant, *, socket_mode: bool = False) -> SlackBot:
    """A Bolt app answering mentions, DMs and (where a channel asks for it) questions, with buttons."""
    from ui.slack_blocks import FOLLOW, SHARE, VOTE_DOWN, VOTE_UP
    from ui.slack_store import SlackStore
    from ui.slack_watch import StoryWatch

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
    store = SlackStore(settings.slack_path)
    responder = _Responder(assistant, store)
    app.event("app_mention")(responder.on_mention)
    app.event("message")(responder.on_message)
    app.command(COMMAND)(responder.on_command)
    app.action(VOTE_UP)(responder.on_vote)
    app.action(VOTE_DOWN)(responder.on_vote)
    app.action(FOLLOW)(responder.on_follow)
    app.action(SHARE)(responder.on_share)
    return SlackBot(app, assistant, store, StoryWatch(assistant, store, client))


def channel_settings(settings: Settings, channel: str) -> SlackChannel:
    """A channel's own settings, else the `default` entry, else the defaults (mentions only)."""
    from rag.settings import SlackChannel

    return settings.slack_channels.get(channel) or settings.slack_channels.get("default") or SlackChannel()


class _Responder:
    def __init__(self, assistant: Assistant, store: SlackStore) -> None:
        from ui.feedback import FeedbackLog

        self.assistant = assistant
        self.settings = assistant.settings
        self.store = store
        self.rate = UserRate(self.settings.slack_user_rate)
        self.feedback = FeedbackLog(self.settings.feedback_file)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    # events
    def on_mention(self, body: dict[str, Any], event: Event, client: WebClient, context: Any) -> None:
        if self._first_delivery(body):
            self._answer(_team(body), event, client, context.bot_user_id)

    def on_message(self, body: dict[str, Any], event: Event, client: WebClient, context: Any) -> None:
        """Direct messages; in a channel set to `questions`, every question not addressed to the bot.

        A message that mentions the bot also arrives as `app_mention` and is answered there.
        """
        if event.get("subtype") or not self._wanted(event, context.bot_user_id):
            return
        if self._first_delivery(body):
            self._answer(_team(body), event, client, context.bot_user_id)

    def _wanted(self, event: Event, bot_user_id: str | None) -> bool:
        if event.get("channel_type") == "im":
            return True
        text = event.get("text") or ""
        if bot_user_id and f"<@{bot_user_id}" in text:
            return False
        asks_all = channel_settings(self.settings, event.get("channel", "")).answer == "questions"
        return asks_all and text.rstrip().endswith("?")

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

    def _answer(self, team: str, event: dict[str, Any], client: WebClient, bot_user_id: str | None) -> None:
        from ui.slack_blocks import HELP, LOOKING

        channel, user = event["channel"], event.get("user", "")
        thread = event.get("thread_ts") or event["ts"]
        question = _MENTION.sub("", event.get("text", "")).strip()
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=HELP)
            return
        wait = self.rate.wait(user)
        if wait:
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread, text=self._slow_down(wait)
            )
            return
        private = channel_settings(self.settings, channel).ephemeral and event.get("channel_type") != "im"
        looking = (
            None if private else client.chat_postMessage(channel=channel, thread_ts=thread, text=LOOKING)
        )
        where = {"team": team, "channel": channel, "thread": thread, "user": user}

        def history() -> list[dict[str, str]]:
            return self._history(client, channel, event, bot_user_id) if event.get("thread_ts") else []

        message, _ = self._answered(question, history, sent_at(event), where, private)
        if looking is None:
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, **message)
        else:
            client.chat_update(channel=channel, ts=looking["ts"], **message)

    def _answered(
        self,
        question: str,
        history: Callable[[], list[dict[str, str]]],
        as_of: datetime | None,
        where: dict[str, str],
        private: bool,
    ) -> tuple[dict[str, Any], str | None]:
        """The answer as a message with its buttons and the key they carry, or the one line that says
        why there is no answer (and no key)."""
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError
        from rag.query.filters import Filters
        from rag.updates.story import follow
        from ui.slack_blocks import answer_actions, answer_message, escape

        outlets = tuple(channel_settings(self.settings, where["channel"]).outlets)
        try:
            stamp = self.assistant.seen_ingest()
            answer = self.assistant.ask(question, history(), as_of=as_of, filters=Filters(outlets=outlets))
            story = follow(answer, outlets).to_json()
            key = self.store.keep_answer(answer, **where, stamp=stamp, story=story)
            return answer_message(answer, answer_actions(key, private=private)), key
        except (QuestionError, StoreError) as error:
            return {"text": f":warning: {escape(str(error))}"}, None
        except Exception:
            logger.exception("answering a Slack question failed")
            return {"text": ":warning: Sorry, something went wrong while answering. Please try again."}, None

    def _slow_down(self, wait: float) -> str:
        return (
            f"You have asked {self.rate.per_minute} questions in the last minute, the most I answer for "
            f"one person. Please ask again in {max(1, round(wait))} seconds; thank you for your patience."
        )

    def _history(
        self, client: WebClient, channel: str, event: dict[str, Any], bot_user_id: str | None
    ) -> list[dict[str, str]]:
        """The thread's earlier turns, oldest first, as chat history."""
        from ui.slack_blocks import HELP, LOOKING

        replies = client.conversations_replies(channel=channel, ts=event["thread_ts"], limit=50)
        messages: list[dict[str, Any]] = replies.get("messages", [])
        turns = []
        for message in messages:
            if float(message.get("ts", 0)) >= float(event["ts"]) or message.get("text") in (LOOKING, HELP):
                continue
            from_bot = bool(message.get("bot_id")) or message.get("user") == bot_user_id
            text = _MENTION.sub("", message.get("text", "")).strip()
            if text:
                turns.append({"role": "assistant" if from_bot else "user", "content": text})
        return turns

    # buttons
    def on_vote(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """👍 / 👎: one line in the feedback file (as the web chat writes), then a thank-you in place."""
        from ui.slack_blocks import VOTE_UP, answer_actions, answer_message

        ack()
        action, user = body["actions"][0], body["user"]["id"]
        kept = self._kept(action["value"], respond)
        if kept is None:
            return
        answer, where = kept
        liked = action["action_id"] == VOTE_UP
        self.feedback.record(
            liked, answer, self.settings, door="slack", slack_user=user, slack_channel=where["channel"]
        )
        private = bool(body.get("container", {}).get("is_ephemeral"))
        actions = answer_actions(action["value"], private=private, vote=(liked, user))
        respond(replace_original=True, **answer_message(answer, actions))

    def on_follow(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Follow the story of the answer under which the button was pressed, in that answer's thread."""
        ack()
        kept = self._kept(body["actions"][0]["value"], respond)
        if kept is None:
            return
        self._follow(kept[1], body["user"]["id"], client)

    def _follow(self, where: dict[str, Any], user: str, client: WebClient) -> None:
        """Subscribe `user` to the story of a kept answer, in its thread; said once in that thread."""
        from rag.updates.story import Story
        from ui.slack_blocks import followed_message

        story = Story.from_json(where["story"])
        team, channel, thread = where["team"], where["channel"], where["thread"]
        number, new = self.store.follow(team, channel, thread, user, story, where["stamp"])
        if new:
            client.chat_postMessage(
                channel=channel, thread_ts=thread, text=followed_message(number, story.question, user)
            )

    def on_share(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Post a private answer for the channel to see (in its thread), and remove the private copy."""
        from ui.slack_blocks import answer_actions, answer_message, escape

        ack()
        key, user = body["actions"][0]["value"], body["user"]["id"]
        kept = self._kept(key, respond)
        if kept is None:
            return
        answer, where = kept
        message = answer_message(answer, answer_actions(key))
        shared = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{escape(user)}>"}]}
        message["blocks"] = [shared, *message["blocks"]]
        client.chat_postMessage(channel=where["channel"], thread_ts=where["thread"], **message)
        respond(delete_original=True)

    def _kept(self, key: str, respond: Respond) -> tuple[Answer, dict[str, Any]] | None:
        from ui.slack_store import ANSWER_DAYS

        kept = self.store.answer(key)
        if kept is None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=f"That answer is older than {ANSWER_DAYS} days and no longer kept; please ask again.",
            )
        return kept

    # /newsbot follow <topic> | following | unfollow <n>
    def on_command(self, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        from ui.slack_blocks import COMMAND_HELP, escape

        ack()
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        team, channel, user = command["team_id"], command["channel_id"], command["user_id"]
        topic = rest.strip()
        if verb == "follow" and topic:
            self._follow_topic(team, channel, user, topic, client, respond)
        elif verb == "following" and not topic:
            respond(text=self._following(team, channel))
        elif verb == "unfollow" and topic.lstrip("#").isdigit():
            gone = self.store.unfollow(team, channel, int(topic.lstrip("#")))
            if gone is None:
                respond(
                    text=f"No followed story #{topic.lstrip('#')} in this channel. "
                    + self._following(team, channel)
                )
            else:
                respond(text=f"Stopped following #{gone.id}: _{escape(gone.story.question)}_.")
        else:
            respond(text=COMMAND_HELP)

    def _follow_topic(
        self, team: str, channel: str, user: str, topic: str, client: WebClient, respond: Respond
    ) -> None:
        """Answer `topic` in a new message of the channel and follow it in that message's thread."""
        from slack_sdk.errors import SlackApiError

        wait = self.rate.wait(user)
        if wait:
            respond(text=self._slow_down(wait))
            return
        where = {"team": team, "channel": channel, "thread": "", "user": user}
        message, key = self._answered(topic, list, None, where, private=False)
        if key is None:
            respond(text=message["text"])
            return
        try:
            posted = client.chat_postMessage(channel=channel, **message)
        except SlackApiError as error:
            reason = error.response.get("error", "")
            hint = " Invite me first: `/invite @newsbot`." if reason == "not_in_channel" else ""
            respond(text=f"I could not post in this channel ({reason}).{hint}")
            return
        self._follow(self.store.place_answer(key, thread=posted["ts"]), user, client)

    def _following(self, team: str, channel: str) -> str:
        from ui.slack_blocks import escape

        followed = self.store.followed(team, channel)
        if not followed:
            return (
                "No story is followed in this channel: `/newsbot follow <topic>` "
                "or a *Follow this story* button."
            )
        lines = [
            f"#{item.id} _{escape(item.story.question)}_ (followed by <@{item.user}>)" for item in followed
        ]
        return "Followed in this channel:\n" + "\n".join(lines) + "\n`/newsbot unfollow <n>` stops one."


def _team(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or body.get("team", {}).get("id") or "")


def sent_at(event: Event) -> datetime:
    """When the message was sent, in this server's time zone: Slack's `ts` is seconds since the epoch."""
    return datetime.fromtimestamp(float(event.get("ts") or event["event_ts"]), tz=UTC).astimezone()


def create_server(bot: SlackBot) -> FastAPI:
    """FastAPI serving Slack's Events API, interactivity and slash commands at POST /slack/events, plus
    GET /health; the followed-stories loop runs while it serves."""
    handler = SlackRequestHandler(bot.app)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        bot.start()
        try:
            yield
        finally:
            bot.stop()

    server = FastAPI(title="Ask the news: Slack events", lifespan=lifespan)

    @server.post("/slack/events")
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    @server.get("/health")
    def health() -> dict[str, Any]:
        return asdict(bot.assistant.health())

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

    Each question is answered as of the day its message was sent. Followed
    stories get their updates in their threads while the bot runs.

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
    bot = build_app(Assistant(settings), socket_mode=socket_mode)
    if app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        click.echo("Slack bot connected over Socket Mode (Ctrl+C stops)")
        bot.start()
        try:
            SocketModeHandler(bot.app, app_token).start()
        finally:
            bot.stop()
        return
    import uvicorn

    click.echo(f"Slack events on http://{host}:{settings.slack_port}/slack/events (Ctrl+C stops)")
    uvicorn.run(create_server(bot), host=host, port=settings.slack_port, log_level="warning")
