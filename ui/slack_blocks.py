"""An `Answer` as a Slack message: Block Kit with mrkdwn, inside Slack's limits.

Article text is escaped (`&`, `<`, `>`), so a quote can never become a live
link, a user mention or `<!channel>`. Limits from Slack's docs: 50 blocks per
message, 3000 characters per section text, 10 elements per context block.
Each source line carries its outlet and date ("CNN, 16 Oct 2025"), a context
line says which days the answer was drawn from, another which outlets reported
the cited event ("Reported by 3 outlets: ..."), and a timeline or a comparison
of outlets shows one line per claim.
"""

from __future__ import annotations

from typing import Any

from rag.query.coverage import coverage_lines
from rag.schema import Answer, Source
from ui.render import also_reported

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


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_message(answer: Answer) -> dict[str, Any]:
    """`text` (the notification fallback) and `blocks` for chat.postMessage / chat.update."""
    if answer.abstained:
        return _abstention(answer)
    claims = [escape(c.text) if c.supported else f"_{escape(c.text)}_ {UNSUPPORTED}" for c in answer.claims]
    body = ("\n" if answer.timeline or answer.comparison else " ").join(claims) or escape(answer.text)
    blocks: list[dict[str, Any]] = [_section(body), *_timeframe(answer)]
    for source in answer.sources:
        quotes = [c.quote for c in answer.citations if c.number == source.number]
        elements = [_mrkdwn(f"*[{source.number}]* {_title(source)}{_details(source)}")]
        elements += [_mrkdwn(clip(f"> {escape(quote)}", MAX_CONTEXT_TEXT)) for quote in quotes[:9]]
        blocks.append({"type": "context", "elements": elements})
    blocks += _coverage(answer)
    blocks += [{"type": "context", "elements": [_mrkdwn(f"_{escape(note)}_")]} for note in answer.notes]
    return {"text": clip(answer.text, MAX_FALLBACK), "blocks": _within_limit(blocks)}


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
    """ "Reported by 3 outlets: CNN (16 Oct 2025), ..." under the sources, one line per event."""
    lines = coverage_lines(answer.coverage)
    if not lines:
        return []
    text = clip("\n".join(f":newspaper: {escape(line)}" for line in lines), MAX_CONTEXT_TEXT)
    return [{"type": "context", "elements": [_mrkdwn(text)]}]


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


def _within_limit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    dropped = len(blocks) - MAX_BLOCKS + 1
    more = {"type": "context", "elements": [_mrkdwn(f"…and {dropped} more sources")]}
    return [*blocks[: MAX_BLOCKS - 1], more]
