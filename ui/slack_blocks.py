"""An `Answer` as a Slack message: Block Kit with mrkdwn, inside Slack's limits.

Article text is escaped (`&`, `<`, `>`), so a quote can never become a live
link, a user mention or `<!channel>`. Limits from Slack's docs: 50 blocks per
message, 3000 characters per section text, 10 elements per context block.
Each source line carries its outlet and date ("CNN, 16 Oct 2025"), a context
line says which days the answer was drawn from, another which other outlets
reported it ("Also reported by ..."), a follow-up read in context says what it
was understood as, and a timeline or a comparison of outlets shows one line per
claim. Under every answer: 👍 / 👎, "Follow this story"
and, for an answer only its asker sees, "Share with channel". A followed
story's update quotes each new sentence with its outlet and date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rag.query.coverage import coverage_line
from rag.schema import Answer, Source, day_label
from ui.render import also_reported

if TYPE_CHECKING:
    from rag.updates.digest import Event
    from rag.updates.story import Update

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_CONTEXT_TEXT = 2000
MAX_FALLBACK = 3000
UNSUPPORTED = ":warning: not supported by the sources"
LOOKING = "Looking through the articles…"
HELP = (
    "Ask me about the news articles I have indexed, e.g. "
    "`@newsbot why did Putin move talks from Astana?` "
    "Every sentence of my answer cites the article sentence it came from. "
    "Reply in the thread for follow-up questions."
)
COMMAND_HELP = (
    "`/newsbot follow <topic>` posts what the articles say about it and follows the story: "
    "new sentences from new articles come as replies in its thread. "
    "`/newsbot following` lists this channel's followed stories, `/newsbot unfollow <n>` stops one."
)
# action_ids of the buttons under an answer; each button's value is the answer's id.
VOTE_UP, VOTE_DOWN, FOLLOW, SHARE = "feedback_up", "feedback_down", "follow_story", "share_answer"


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_message(answer: Answer, actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """`text` (the notification fallback) and `blocks` for chat.postMessage / chat.update.

    `actions` (the buttons, see `answer_actions`) close the message, always within the block limit.
    """
    message = _abstention(answer) if answer.abstained else _answer(answer)
    message["blocks"] = _within_limit(message["blocks"], len(actions)) + list(actions)
    return message


def _answer(answer: Answer) -> dict[str, Any]:
    claims = [escape(c.text) if c.supported else f"_{escape(c.text)}_ {UNSUPPORTED}" for c in answer.claims]
    body = ("\n" if answer.timeline or answer.comparison else " ").join(claims) or escape(answer.text)
    blocks: list[dict[str, Any]] = [*_understood(answer), _section(body), *_more(answer), *_timeframe(answer)]
    for source in answer.sources:
        quotes = [c.quote for c in answer.citations if c.number == source.number]
        elements = [_mrkdwn(f"*[{source.number}]* {_title(source)}{_details(source)}")]
        elements += [_mrkdwn(clip(f"> {escape(quote)}", MAX_CONTEXT_TEXT)) for quote in quotes[:9]]
        blocks.append({"type": "context", "elements": elements})
    blocks += _coverage(answer)
    blocks += [{"type": "context", "elements": [_mrkdwn(f"_{escape(note)}_")]} for note in answer.notes]
    return {"text": clip(answer.text, MAX_FALLBACK), "blocks": blocks}


def _abstention(answer: Answer) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [_section(escape(answer.text)), *_timeframe(answer)]
    if answer.nearest:
        lines = "\n".join(f"• {_title(source)}{_details(source)}" for source in answer.nearest)
        blocks.append({"type": "context", "elements": [_mrkdwn(clip(lines, MAX_CONTEXT_TEXT))]})
    return {"text": answer.text, "blocks": blocks}


def _timeframe(answer: Answer) -> list[dict[str, Any]]:
    """The context line under the answer: "Articles from 29 Dec 2023 to 5 Jan 2024"."""
    if answer.timeframe is None:
        return []
    return [{"type": "context", "elements": [_mrkdwn(f"{answer.timeframe.describe()}.")]}]


def _coverage(answer: Answer) -> list[dict[str, Any]]:
    """ "Also reported by The Week (18 Oct), USA Today (19 Oct)" under the sources, once, when others did."""
    line = coverage_line(answer)
    if line is None:
        return []
    return [{"type": "context", "elements": [_mrkdwn(clip(f":newspaper: {escape(line)}", MAX_CONTEXT_TEXT))]}]


def _understood(answer: Answer) -> list[dict[str, Any]]:
    """ "Understood as: <the standalone question>" above an answer to a follow-up read in context."""
    if answer.understood_as is None:
        return []
    text = clip(f"Understood as: _{escape(answer.understood_as)}_", MAX_CONTEXT_TEXT)
    return [{"type": "context", "elements": [_mrkdwn(text)]}]


def _more(answer: Answer) -> list[dict[str, Any]]:
    """A timeline's further lines of the story, smaller, under its main ones."""
    if not answer.more:
        return []
    lines = "\n".join(escape(claim.text) for claim in answer.more)
    return [{"type": "context", "elements": [_mrkdwn(clip(f"*More:*\n{lines}", MAX_CONTEXT_TEXT))]}]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(clip(text, MAX_SECTION))}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _title(source: Source) -> str:
    title = escape(source.title).replace("|", "¦")
    if source.url and source.url.startswith(("http://", "https://")):
        return f"<{escape(source.url).replace('|', '%7C')}|{title}>"
    return f"*{title}*"


