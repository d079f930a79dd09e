"""Requests as Slack sends them to the bot: signed events, button clicks and slash commands.

Each body is signed with the signing secret exactly as Slack signs it (`v0=`
HMAC-SHA256 over `v0:{timestamp}:{body}`); events are JSON, interactions and
commands form-encoded (an interaction's JSON sits in its `payload` field).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import BOT_USER

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0000-fake-bot-token-do-not-log"
_ids = itertools.count(1)


def signed_post(
    url: str,
    payload: dict | str,
    *,
    secret: str = SECRET,
    age: int = 0,
    retry: int | None = None,
) -> tuple[int, str, float]:
    """POST as Slack does (a dict as JSON, a str as a form body); returns status, body and the ack time."""
    form = isinstance(payload, str)
    body = payload if form else json.dumps(payload)
    timestamp = str(int(time.time()) - age)
    signature = (
        "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.perf_counter() - started


def mention(
    text: str,
    *,
    thread_ts: str | None = None,
    channel: str = "C1",
    sent: float | None = None,
    user: str = "UALICE",
) -> dict:
    """An app_mention event; its `ts` is `sent` (seconds since the epoch) or a unique one in 2027."""
    number = next(_ids)
    ts = f"{sent:.6f}" if sent is not None else f"1800000{number:03d}.000100"
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{number:06d}",
        "event_time": 1800000000 + number,
        "event": event,
    }


def channel_message(text: str, *, channel: str, user: str = "UALICE") -> dict:
    """A plain message in a public channel (`message.channels`), not addressed to the bot."""
    payload = mention(text, channel=channel, user=user)
    payload["event"] |= {"type": "message", "channel_type": "channel", "text": text}
    return payload


def click(
    action_id: str,
    value: str,
    *,
    channel: str,
    message_ts: str,
    response_url: str,
    user: str = "UALICE",
    ephemeral: bool = False,
) -> str:
    """A `block_actions` interaction: `user` pressed the button `action_id` (with `value`) under a message."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "newsroom"},
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"trigger-{next(_ids)}",
        "channel": {"id": channel, "name": channel.lower()},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def command(text: str, *, channel: str, response_url: str, user: str = "UALICE") -> str:
    """`/newsbot <text>` typed in `channel`."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "newsroom",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": "/newsbot",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": f"trigger-{next(_ids)}",
        }
    )


def buttons(blocks: list[dict]) -> dict[str, str]:
    """action_id -> value of the buttons in a message's blocks."""
    return {
        element["action_id"]: element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }
