"""Page furniture never becomes a chunk or a quote."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.cleaning import clean_text
from rag.ingest.loaders import load_file
from tests.paths import SEED_ARTICLE


def test_share_buttons_lone_plus_and_repeated_title_are_removed():
    body = (
        "\nSochi talks end\n\n\nShare on Facebook\nShare on Twitter\nShare on Google+\n+\n\n"
        "Putin hosted a congress.\n\n\n\nIt ended early.\nShare on LinkedIn\n"
    )
    assert clean_text("Sochi talks end", body) == "Putin hosted a congress.\n\nIt ended early."


def test_a_body_line_that_merely_starts_like_the_title_is_kept():
    assert clean_text("Talks", "Talks resumed on Monday.") == "Talks resumed on Monday."


def test_control_characters_and_windows_newlines_are_normalised():
    assert clean_text("T", "One\r\nTwo\x07 three\r") == "One\nTwo three"


def test_no_break_and_zero_width_spaces_become_what_a_reader_types():
    assert clean_text("T", "\ufeffroughly 1,500\u00a0participants\u200b in\u202fSochi") == (
        "roughly 1,500 participants in Sochi"
    )


def test_the_seed_article_loses_its_furniture_but_keeps_every_paragraph():
    article = load_file(SEED_ARTICLE, "seed.txt")[0]
    assert article.title.startswith("Syria talks yield minimal results")
    assert "Share on" not in article.text
    assert not article.text.startswith("Syria talks yield")
    assert article.text.startswith("Hoping to capitalise")
    assert article.text.endswith("political instability inside his own country.")
    assert "\n\n\n" not in article.text
    lines = Path(SEED_ARTICLE).read_text().split("\n")
    paragraphs = [
        line.strip().replace("\u00a0", " ")
        for line in lines
        if len(line) > 60 and line.strip() != article.title
    ]
    assert len(paragraphs) == 16
    assert all(paragraph in article.text for paragraph in paragraphs)


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=30),
    lines=st.lists(
        st.one_of(st.text(max_size=60), st.sampled_from(["Share on Facebook", "+", "", "  ", "Tweet"])),
        max_size=12,
    ),
)
def test_cleaning_any_text_keeps_only_its_own_lines_without_furniture_or_blank_runs(title, lines):
    body = "\n".join(lines)
    cleaned = clean_text(title, body)

    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip("\n")
    assert not any(ch in cleaned for ch in "\x00\x07\x1b\r\u00a0")
    normalised = clean_text("", body)
    for line in cleaned.split("\n"):
        assert line in normalised
        assert line.strip() not in {"Share on Facebook", "+", "Tweet"}