def _details(source: Source) -> str:
    parts = [escape(part) for part in (source.dateline, also_reported(source)) if part]
    return f" · {' · '.join(parts)}" if parts else ""


def _within_limit(blocks: list[dict[str, Any]], reserved: int = 0) -> list[dict[str, Any]]:
    room = MAX_BLOCKS - reserved
    if len(blocks) <= room:
        return blocks
    dropped = len(blocks) - room + 1
    more = {"type": "context", "elements": [_mrkdwn(f"…and {dropped} more sources")]}
    return [*blocks[: room - 1], more]


def answer_actions(
    key: str, *, private: bool = False, vote: tuple[bool, str] | None = None
) -> list[dict[str, Any]]:
    """The buttons under answer `key`; once `vote` (liked, Slack user id) is cast, a thank-you
    instead of 👍/👎."""
    buttons = [] if vote else [_button("👍", VOTE_UP, key), _button("👎", VOTE_DOWN, key)]
    buttons.append(_button("Follow this story", FOLLOW, key))
    if private:
        buttons.append(_button("Share with channel", SHARE, key, style="primary"))
    blocks: list[dict[str, Any]] = [{"type": "actions", "elements": buttons}]
    if vote:
        liked, user = vote
        thanks = f"{'👍' if liked else '👎'} Thanks <@{escape(user)}>, your feedback is recorded."
        blocks.append({"type": "context", "elements": [_mrkdwn(thanks)]})
    return blocks


def _button(label: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action,
        "value": value,
    }
    return button | ({"style": style} if style else {})


def followed_message(number: int, question: str, user: str) -> str:
    return (
        f"<@{escape(user)}> is following this story (#{number}): _{escape(question)}_. "
        "New sentences from new articles will be posted in this thread; "
        f"`/newsbot unfollow {number}` stops it."
    )


def update_message(question: str, update: Update) -> dict[str, Any]:
    """A followed story's new sentences: each quoted, with its article's link, outlet and date."""
    blocks: list[dict[str, Any]] = [_section(f":newspaper: *New on this story:* _{escape(question)}_")]
    for quote in update.quotes:
        blocks.append(_section(clip(f"> {escape(quote.citation.quote)}", MAX_SECTION)))
        where = f"{_title(quote.source)}{_details(quote.source)}"
        blocks.append({"type": "context", "elements": [_mrkdwn(clip(where, MAX_CONTEXT_TEXT))]})
    lines = " ".join(f"“{quote.citation.quote}” ({quote.citation.dateline})" for quote in update.quotes)
    return {"text": clip(f"New on this story: {lines}", MAX_FALLBACK), "blocks": _within_limit(blocks)}


def digest_message(day: str, events: list[Event]) -> dict[str, Any]:
    """The day's main events, one cited sentence each, most reported first."""
    blocks: list[dict[str, Any]] = [_section(f":newspaper: *The day's main events, {day_label(day)}*")]
    for event in events:
        outlets = f" · reported by {event.outlets} outlets" if event.outlets > 1 else ""
        blocks.append(_section(clip(f"• {escape(event.citation.quote)}", MAX_SECTION)))
        where = f"{_title(event.source)}{_details(event.source)}{outlets}"
        blocks.append({"type": "context", "elements": [_mrkdwn(clip(where, MAX_CONTEXT_TEXT))]})
    text = " ".join(f"• {event.citation.quote} ({event.citation.dateline})" for event in events)
    return {"text": clip(f"The day's main events: {text}", MAX_FALLBACK), "blocks": _within_limit(blocks)}
