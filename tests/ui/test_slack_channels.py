"""Per-channel behaviour, feedback buttons and the per-user rate limit, over real signed HTTP.

One bot serves a few channels configured as a newsroom would in rag.toml:
one answering every question, one answering privately, one limited to an
outlet, the rest answering mentions only. Clicks and commands are posted as
Slack posts them; replies that go to a response URL land in the fake Web API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import cli
from rag.settings import Settings, SlackChannel
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_events import (
    BOT_TOKEN,
    SECRET,
    buttons,
    channel_message,
    click,
    command,
    mention,
    signed_post,
)
from tests.paths import CORPUS, ROOT
from tests.ui.conftest import STORY_QUESTION, serving, write_dated_story
from ui.slack import COMMAND, SlackBot, build_app, create_server
from ui.slack_blocks import FOLLOW, SHARE, VOTE_DOWN, VOTE_UP

RATE = 3
JULY = datetime(2024, 7, 1, 12, tzinfo=UTC).timestamp()


@dataclass
class Bot:
    url: str
    slack: FakeSlack
    bot: SlackBot
    feedback: Path

    def calls_in(self, method: str, channel: str) -> list[Call]:
        return [call for call in self.slack.named(method) if call.params.get("channel") == channel]

    def wait(self, method: str, channel: str, count: int = 1) -> list[Call]:
        deadline = time.monotonic() + 60
        while len(self.calls_in(method, channel)) < count:
            assert time.monotonic() < deadline, (
                f"no {method} in {channel}: {[c.method for c in self.slack.calls]}"
            )
            time.sleep(0.05)
        return self.calls_in(method, channel)

    def responses(self, name: str, count: int = 1) -> list[Call]:
        deadline = time.monotonic() + 60
        while (
            len(found := [c for c in self.slack.named("response") if c.params["response_url"] == name])
            < count
        ):
            assert time.monotonic() < deadline, f"nothing posted to response URL {name}"
            time.sleep(0.05)
        return found


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    slack = FakeSlack().start()
    root = tmp_path_factory.mktemp("slack-channels")
    settings = Settings(
        home=root / "home",
        feedback_path=root / "feedback.jsonl",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        slack_user_rate=RATE,
        slack_channels={
            "C-all": SlackChannel(answer="questions"),
            "C-private": SlackChannel(ephemeral=True),
            "C-ledger": SlackChannel(outlets=["Harbor Ledger"]),
        },
    )
    assistant = Assistant(settings)
    assistant.ingest([CORPUS, write_dated_story(root / "story")[0].parent])
    slack_bot = build_app(assistant)
    with serving(create_server(slack_bot)) as url:
        yield Bot(url + "/slack/events", slack, slack_bot, settings.feedback_file)
    slack.stop()


def test_channel_settings_a_mention_only_channel_ignores_plain_messages(bot: Bot) -> None:
    signed_post(bot.url, channel_message(STORY_QUESTION, channel="C-quiet", user="UQUIET"))
    signed_post(bot.url, channel_message(STORY_QUESTION, channel="C-all", user="UQUIET"))
    signed_post(bot.url, channel_message("Lunch at noon, anyone.", channel="C-all", user="UQUIET"))

    answer = bot.wait("chat.update", "C-all")[0].params
    time.sleep(1)
    assert "Kessler harbor bridge" in answer["blocks"][0]["text"]["text"]
    assert len(bot.calls_in("chat.postMessage", "C-all")) == 1, "a message that is no question is left alone"
    assert [c for c in bot.slack.calls if c.params.get("channel") == "C-quiet"] == []


def test_channel_settings_a_private_channel_answers_ephemerally_and_shares_on_request(bot: Bot) -> None:
    question = mention(STORY_QUESTION, channel="C-private", user="UPRIV")
    signed_post(bot.url, question)

    [private] = bot.wait("chat.postEphemeral", "C-private")
    assert private.params["user"] == "UPRIV"
    assert private.params["thread_ts"] == question["event"]["ts"]
    assert set(buttons(private.params["blocks"])) == {VOTE_UP, VOTE_DOWN, FOLLOW, SHARE}
    assert bot.calls_in("chat.postMessage", "C-private") == [], "nothing the channel sees before sharing"

    key = buttons(private.params["blocks"])[SHARE]
    share = click(
        SHARE,
        key,
        channel="C-private",
        message_ts=question["event"]["ts"],
        user="UPRIV",
        ephemeral=True,
        response_url=bot.slack.response_url("share"),
    )
    assert signed_post(bot.url, share)[0] == 200

    [shared] = bot.wait("chat.postMessage", "C-private")
    assert shared.params["thread_ts"] == question["event"]["ts"]
    assert shared.params["blocks"][0]["elements"][0]["text"] == "Shared by <@UPRIV>"
    assert shared.params["blocks"][1] == private.params["blocks"][0], "the same answer, for everyone"
    assert SHARE not in buttons(shared.params["blocks"])
    assert bot.responses("share")[0].params["delete_original"] is True


def test_channel_settings_a_channel_limited_to_an_outlet_cites_only_it(bot: Bot) -> None:
    signed_post(bot.url, mention(STORY_QUESTION, channel="C-ledger", user="ULEDGER", sent=JULY))
    signed_post(bot.url, mention(STORY_QUESTION, channel="C-anyone", user="ULEDGER", sent=JULY))

    limited = json.dumps(bot.wait("chat.update", "C-ledger")[0].params["blocks"])
    unlimited = json.dumps(bot.wait("chat.update", "C-anyone")[0].params["blocks"])
    assert "Coast Times, 12 Jun 2024" in unlimited, "without the limit the newer outlet is cited"
    assert "Harbor Ledger, 10 Jan 2024" in limited and "Coast Times" not in limited


def test_slack_feedback_votes_are_recorded_with_the_slack_user_and_acknowledged(bot: Bot) -> None:
    signed_post(bot.url, mention(STORY_QUESTION, channel="C-vote", user="UVOTE", sent=JULY))
    answer = bot.wait("chat.update", "C-vote")[0].params
    keys = buttons(answer["blocks"])
    assert set(keys) == {VOTE_UP, VOTE_DOWN, FOLLOW}

    for action, user, name in [(VOTE_UP, "UBOB", "up"), (VOTE_DOWN, "UCAROL", "down")]:
        vote = click(
            action,
            keys[action],
            channel="C-vote",
            message_ts=answer["ts"],
            user=user,
            response_url=bot.slack.response_url(name),
        )
        assert signed_post(bot.url, vote)[0] == 200
    up, down = bot.responses("up")[0].params, bot.responses("down")[0].params

    lines = [json.loads(line) for line in bot.feedback.read_text().splitlines()]
    assert [(line["vote"], line["slack_user"], line["door"]) for line in lines] == [
        ("up", "UBOB", "slack"),
        ("down", "UCAROL", "slack"),
    ]
    assert lines[0]["question"] == STORY_QUESTION and lines[0]["slack_channel"] == "C-vote"
    assert lines[0]["answer"] and lines[0]["citations"][0]["source"] == "Coast Times"
    assert lines[0]["settings"]["slack_user_rate"] == RATE and "slack_bot_token" not in lines[0]["settings"]
    assert up["replace_original"] is True and up["blocks"][0] == answer["blocks"][0], "acknowledged in place"
    assert "👍 Thanks <@UBOB>, your feedback is recorded." in json.dumps(up["blocks"], ensure_ascii=False)
    assert "👎 Thanks <@UCAROL>" in json.dumps(down["blocks"], ensure_ascii=False)
    assert set(buttons(up["blocks"])) == {FOLLOW}, "no second vote from the same message"


def test_slack_feedback_on_an_unknown_answer_says_so_and_records_nothing(bot: Bot) -> None:
    before = bot.feedback.read_text() if bot.feedback.exists() else ""
    vote = click(
        VOTE_UP,
        "no-such-answer",
        channel="C-vote",
        message_ts="1.0",
        response_url=bot.slack.response_url("lost"),
    )
    signed_post(bot.url, vote)

    reply = bot.responses("lost")[0].params
    assert "no longer kept; please ask again" in reply["text"] and reply["replace_original"] is False
    assert (bot.feedback.read_text() if bot.feedback.exists() else "") == before


def test_user_rate_limit_gets_a_polite_reply_and_others_are_still_answered(bot: Bot) -> None:
    for _ in range(RATE + 1):
        signed_post(bot.url, mention("Who is the UN Syria envoy?", channel="C-rate", user="UBUSY"))
    signed_post(bot.url, mention("Who is the UN Syria envoy?", channel="C-rate", user="UCALM"))

    [polite] = bot.wait("chat.postEphemeral", "C-rate")
    bot.wait("chat.update", "C-rate", count=RATE + 1)
    assert polite.params["user"] == "UBUSY"
    assert polite.params["text"].startswith(f"You have asked {RATE} questions in the last minute")
    assert "Please ask again in" in polite.params["text"]
    assert len(bot.calls_in("chat.postMessage", "C-rate")) == RATE + 1, "UBUSY's first three and UCALM's"


def test_channel_settings_the_manifest_declares_what_the_bot_listens_to() -> None:
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    events_url = manifest["settings"]["event_subscriptions"]["request_url"]

    [slash] = manifest["features"]["slash_commands"]
    assert slash["command"] == COMMAND and slash["url"] == events_url
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": events_url}
    assert {"commands", "chat:write", "channels:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"message.channels", "message.groups"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


def test_follow_story_by_button_once_and_unfollow_by_command(bot: Bot) -> None:
    question = mention(STORY_QUESTION, channel="C-desk", user="UDESK")
    signed_post(bot.url, question)
    answer = bot.wait("chat.update", "C-desk")[0].params
    key = buttons(answer["blocks"])[FOLLOW]
    for user in ("UDESK", "UOTHER"):
        follow_click = click(
            FOLLOW, key, channel="C-desk", message_ts=answer["ts"], user=user, response_url="http://unused"
        )
        assert signed_post(bot.url, follow_click)[0] == 200

    [followed] = bot.wait("chat.postMessage", "C-desk", count=2)[1:]
    number = int(followed.params["text"].split("(#")[1].split(")")[0])
    assert followed.params["thread_ts"] == question["event"]["ts"]
    assert followed.params["text"].startswith("<@UDESK> is following this story")
    for text, name in [("following", "list"), ("unfollow 999", "none"), (f"unfollow {number}", "gone")]:
        signed_post(bot.url, command(text, channel="C-desk", response_url=bot.slack.response_url(name)))
        bot.responses(name)
    signed_post(bot.url, command("", channel="C-desk", response_url=bot.slack.response_url("help")))

    time.sleep(1)
    assert len(bot.calls_in("chat.postMessage", "C-desk")) == 2, "a second click follows nothing twice"
    assert f"#{number} _{STORY_QUESTION}_ (followed by <@UDESK>)" in bot.responses("list")[0].params["text"]
    assert bot.responses("none")[0].params["text"].startswith("No followed story #999 in this channel.")
    assert bot.responses("gone")[0].params["text"] == f"Stopped following #{number}: _{STORY_QUESTION}_."
    assert bot.responses("help")[0].params["text"].startswith("`/newsbot follow <topic>`")
    assert bot.bot.store.followed("T1", "C-desk") == []


def test_channel_settings_are_read_from_rag_toml_and_a_bad_one_is_named(tmp_path: Path, monkeypatch) -> None:
    page = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    example = page.split("## Per-channel settings")[1].split("```toml\n")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rag.toml").write_text(example, encoding="utf-8")

    settings = Settings()
    assert settings.slack_user_rate == 10
    assert settings.slack_channels["C0123ABCD"] == SlackChannel(
        answer="questions", ephemeral=True, outlets=["Reuters", "AP"], digest_hour=8
    )
    assert settings.slack_channels["default"] == SlackChannel()

    (tmp_path / "rag.toml").write_text('[slack_channels.C1]\nanswer = "always"\n', encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    result = CliRunner(env=env).invoke(cli, ["slack"], prog_name="rag")
    assert result.exit_code == 1
    assert result.output.startswith("Error: setting slack_channels.C1.answer: Input should be 'mentions' or")
    assert len(result.output.strip().splitlines()) == 1
