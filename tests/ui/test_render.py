"""Rendering an Answer for the browser: footnotes, flags, and text that stays text."""

from __future__ import annotations

from rag.schema import Answer, Citation, Claim, RetrievedChunk, Source
from ui.render import answer_markdown, sources_html

HOSTILE = 'Officials said <script>alert(1)</script> and <img src=x onerror="alert(2)"> [link](javascript:x).'


def cited(text: str, supported: bool = True) -> Answer:
    chunk_text = "Before it. " + text + " After it."
    start = len("Before it. ")
    return Answer(
        question="q",
        standalone_question="q",
        text=f"{text} [1]",
        claims=[Claim(text=f"{text} [1]", citations=[0], supported=supported)],
        citations=[
            Citation(
                number=1,
                article_id="a",
                title="T <b>",
                chunk_id="c",
                quote=text,
                start=start,
                end=start + len(text),
            )
        ],
        sources=[
            Source(number=1, article_id="a", title="T <b>", url="javascript:alert(3)", published="2018-01-30")
        ],
        retrieved=[
            RetrievedChunk(
                chunk_id="c",
                article_id="a",
                title="T",
                text=chunk_text,
                score=1,
                start=0,
                end=len(chunk_text),
            )
        ],
    )


def test_markers_become_footnote_links_and_markup_in_article_text_is_escaped() -> None:
    markdown = answer_markdown(cited(HOSTILE))

    assert markdown.endswith("[[1]](#source-1)")
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;" in markdown
    assert "\\[link\\]\\(javascript:x\\)" in markdown


def test_the_sources_panel_highlights_the_quote_in_context_and_runs_nothing() -> None:
    panel = sources_html(cited(HOSTILE))

    assert "Before it. <mark>Officials said &lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "</mark> After it." in panel
    assert "<script>" not in panel and "<img" not in panel
    assert "T &lt;b&gt;" in panel
    assert 'href="javascript' not in panel, "only http(s) urls become links"
    assert "2018-01-30" in panel


def test_an_unsupported_claim_is_flagged() -> None:
    markdown = answer_markdown(cited("Putin flew to the moon.", supported=False))

    assert markdown.startswith("⚠️ *Putin flew to the moon")
    assert "(not supported by the sources)" in markdown
