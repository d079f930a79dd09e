"""The Slack bot over real signed HTTP, talking to a fake Slack Web API on loopback.

Events are posted exactly as Slack posts them (tests/fakes/slack_events.py). What the bot
says goes through its real WebClient to the fake, which records it. The bot's
store holds the seed article and the dated bridge story, so the message's own
timestamp decides which bridge article may be cited.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import cli
from rag.settings import Settings
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import BOT_TOKEN, SECRET, mention, signed_post
from tests.paths import CORPUS, ROOT
from tests.ui.conftest import CLOSED_DATELINE, REOPENED_DATELINE, STORY_QUESTION, serving, write_dated_story
from ui.slack import build_app, create_server, sent_at
from ui.slack_blocks import HELP, LOOKING

SEED_QUESTION = "why did Putin move talks from Astana?"
ARTIFACTS = ROOT / "tests" / "artifacts"


@dataclass
class Bot:
    url: str
    slack: FakeSlack
    assistant: Assistant


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    slack = FakeSlack().start()
    settings = Settings(
        home=tmp_path_factory.mktemp("slack-home"),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        slack_user_rate=0,  # these tests send many questions as one user; the limit has its own tests
    )
    assistant = Assistant(settings)
    story = write_dated_story(tmp_path_factory.mktemp("slack-story"))[0].parent
    assistant.ingest([CORPUS, story])
    with serving(create_server(build_app(assistant))) as url:
        yield Bot(url + "/slack/events", slack, assistant)
    slack.stop()


def updates_in(bot: Bot, channel: str) -> list:
    return [call for call in bot.slack.named("chat.update") if call.params["channel"] == channel]


def wait_for_update(bot: Bot, channel: str) -> dict:
    deadline = time.monotonic() + 60
    while not updates_in(bot, channel):
        assert time.monotonic() < deadline, f"no answer in {channel}: {[c.method for c in bot.slack.calls]}"
        time.sleep(0.05)
    return updates_in(bot, channel)[-1].params


def test_the_url_verification_challenge_is_echoed(bot: Bot) -> None:
    status, body, _ = signed_post(bot.url, {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV"})

    assert status == 200
    assert json.loads(body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_a_mention_gets_looking_then_the_cited_answer_in_its_thread(bot: Bot) -> None:
    payload = mention(SEED_QUESTION, channel="C-seed")
    started = time.perf_counter()
    status, _, ack_seconds = signed_post(bot.url, payload)

    update = wait_for_update(bot, "C-seed")
    answer_seconds = time.perf_counter() - started
    assert status == 200
    [looking] = [c for c in bot.slack.named("chat.postMessage") if c.params["channel"] == "C-seed"]
    assert looking.params["text"] == LOOKING
    assert looking.params["thread_ts"] == payload["event"]["ts"]
    assert looking.token == f"Bearer {BOT_TOKEN}"
    section, source = update["blocks"][0], update["blocks"][2]
    assert section["text"]["text"].startswith("Convinced that Kazakhstan was trying to prove its political")
    assert section["text"]["text"].endswith("[1]")
    assert source["type"] == "context"
    assert source["elements"][0]["text"].startswith("*[1]* *Syria talks yield minimal results")
    assert "Putin decided to move the negotiations to Sochi" in source["elements"][1]["text"]
    ARTIFACTS.mkdir(exist_ok=True)
    timings = {"ack_seconds": round(ack_seconds, 3), "answer_seconds": round(answer_seconds, 3)}
    (ARTIFACTS / "slack_timings.json").write_text(json.dumps(timings))
    print(f"\nSlack seed question: ack {ack_seconds * 1000:.0f} ms, answer {answer_seconds:.2f} s")


def test_a_direct_message_is_answered_and_an_empty_mention_gets_help(bot: Bot) -> None:
    dm = mention("Who is the UN Syria envoy?", channel="D-dm")
    dm["event"] |= {"type": "message", "channel_type": "im", "text": "Who is the UN Syria envoy?"}
    signed_post(bot.url, dm)
    signed_post(bot.url, mention("", channel="C-help"))

    assert "Staffan de Mistura" in wait_for_update(bot, "D-dm")["blocks"][0]["text"]["text"]
    bot.slack.wait_for("chat.postMessage", count=1)
    deadline = time.monotonic() + 30
    while not [c for c in bot.slack.named("chat.postMessage") if c.params["channel"] == "C-help"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    [help_reply] = [c for c in bot.slack.named("chat.postMessage") if c.params["channel"] == "C-help"]
    assert help_reply.params["text"] == HELP


@pytest.mark.parametrize(
    ("secret", "age"), [("forged-secret", 0), (SECRET, 6 * 60)], ids=["forged signature", "stale timestamp"]
)
def test_forged_or_stale_requests_are_refused_and_nothing_is_posted(bot: Bot, secret: str, age: int) -> None:
    before = len(bot.slack.calls)
    status, _, _ = signed_post(bot.url, mention(SEED_QUESTION, channel="C-forged"), secret=secret, age=age)

    assert status == 401
    time.sleep(1)
    assert len(bot.slack.calls) == before


def test_a_retried_delivery_is_answered_once(bot: Bot) -> None:
    payload = mention("Where was the conference held?", channel="C-retry")
    signed_post(bot.url, payload)
    status, _, _ = signed_post(bot.url, payload, retry=1)

    wait_for_update(bot, "C-retry")
    time.sleep(1)
    assert status == 200
    assert len(updates_in(bot, "C-retry")) == 1
    assert len([c for c in bot.slack.named("chat.postMessage") if c.params["channel"] == "C-retry"]) == 1


def test_a_429_is_retried_after_retry_after_and_the_answer_still_arrives(bot: Bot) -> None:
    bot.slack.rate_limited["chat.update"] = 1
    signed_post(bot.url, mention("Who read out Putin's statement?", channel="C-429"))

    update = wait_for_update(bot, "C-429")
    assert "Sergey Lavrov" in update["blocks"][0]["text"]["text"]
    assert [c.method for c in bot.slack.calls].count("chat.update (429)") == 1


def test_a_follow_up_in_a_thread_uses_the_thread_s_history(bot: Bot) -> None:
    first = mention("Why does Kazakhstan refuse to send troops to Syria?", channel="C-thread")
    thread_ts = first["event"]["ts"]
    bot.slack.add_user_message(thread_ts, thread_ts, first["event"]["text"])
    signed_post(bot.url, first)
    wait_for_update(bot, "C-thread")
    bot.slack.threads[thread_ts][-1]["text"] = "Kazakhstan’s refusal stems from political instability. [1]"

    follow_up = mention("who is their foreign minister?", channel="C-thread", thread_ts=thread_ts)
    bot.slack.add_user_message(thread_ts, follow_up["event"]["ts"], follow_up["event"]["text"])
    signed_post(bot.url, follow_up)

    deadline = time.monotonic() + 60
    while len(updates_in(bot, "C-thread")) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    understood, body = updates_in(bot, "C-thread")[-1].params["blocks"][:2]
    assert understood["elements"][0]["text"] == "Understood as: _Who is Kazakhstan's foreign minister?_"
    assert "Kairat Abdrakhmanov" in body["text"]["text"]
    assert any(c.method == "conversations.replies" and c.params["ts"] == thread_ts for c in bot.slack.calls)


def at_noon_utc(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("sent", "cited", "not_cited"),
    [(date(2024, 3, 1), CLOSED_DATELINE, REOPENED_DATELINE), (date(2024, 7, 1), REOPENED_DATELINE, None)],
    ids=["sent between the two articles", "sent after both"],
)
def test_a_question_is_answered_as_of_the_day_its_message_was_sent(
    bot: Bot, sent: date, cited: str, not_cited: str | None
) -> None:
    channel = f"C-asof-{sent.isoformat()}"
    signed_post(bot.url, mention(STORY_QUESTION, channel=channel, sent=at_noon_utc(sent)))

    blocks = wait_for_update(bot, channel)["blocks"]
    posted = json.dumps(blocks, ensure_ascii=False)
    answer, timeframe, first_source = blocks[0], blocks[1], blocks[2]
    assert "Kessler harbor bridge" in answer["text"]["text"]
    assert timeframe["elements"][0]["text"] == f"Articles up to {sent.day} {sent:%b %Y}."
    assert first_source["elements"][0]["text"].endswith(f"* · {cited}")
    assert not_cited is None or not_cited not in posted


def test_the_event_timestamp_is_read_as_the_day_it_was_sent_here() -> None:
    event = {"ts": "1704456000.000200", "event_ts": "1704456000.000200"}

    assert sent_at(event) == datetime(2024, 1, 5, 12, 0, 0, 200, tzinfo=UTC)
    assert sent_at({"event_ts": "1704456000.000200"}) == datetime(2024, 1, 5, 12, 0, 0, 200, tzinfo=UTC)


def test_a_timeline_answer_has_one_line_per_date_and_dated_sources() -> None:
    from rag.schema import Answer, Citation, Claim, Source, Timeframe
    from ui.slack_blocks import answer_message

    lines = ["10 Jan 2024: The bridge closed. [1]", "12 Jun 2024: The bridge reopened. [2]"]
    message = answer_message(
        Answer(
            question="How did the bridge story unfold?",
            standalone_question="How did the bridge story unfold?",
            text=" ".join(lines),
            claims=[Claim(text=line, citations=[index]) for index, line in enumerate(lines)],
            citations=[
                Citation(
                    number=n, article_id=a, title=a, chunk_id=a, quote=q, start=0, end=len(q), published=p
                )
                for n, a, q, p in [
                    (1, "a", "The bridge closed.", "2024-01-10"),
                    (2, "b", "The bridge reopened.", "2024-06-12"),
                ]
            ],
            sources=[
                Source(
                    number=1, article_id="a", title="Closed", source="Harbor <Ledger>", published="2024-01-10"
                ),
                Source(
                    number=2, article_id="b", title="Reopened", source="Coast Times", published="2024-06-12"
                ),
            ],
            timeframe=Timeframe(as_of=date(2024, 7, 1), since=date(2024, 1, 1), until=date(2024, 7, 1)),
            timeline=True,
        )
    )

    body, timeframe, closed, reopened = message["blocks"]
    assert body["text"]["text"].splitlines() == lines
    assert timeframe["elements"][0]["text"] == "Articles from 1 Jan 2024 to 1 Jul 2024."
    assert closed["elements"][0]["text"] == "*[1]* *Closed* · Harbor &lt;Ledger&gt;, 10 Jan 2024"
    assert reopened["elements"][0]["text"] == "*[2]* *Reopened* · Coast Times, 12 Jun 2024"


def test_markup_in_an_article_is_escaped_before_it_reaches_slack(tmp_path: Path) -> None:
    from rag.schema import Answer, Citation, Claim, Source
    from ui.slack_blocks import answer_message

    quote = "Officials said <!channel> & <script>x</script> were <https://evil.example|here>."
    message = answer_message(
        Answer(
            question="q",
            standalone_question="q",
            text=f"{quote} [1]",
            claims=[Claim(text=f"{quote} [1]", citations=[0])],
            citations=[
                Citation(number=1, article_id="a", title="A <b>", chunk_id="c", quote=quote, start=0, end=1)
            ],
            sources=[Source(number=1, article_id="a", title="A <b>", url="https://news.example/a?x=1|2")],
        )
    )

    posted = json.dumps(message["blocks"])
    assert "<!channel>" not in posted and "<script>" not in posted and "<https://evil" not in posted
    assert "&lt;!channel&gt; &amp; &lt;script&gt;" in posted
    assert "<https://news.example/a?x=1%7C2|A &lt;b&gt;>" in posted


def test_a_missing_token_is_named_before_anything_loads() -> None:
    env = {"SLACK_BOT_TOKEN": None, "SLACK_SIGNING_SECRET": None, "SLACK_APP_TOKEN": None}
    result = CliRunner(env=env).invoke(cli, ["slack"], prog_name="rag")
    socket = CliRunner(env={**env, "SLACK_BOT_TOKEN": BOT_TOKEN}).invoke(
        cli, ["slack", "--socket"], prog_name="rag"
    )

    assert result.exit_code == 1
    assert result.output.startswith("Error: SLACK_BOT_TOKEN is not set")
    assert socket.output.startswith("Error: SLACK_APP_TOKEN is not set")
    assert BOT_TOKEN not in socket.output


@pytest.fixture(scope="module")
def event_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """The bot over the Valmora floods: one event, three outlets, a wire copy, an older event."""
    from tests.events_fixture import write_event_corpus

    slack = FakeSlack().start()
    settings = Settings(
        home=tmp_path_factory.mktemp("slack-events-home"),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
    )
    assistant = Assistant(settings)
    corpus = tmp_path_factory.mktemp("slack-events") / "corpus"
    write_event_corpus(corpus)
    assistant.ingest([corpus])
    with serving(create_server(build_app(assistant))) as url:
        yield Bot(url + "/slack/events", slack, assistant)
    slack.stop()


def test_the_answer_in_slack_says_which_other_outlets_reported_it(event_bot: Bot) -> None:
    from tests.events_fixture import AS_OF, QUESTION

    signed_post(event_bot.url, mention(QUESTION, channel="C-coverage", sent=at_noon_utc(AS_OF)))

    blocks = wait_for_update(event_bot, "C-coverage")["blocks"]
    texts = [
        element["text"] for block in blocks if block["type"] == "context" for element in block["elements"]
    ]
    [line] = [text for text in texts if text.startswith(":newspaper: Also reported by ")]
    assert "Coast Times (17 Oct)" in line
    assert "Mountain Gazette" not in json.dumps(blocks)


def test_a_compare_question_in_slack_gets_a_line_per_outlet_and_the_conflicting_figures(
    event_bot: Bot,
) -> None:
    from tests.events_fixture import AS_OF, COMPARE_QUESTION, EVENT_OUTLETS

    signed_post(event_bot.url, mention(COMPARE_QUESTION, channel="C-compare", sent=at_noon_utc(AS_OF)))

    blocks = wait_for_update(event_bot, "C-compare")["blocks"]
    lines = blocks[0]["text"]["text"].split("\n")
    for outlet in EVENT_OUTLETS:
        assert any(line.startswith(f"{outlet}, ") for line in lines), (outlet, lines)
    assert any(
        line.startswith("Differ: Daily Post: 12 dead [1]") and "Evening Star: at least 14 dead" in line
        for line in lines
    ), lines
