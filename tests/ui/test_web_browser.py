"""The chat in a real headless Chromium: what a reader sees and clicks.

Needs Debian's chromium at /usr/bin/chromium (`make test` installs it with
apt-get when it can); without it these tests are skipped and say why.
Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.ui.conftest import CLOSED_DATELINE, REOPENED_DATELINE, STORY_QUESTION, WebApp

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium: `apt-get install chromium` runs the browser tests"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, web_app: WebApp):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(web_app.url)
    yield page
    page.close()


@pytest.fixture
def dated_page(browser, dated_web_app: WebApp):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(dated_web_app.url)
    yield page
    page.close()


def ask(page, question: str, as_of: str | None = None) -> None:
    if as_of is not None:
        page.locator("#as-of textarea, #as-of input").fill(as_of)
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def upload(page, path: Path) -> str:
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    status = page.locator("#corpus-status")
    status.get_by_text(path.name.replace(" ", "-")).wait_for(timeout=60_000)
    text = status.inner_text()
    page.get_by_role("tab", name="Chat").click()
    return text


def test_the_seed_question_streams_an_answer_with_a_footnote_and_its_highlighted_sentence(page) -> None:
    started = time.perf_counter()
    ask(page, "why did Putin move talks from Astana?")

    page.locator("#chat").get_by_text("Putin decided to move the negotiations to Sochi").wait_for()
    first_text = time.perf_counter() - started
    page.locator("#sources #source-1 mark").wait_for()
    complete = time.perf_counter() - started
    footnote = page.locator('#chat a[href="#source-1"]')
    assert footnote.is_visible()
    assert footnote.inner_text() == "[1]"
    highlighted = page.locator("#sources #source-1 mark")
    assert highlighted.is_visible()
    assert highlighted.inner_text().startswith("Convinced that Kazakhstan was trying to prove")
    shoot(page, "chat-seed-question.png")
    timings = {"first_text_seconds": round(first_text, 3), "answer_with_sources_seconds": round(complete, 3)}
    (ARTIFACTS / "browser_timings.json").write_text(json.dumps(timings))
    print(f"\nBrowser seed question: first text {first_text:.2f} s, answer with sources {complete:.2f} s")


def test_thumbs_up_is_stored_with_the_question_and_its_citations(page, web_app: WebApp) -> None:
    feedback = web_app.settings.feedback_file
    before = feedback.read_text().count("\n") if feedback.exists() else 0
    ask(page, "Who is the UN Syria envoy?")
    page.locator("#chat").get_by_text("Staffan de Mistura").wait_for()

    page.locator("#chat button[aria-label='Like']").last.click()

    for _ in range(100):
        lines = feedback.read_text().splitlines() if feedback.exists() else []
        if len(lines) > before:
            break
        time.sleep(0.1)
    entry = json.loads(lines[-1])
    assert entry["vote"] == "up"
    assert entry["question"] == "Who is the UN Syria envoy?"
    assert "Staffan de Mistura" in entry["citations"][0]["quote"]
    assert entry["settings"]["top_k"] == 5


def test_an_uploaded_article_can_be_asked_about_at_once(page, tmp_path: Path) -> None:
    article = tmp_path / "balkhash report.txt"
    article.write_text(
        "Lake Balkhash is shrinking\n\nHydrologists in Almaty said the lake has lost a fifth of its water "
        "since 1990 because the Ili river that feeds it is diverted for irrigation upstream.\n",
        encoding="utf-8",
    )

    status = upload(page, article)
    assert "1 added" in status
    ask(page, "Why is Lake Balkhash shrinking?")

    page.locator("#chat").get_by_text("diverted for irrigation upstream").wait_for()
    # The sources panel is a separate output; it may update a moment after the chat text.
    page.locator("#sources").get_by_text("Lake Balkhash is shrinking").first.wait_for()
    shoot(page, "chat-uploaded-article.png")


def test_markup_inside_an_article_is_shown_as_text_and_never_runs(page, tmp_path: Path) -> None:
    article = tmp_path / "hostile.html.txt"
    article.write_text(
        "Hostile markup report\n\nThe Zembla ministry statement said <script>window.__pwned = 1</script> "
        'that the <img src="x" onerror="window.__pwned = 2"> reservoir near Zembla was closed for repairs.\n',
        encoding="utf-8",
    )
    upload(page, article)
    ask(page, "Why was the reservoir near Zembla closed?")

    page.locator("#chat").get_by_text("closed for repairs").first.wait_for()
    sources = page.locator("#sources")
    sources.get_by_text("Hostile markup report").first.wait_for()
    assert "<script>window.__pwned = 1</script>" in sources.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#sources script, #sources img, #chat img[src='x']").count() == 0
    shoot(page, "chat-hostile-article.png")


def test_each_citation_shows_its_outlet_and_date_and_as_of_keeps_later_articles_out(dated_page) -> None:
    page = dated_page
    ask(page, STORY_QUESTION, as_of="2024-03-01")

    chat = page.locator("#chat")
    chat.get_by_text("Articles up to 1 Mar 2024.").wait_for()
    dateline = chat.locator('a[href="#source-1"] + em')
    assert dateline.inner_text() == f"({CLOSED_DATELINE})"
    assert dateline.is_visible()
    page.locator("#sources #source-1 .source-meta").get_by_text(CLOSED_DATELINE).wait_for()
    assert REOPENED_DATELINE not in chat.inner_text() + page.locator("#sources").inner_text()
    shoot(page, "chat-dated-citation.png")


def test_a_malformed_as_of_date_is_one_line_in_the_chat(dated_page) -> None:
    ask(dated_page, STORY_QUESTION, as_of="March 1st")

    dated_page.locator("#chat").get_by_text("the as-of date 'March 1st' is not a day").wait_for()
    assert dated_page.locator("#question textarea").input_value() == STORY_QUESTION


def test_the_example_question_asks_about_the_newest_story_and_is_answered(dated_page) -> None:
    from playwright.sync_api import expect

    question = "What is the latest on the Kessler harbor bridge?"
    dated_page.get_by_text(question).click()
    box = dated_page.locator("#question textarea")
    expect(box).to_have_value(question)  # the click fills the box; Enter before that sends nothing
    box.press("Enter")

    dated_page.locator("#chat").get_by_text(f"({REOPENED_DATELINE})").first.wait_for()


@pytest.fixture
def event_page(browser, event_web_app: WebApp):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(event_web_app.url)
    yield page
    page.close()


def test_the_answer_names_the_other_outlets_once_and_a_source_opens_its_event(event_page) -> None:
    from tests.events_fixture import AS_OF, QUESTION

    page = event_page
    ask(page, QUESTION, as_of=AS_OF.isoformat())
    chat = page.locator("#chat")
    chat.get_by_text("Also reported by").wait_for()
    assert chat.inner_text().count("Also reported by") == 1
    assert "Mountain Gazette" not in chat.inner_text()
    page.wait_for_function("() => document.querySelector('#event-choice input').value.startsWith('[1] ')")
    page.locator("#open-event").click()
    view = page.locator("#event-view")
    view.get_by_text("Timeline").wait_for(timeout=60_000)
    assert "Reported by 3 outlets: Daily Post (16 Oct 2025), Evening Star (17 Oct 2025)" in view.inner_text()
    items = view.locator(".event-articles li")
    assert items.count() == 4
    text = view.inner_text()
    assert "Coast Times" in text and "copy" in text and "Mountain Gazette" not in text
    assert view.locator(".event-timeline li").count() >= 2
    shoot(page, "chat-event-view.png")


def test_an_answer_one_outlet_reported_shows_no_coverage_line(dated_page) -> None:
    ask(dated_page, STORY_QUESTION, as_of="2024-03-01")
    chat = dated_page.locator("#chat")
    chat.get_by_text("Articles up to 1 Mar 2024.").wait_for()
    assert "reported by" not in chat.inner_text().lower()


def test_a_compare_question_gets_a_line_per_outlet_and_the_conflicting_figures(event_page) -> None:
    from tests.events_fixture import AS_OF, COMPARE_QUESTION

    page = event_page
    ask(page, COMPARE_QUESTION, as_of=AS_OF.isoformat())
    chat = page.locator("#chat")
    chat.get_by_text("at least 14 dead", exact=False).last.wait_for()
    lines = chat.locator("li").all_inner_texts()
    assert any(
        line.startswith("Differ: Daily Post: 12 dead [1]") and "Evening Star: at least 14 dead" in line
        for line in lines
    ), lines
    for outlet in ("Daily Post, 16 Oct 2025:", "Evening Star, 17 Oct 2025:", "Harbor Ledger, 18 Oct 2025:"):
        assert any(line.startswith(outlet) for line in lines), (outlet, lines)
    chat.get_by_text("Also reported by").wait_for()
    shoot(page, "chat-compare.png")


FIRST = "Why does Kazakhstan refuse to send troops to Syria?"
FOLLOW_UP = "who is their foreign minister?"
UNDERSTOOD = "Who is Kazakhstan's foreign minister?"  # "their" named from the first answer


def answered(page, text: str) -> None:
    """Wait until the chat shows `text` and the conversation is kept (listed)."""
    page.locator("#chat").get_by_text(text).first.wait_for()
    page.locator("#conversations label").first.wait_for()


def listed(page) -> list[str]:
    return page.locator("#conversations label").all_inner_texts()


def test_a_conversation_survives_a_reload(page) -> None:
    ask(page, "Who is the UN Syria envoy?")
    answered(page, "Staffan de Mistura")

    page.reload()
    page.locator("#chat").get_by_text("Staffan de Mistura").first.wait_for()
    assert "Who is the UN Syria envoy?" in page.locator("#chat").inner_text()
    assert listed(page) == ["Who is the UN Syria envoy?"]
    page.locator("#sources #source-1 mark").wait_for()


def test_two_conversations_are_listed_and_each_reopens(page) -> None:
    ask(page, "Who is the UN Syria envoy?")
    answered(page, "Staffan de Mistura")
    page.locator("#new-conversation").click()
    page.wait_for_function("() => !document.querySelector('#chat').innerText.includes('Mistura')")
    ask(page, "why did Putin move talks from Astana?")
    page.locator("#chat").get_by_text("Putin decided to move the negotiations to Sochi").wait_for()
    page.wait_for_function("() => document.querySelectorAll('#conversations label').length == 2")
    assert listed(page) == ["why did Putin move talks from Astana?", "Who is the UN Syria envoy?"]

    page.locator("#conversations label", has_text="UN Syria envoy").click()
    page.locator("#chat").get_by_text("Staffan de Mistura").first.wait_for()
    assert "Putin decided" not in page.locator("#chat").inner_text()
    page.locator("#conversations label", has_text="Astana").click()
    page.locator("#chat").get_by_text("Putin decided to move the negotiations to Sochi").wait_for()
    shoot(page, "chat-conversations.png")

    page.locator("#delete-conversation").click()
    page.wait_for_function("() => document.querySelectorAll('#conversations label').length == 1")
    page.locator("#chat").get_by_text("Staffan de Mistura").first.wait_for()
    page.reload()
    page.locator("#chat").get_by_text("Staffan de Mistura").first.wait_for()
    assert listed(page) == ["Who is the UN Syria envoy?"]


def test_a_follow_up_shows_what_it_was_understood_as(page) -> None:
    ask(page, FIRST)
    answered(page, "Kazakhstan")
    ask(page, FOLLOW_UP)
    understood = page.locator("#chat em", has_text="Understood as:")
    understood.first.wait_for()
    text = understood.first.inner_text()
    assert text == f"Understood as: {UNDERSTOOD}"
    page.locator("#chat").get_by_text("Kairat Abdrakhmanov").first.wait_for()
    assert page.locator("#chat em", has_text="Understood as:").count() == 1, (
        "the first question was not rewritten"
    )
    shoot(page, "chat-understood-as.png")


@pytest.fixture(scope="module")
def login_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The chat with a login: conversations are kept on the server, per user."""
    import shutil

    from rag.assistant import Assistant
    from rag.settings import Settings
    from tests.paths import CORPUS
    from tests.ui.conftest import serving
    from ui.web import create_server

    root = tmp_path_factory.mktemp("login-web")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(home=root / "home", corpus_dir=root / "corpus", web_auth="reader:s3cret")
    assistant = Assistant(settings)
    assistant.ingest([root / "corpus"])
    with serving(create_server(assistant)) as url:
        yield WebApp(url + "/", assistant)


