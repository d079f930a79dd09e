"""An `Answer` as chat markdown and a sources panel in HTML, for the browser, and as
plain text (`render_answer`) for the terminal and the model reading an MCP tool's result.

Article text is data from the outside world: every piece of it is escaped
here, so an article carrying `<script>` or markup shows as text and runs nothing.
Every [n] is followed by its article's outlet and date ("CNN, 16 Oct 2025"), a
timeline shows one dated line per claim, and the days the answer was drawn
from close it, so a reader always knows how old each quoted sentence is.
"""

from __future__ import annotations

import html
import re

from rag.query.coverage import coverage_line
from rag.schema import Answer, Citation, Claim, Coverage, RetrievedChunk, Source, day_label

_MARKER = re.compile(r"\[(\d+)\]")
_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]\\`]+")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
# Characters of the article shown before and after a cited sentence.
CONTEXT_CHARS = 280


def markdown_text(text: str) -> str:
    """Plain text made inert for a markdown renderer: no markup, no HTML."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer) -> str:
    """The answer for the chat: what a follow-up was understood as, the answer, its closing lines.

    [n] markers become footnote links followed by their source's dateline;
    unsupported claims are flagged; a timeline is a list, one dated line per claim,
    its further lines folded behind "more"; who else reported it, once.
    """
    opening = f"*Understood as: {markdown_text(answer.understood_as)}*\n\n" if answer.understood_as else ""
    closing = [f"\n\n{markdown_text(line)}" for line in [coverage_line(answer)] if line]
    closing += [f"\n\n*{markdown_text(note)}*" for note in answer.notes]
    if answer.timeframe is not None:
        closing.append(f"\n\n*{markdown_text(answer.timeframe.describe())}.*")
    if answer.abstained:
        return opening + markdown_text(answer.text) + "".join(closing)
    datelines = {source.number: source.dateline for source in answer.sources}
    if not answer.claims:
        return opening + _with_footnotes(answer.text, datelines) + "".join(closing)
    one_per_line = answer.timeline or answer.comparison
    body = _claims_markdown(answer.claims, datelines, one_per_line)
    if answer.more:
        more = _claims_markdown(answer.more, datelines, one_per_line=True)
        count = len(answer.more)
        body += (
            f"\n\n<details><summary>{count} more line{'s' * (count != 1)}</summary>\n\n{more}\n\n</details>"
        )
    return opening + body + "".join(closing)


def _claims_markdown(claims: list[Claim], datelines: dict[int, str], one_per_line: bool) -> str:
    parts = []
    for claim in claims:
        text = _with_footnotes(claim.text, datelines)
        parts.append(text if claim.supported else f"⚠️ *{text}* (not supported by the sources)")
    return "\n".join(f"- {part}" for part in parts) if one_per_line else " ".join(parts)


def reply_markdown(answer: Answer) -> str:
    """The answer as the chat shows it, then its sources listed (title, outlet, date, quote).

    For clients that show one markdown message and nothing beside it (the OpenAI-compatible
    API: Open WebUI, LibreChat): the sources panel becomes a numbered list under the answer.
    """
    listed = answer.nearest if answer.abstained else answer.sources
    if not listed:
        return answer_markdown(answer)
    lines = ["**Nearest articles**" if answer.abstained else "**Sources**", ""]
    for source in listed:
        title = markdown_text(source.title)
        if source.url and _SAFE_URL.fullmatch(source.url):
            title = f"[{title}]({source.url})"
        head = f"[{source.number}] {title}" if not answer.abstained else f"- {title}"
        details = [markdown_text(part) for part in (source.dateline, also_reported(source)) if part]
        lines.append(head + (f" · {' · '.join(details)}" if details else ""))
        lines += [
            f"> {markdown_text(citation.quote)}"
            for citation in answer.citations
            if citation.number == source.number and not answer.abstained
        ]
        lines.append("")
    return answer_markdown(answer) + "\n\n" + "\n".join(lines).rstrip()


def _with_footnotes(text: str, datelines: dict[int, str]) -> str:
    pieces = _MARKER.split(text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(markdown_text(piece))
            continue
        dateline = datelines.get(int(piece), "")
        out.append(f"[[{piece}]](#source-{piece})" + (f" _({markdown_text(dateline)})_" if dateline else ""))
    return "".join(out)


def sources_html(answer: Answer) -> str:
    """The panel beside the chat: each cited source with its sentence highlighted in context."""
    if answer.abstained:
        items = "".join(f"<li>{_source_head(source)}</li>" for source in answer.nearest)
        nearest = f"<p>Nearest articles:</p><ul>{items}</ul>" if items else ""
        return (
            f'<div class="sources abstained"><p>The indexed articles do not answer this.</p>{nearest}</div>'
        )
    chunks = {chunk.chunk_id: chunk for chunk in answer.retrieved}
    blocks = []
    for source in answer.sources:
        quotes = [
            _quote_in_context(citation, chunks.get(citation.chunk_id))
            for citation in answer.citations
            if citation.number == source.number
        ]
        blocks.append(
            f'<div class="source" id="source-{source.number}">'
            f'<div class="source-head"><b>[{source.number}]</b> {_source_head(source)}</div>'
            + "".join(quotes)
            + "</div>"
        )
    return '<div class="sources">' + "".join(blocks) + "</div>"


def event_html(coverage: Coverage) -> str:
    """One event: its articles with outlet and date, oldest first (copies marked), escaped."""
    rows = []
    for article in coverage.articles:
        title = html.escape(article.title)
        if article.url and article.url.startswith(("http://", "https://")):
            title = (
                f'<a href="{html.escape(article.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
            )
        meta = " · ".join(
            html.escape(part)
            for part in (
                article.outlet or "",
                day_label(article.published),
                "copy" if article.copy_of else "",
            )
            if part
        )
        rows.append(f'<li>{title} <span class="source-meta">· {meta}</span></li>')
    return (
        f'<div class="event"><p><b>{html.escape(coverage.line)}</b></p>'
        f'<ul class="event-articles">{"".join(rows)}</ul></div>'
    )


def timeline_html(answer: Answer) -> str:
    """A timeline answer as an escaped list of its dated lines (the rest behind "more"), with datelines."""
    if answer.abstained or not answer.claims:
        return "<p>No dated sentence of this event answers the question.</p>"
    datelines = {source.number: source.dateline for source in answer.sources}
    more = ""
    if answer.more:
        more = (
            f"<details><summary>{len(answer.more)} more</summary>"
            f"<ul>{_timeline_items(answer, answer.more, datelines)}</ul></details>"
        )
    return (
        f'<div class="event-timeline"><p><b>Timeline</b></p>'
        f"<ul>{_timeline_items(answer, answer.claims, datelines)}</ul>{more}</div>"
    )


def _timeline_items(answer: Answer, claims: list[Claim], datelines: dict[int, str]) -> str:
    items = []
    for claim in claims:
        numbers = {answer.citations[index].number for index in claim.citations}
        meta = " · ".join(datelines[number] for number in sorted(numbers) if datelines.get(number))
        items.append(
            f'<li>{html.escape(claim.text)} <span class="source-meta">({html.escape(meta)})</span></li>'
        )
    return "".join(items)


def also_reported(source: Source) -> str:
    """'also reported by X, Y' when copies of the story ran elsewhere (escaped by the caller)."""
    return f"also reported by {', '.join(source.also_reported_by)}" if source.also_reported_by else ""


def _source_head(source: Source) -> str:
    title = html.escape(source.title)
    if source.url and source.url.startswith(("http://", "https://")):
        title = f'<a href="{html.escape(source.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    details = [html.escape(part) for part in (source.dateline, also_reported(source)) if part]
    return title + (f' <span class="source-meta">· {" · ".join(details)}</span>' if details else "")


def _quote_in_context(citation: Citation, chunk: RetrievedChunk | None) -> str:
    """The cited sentence marked inside the surrounding text of its chunk."""
    before = after = ""
    if chunk is not None and chunk.start <= citation.start and citation.end <= chunk.end:
        offset_start, offset_end = citation.start - chunk.start, citation.end - chunk.start
        before = chunk.text[max(0, offset_start - CONTEXT_CHARS) : offset_start]
        after = chunk.text[offset_end : offset_end + CONTEXT_CHARS]
        before = ("…" + before.split(" ", 1)[-1]) if offset_start > CONTEXT_CHARS else before
        after = (after.rsplit(" ", 1)[0] + "…") if len(chunk.text) - offset_end > CONTEXT_CHARS else after
    return (
        f'<blockquote class="quote">{html.escape(before)}'
        f"<mark>{html.escape(citation.quote)}</mark>{html.escape(after)}</blockquote>"
    )


def render_answer(answer: Answer) -> str:
    """Plain text: what a follow-up was understood as, the answer, numbered sources (outlet, date)
    with quotes, who else reported it."""
    one_per_line = answer.timeline or answer.comparison
    lines = [f"Understood as: {answer.understood_as}", ""] if answer.understood_as else []
    lines += [("\n" if one_per_line else " ").join(_claim_lines(answer.claims)) or answer.text, ""]
    if answer.more:
        lines += ["More:", *_claim_lines(answer.more), ""]
    if answer.abstained:
        lines += ["Nearest articles:"] + [
            f"  - {source.title}" + _dated(source.dateline) for source in answer.nearest
        ]
    for source in answer.sources:
        lines.append(f"[{source.number}] {source.title}{_dated(source.dateline)}")
        if source.also_reported_by:
            lines.append(f"    also reported by: {', '.join(source.also_reported_by)}")
        for citation in answer.citations:
            if citation.number == source.number:
                lines.append(f'    "{citation.quote}"')
    lines += [line for line in [coverage_line(answer)] if line]
    if answer.timeframe:
        lines.append(answer.timeframe.describe() + ".")
    lines += [f"note: {note}" for note in answer.notes]
    return "\n".join(lines).rstrip()


def _claim_lines(claims: list[Claim]) -> list[str]:
    return [claim.text if claim.supported else f"(!) {claim.text} [not in the sources]" for claim in claims]


def _dated(dateline: str) -> str:
    return f" ({dateline})" if dateline else ""
