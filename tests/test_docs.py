"""The docs cannot drift from the code, and every link in them lands.

docs/settings.md's settings table is written by `python -m docs.settings_table`
from `rag.settings`: a setting added, renamed, re-described or given a new
default without regenerating the table fails here (and in `make lint`). Links between
README.md and docs/ are followed down to the heading they name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from docs import settings_table
from tests.paths import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.fixture(scope="module")
def table() -> str:
    return settings_table.render()


def test_the_settings_page_table_is_the_generated_one(table: str) -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert table in page, "docs/settings.md's table is out of date: run `python -m docs.settings_table`"


def row(table: str, key: str) -> list[str]:
    [line] = [line for line in table.splitlines() if line.startswith((f"| `{key}` |", f"| `{key}` / "))]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


@pytest.mark.parametrize(
    ("key", "setting", "default", "described_as"),
    [
        ("RAG_HOME", "`RAG_HOME` / `--home`", "`.rag`", "Folder for the store"),
        ("RAG_TOP_K", "`RAG_TOP_K` / `-k` (ask, eval)", "`5`", "Chunks handed to the answerer."),
        ("RAG_READER", "`RAG_READER` / `--reader` / `--no-reader` (ask, eval)", "`true`", "trained reader"),
        ("RAG_WEB_PORT", "`RAG_WEB_PORT` / `--port` (web)", "`7860`", "Port of the browser chat."),
        ("RAG_MODEL_CACHE_DIR", "`RAG_MODEL_CACHE_DIR`", "`~/.cache/rag-news`", "ONNX export"),
        ("RAG_CHROMA_URL", "`RAG_CHROMA_URL` / `--chroma-url`", "unset", "Chroma server"),
        ("SLACK_BOT_TOKEN", "`SLACK_BOT_TOKEN`", "unset", "Bot User OAuth Token"),
        ("RAG_FEEDS", "`RAG_FEEDS`", "`[]`", "Feed URLs"),
    ],
)
def test_a_row_gives_the_variable_its_flags_default_and_description(
    table: str, key: str, setting: str, default: str, described_as: str
) -> None:
    shown_setting, shown_default, description = row(table, key)
    assert (shown_setting, shown_default) == (setting, default)
    assert described_as in description


def test_every_setting_and_channel_key_has_a_row(table: str) -> None:
    from rag.settings import Settings, SlackChannel

    for name, field in Settings.model_fields.items():
        assert row(table, settings_table.variable(name, field))
    for name in SlackChannel.model_fields:
        assert row(table, name)


def test_a_setting_without_a_description_is_refused() -> None:
    class Undescribed(BaseModel):
        described: int = Field(1, description="Says what it is.")
        bare: int = 2

    with pytest.raises(SystemExit, match=r"Undescribed.bare has no description"):
        list(settings_table.rows(Undescribed, lambda name, field: name, {}))


def test_the_check_fails_on_a_stale_table_and_the_generator_repairs_it(tmp_path: Path, capsys) -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    stale = page.replace("Chunks handed to the answerer.", "Chunks, as the table said last month.")
    assert stale != page
    copy = tmp_path / "settings.md"
    copy.write_text(stale, encoding="utf-8")

    assert settings_table.main(["--check", "--page", str(copy)]) == 1
    assert capsys.readouterr().out.strip().endswith("run `python -m docs.settings_table`")
    assert copy.read_text(encoding="utf-8") == stale, "--check changes nothing"

    assert settings_table.main(["--page", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == page
    assert settings_table.main(["--check", "--page", str(copy)]) == 0


def test_a_page_without_the_markers_is_named(tmp_path: Path) -> None:
    copy = tmp_path / "settings.md"
    copy.write_text("# Settings\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"settings\.md has no settings markers"):
        settings_table.main(["--check", "--page", str(copy)])


def without_code(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", without_code(page.read_text(encoding="utf-8")), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def links(page: Path) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", without_code(page.read_text(encoding="utf-8")))
    return [target for target in targets if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_link_lands_on_a_file_and_heading(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        landing = (page.parent / path).resolve() if path else page
        if not landing.exists() or (anchor and anchor not in anchors(landing)):
            broken.append(target)
    assert not broken, f"{page.name}: {broken}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {target.partition("#")[0] for target in links(ROOT / "README.md")}
    pages = {f"docs/{page.name}" for page in PAGES[1:]}
    assert pages <= linked, pages - linked