def logged_in(browser, app: WebApp):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app.url)
    page.get_by_label("username").fill("reader")
    page.get_by_label("password").fill("s3cret")
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()
    return page


def test_with_logins_conversations_are_kept_on_the_server_for_their_user(browser, login_app: WebApp) -> None:
    page = logged_in(browser, login_app)
    ask(page, "Who is the UN Syria envoy?")
    answered(page, "Staffan de Mistura")
    page.close()

    [kept] = list((login_app.settings.home / "conversations").glob("*.json"))
    assert "Staffan de Mistura" in kept.read_text()
    elsewhere = logged_in(browser, login_app)  # another browser: nothing in its own storage
    elsewhere.locator("#chat").get_by_text("Staffan de Mistura").first.wait_for()
    assert listed(elsewhere) == ["Who is the UN Syria envoy?"]
    elsewhere.close()


@pytest.fixture(scope="module")
def short_timeline_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The dated bridge story with timelines of one line: the other day goes behind "more"."""
    from rag.assistant import Assistant
    from rag.settings import Settings
    from tests.ui.conftest import serving, write_dated_story
    from ui.web import create_server

    root = tmp_path_factory.mktemp("short-timeline-web")
    write_dated_story(root / "corpus")
    settings = Settings(home=root / "home", corpus_dir=root / "corpus", timeline_lines=1)
    assistant = Assistant(settings)
    assistant.ingest([root / "corpus"])
    with serving(create_server(assistant)) as url:
        yield WebApp(url + "/", assistant)


def test_a_timeline_s_further_lines_open_behind_more(browser, short_timeline_app: WebApp) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(short_timeline_app.url)
    ask(page, "How did the Kessler harbor bridge story unfold?", as_of="2024-07-01")
    more = page.locator("#chat details summary", has_text="1 more line")
    more.wait_for(timeout=60_000)  # this server's first answer: 30 s was once too short on a loaded machine
    hidden = page.locator("#chat details li")
    assert not hidden.first.is_visible()
    more.click()
    assert hidden.first.is_visible()
    shoot(page, "chat-timeline-more.png")
    page.close()
