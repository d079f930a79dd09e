"""The chat server over HTTP, as `gradio_client` and load balancers see it."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AuthenticationError

from tests.ui.conftest import (
    CLOSED_DATELINE,
    REOPENED_DATELINE,
    STORY_QUESTION,
    WebApp,
)

SEED_QUESTION = "why did Putin move talks from Astana?"


@pytest.fixture(scope="module")
def client(web_app: WebApp) -> Client:
    return Client(web_app.url, verbose=False)


def test_health_route_answers_for_load_balancers(web_app: WebApp) -> None:
    with urllib.request.urlopen(web_app.url + "health") as response:
        body = json.load(response)

    assert body["status"] == "ok"
    assert body["chunks"] >= 4


def test_the_seed_question_through_the_api_returns_the_cited_answer(client: Client) -> None:
    answer = client.predict(SEED_QUESTION, 5, None, api_name="/ask")

    assert answer["text"].startswith("Convinced that Kazakhstan was trying to prove its political")
    first = answer["citations"][0]
    assert first["number"] == 1
    assert "Putin decided to move the negotiations to Sochi" in first["quote"]
    assert answer["sources"][0]["title"].startswith("Syria talks yield minimal results")


def test_the_chat_endpoint_renders_footnotes_and_highlights_the_cited_sentence(client: Client) -> None:
    history, sources, cleared = client.predict(SEED_QUESTION, [], 5, "", api_name="/respond")

    reply = history[-1]["content"][0]["text"]
    assert "Convinced that Kazakhstan" in reply
    assert "[[1]](#source-1)" in reply
    assert '<div class="source" id="source-1">' in sources
    assert "<mark>Convinced that Kazakhstan was trying to prove" in sources
    assert cleared == ""


def test_a_follow_up_uses_the_chat_history(client: Client) -> None:
    history = [
        {"role": "user", "content": "Why does Kazakhstan refuse to send troops to Syria?"},
        {"role": "assistant", "content": "Political instability at home."},
    ]
    answer = client.predict("who is their foreign minister?", 5, history, api_name="/ask")

    assert "Kazakhstan" in answer["standalone_question"]
    assert "Kairat Abdrakhmanov" in answer["text"]


def test_when_the_corpus_does_not_answer_the_chat_says_so_and_lists_nearest_articles(client: Client) -> None:
    history, sources, _ = client.predict("Who won the 2018 World Cup?", [], 5, "", api_name="/respond")

    assert "do not answer" in history[-1]["content"][0]["text"]
    assert "The indexed articles do not answer this." in sources
    assert "Syria talks yield minimal results" in sources


def test_an_empty_question_gets_a_reason_not_an_error(client: Client) -> None:
    assert client.predict("   ", 5, None, api_name="/ask") == {
        "error": "the question is empty: type what you want to know"
    }


def test_twenty_concurrent_chats_are_all_answered(web_app: WebApp) -> None:
    questions = [SEED_QUESTION, "Who is the UN Syria envoy?", "Where was the conference held?", "Why?"] * 5

    def ask(question: str) -> dict:
        return Client(web_app.url, verbose=False).predict(question, 5, None, api_name="/ask")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(ask, questions))

    assert len(answers) == 20
    assert all("error" not in answer and answer["text"] for answer in answers)
    assert sum("Staffan de Mistura" in answer["text"] for answer in answers) == 5


def test_an_uploaded_article_is_searchable_at_once_and_removable(
    web_app: WebApp, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "Lake report (final).txt"
    source.write_text(
        "Lake Balkhash water levels fall\n\nScientists in Almaty said on Monday that Lake Balkhash has "
        "lost a "
        "fifth of its water since 1990 because rivers feeding it are diverted for cotton irrigation.\n",
        encoding="utf-8",
    )

    status, table, _, _ = client.predict([handle_file(str(source))], api_name="/upload")

    assert "`Lake-report-final.txt`: 1 added" in status
    assert (web_app.settings.corpus_dir / "Lake-report-final.txt").exists()
    assert any(row[0] == "Lake Balkhash water levels fall" for row in table["data"])
    answer = client.predict("Why has Lake Balkhash lost water?", 5, None, api_name="/ask")
    assert "diverted for cotton irrigation" in answer["text"]

    article_id = next(row[3] for row in table["data"] if row[0] == "Lake Balkhash water levels fall")
    status, table, _ = client.predict(article_id, api_name="/remove")
    assert status.startswith(f"Removed `{article_id}`")
    assert all(row[0] != "Lake Balkhash water levels fall" for row in table["data"])


def test_a_file_that_is_not_an_article_is_refused_and_leaves_nothing(
    web_app: WebApp, client: Client, tmp_path: Path
) -> None:
    before = sorted(path.name for path in web_app.settings.corpus_dir.iterdir())
    bad = tmp_path / "latin.txt"
    bad.write_bytes("Título\n\nAñadido en Sochi.".encode("latin-1"))

    status, _, _, _ = client.predict([handle_file(str(bad))], api_name="/upload")

    assert "⚠️ 'latin.txt' was not indexed: not UTF-8 text" in status
    assert sorted(path.name for path in web_app.settings.corpus_dir.iterdir()) == before


def test_with_a_login_set_the_chat_needs_it_and_health_stays_open(seed_assistant, tmp_path: Path) -> None:
    from rag.assistant import Assistant
    from tests.ui.conftest import serving
    from ui.web import create_server

    settings = seed_assistant.settings.with_overrides(web_auth="editor:s3cret-pass")
    with serving(create_server(Assistant(settings))) as url:
        with urllib.request.urlopen(url + "/health") as response:
            assert json.load(response)["status"] == "ok"
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url + "/", verbose=False)
        with pytest.raises(ValueError, match="Could not login"):
            Client(url + "/", auth=("editor", "guess"), verbose=False)
        answer = Client(url + "/", auth=("editor", "s3cret-pass"), verbose=False).predict(
            SEED_QUESTION, 5, None, api_name="/ask"
        )
        assert answer["text"].startswith("Convinced that Kazakhstan")
        with urllib.request.urlopen(url + "/") as response:
            assert "s3cret-pass" not in response.read().decode()


@pytest.fixture(scope="module")
def dated_client(dated_web_app: WebApp) -> Client:
    return Client(dated_web_app.url, verbose=False)


def test_as_of_before_the_later_article_never_cites_it(dated_client: Client) -> None:
    before = dated_client.predict(STORY_QUESTION, 5, None, "2024-03-01", api_name="/ask")
    after = dated_client.predict(STORY_QUESTION, 5, None, "2024-07-01", api_name="/ask")

    assert {citation["published"] for citation in before["citations"]} == {"2024-01-10"}
    assert [source["source"] for source in before["sources"]] == ["Harbor Ledger"]
    assert before["timeframe"]["as_of"] == "2024-03-01"
    assert "2024-06-12" in {citation["published"] for citation in after["citations"]}, "later, it is cited"


def test_the_chat_shows_each_citation_s_outlet_and_date_and_the_timeframe(dated_client: Client) -> None:
    history, sources, _ = dated_client.predict(STORY_QUESTION, [], 5, "2024-03-01", api_name="/respond")

    reply = history[-1]["content"][0]["text"]
    assert f"[[1]](#source-1) _({CLOSED_DATELINE})_" in reply
    assert reply.endswith("*Articles up to 1 Mar 2024.*")
    assert f'<span class="source-meta">· {CLOSED_DATELINE}</span>' in sources
    assert REOPENED_DATELINE not in reply + sources


def test_a_malformed_as_of_date_gets_one_line_in_the_chat_and_changes_nothing(dated_client: Client) -> None:
    history, sources, typed = dated_client.predict(STORY_QUESTION, [], 5, "1 March", api_name="/respond")
    error = dated_client.predict(STORY_QUESTION, 5, None, "2024-02-30", api_name="/ask")

    reply = history[-1]["content"][0]["text"]
    assert reply.startswith("⚠️ the as\\-of date '1 March' is not a day: write it as YYYY\\-MM\\-DD")
    assert "\n" not in reply
    assert sources == {"__type__": "update", "props": {"__type__": "update"}}, "the panel is left as it was"
    assert typed == STORY_QUESTION, "the question stays in the box, to send again with a fixed date"
    assert error == {
        "error": "the as-of date '2024-02-30' is not a day: write it as YYYY-MM-DD (e.g. 2024-01-05), "
        "or leave it empty for today"
    }


def examples_offered(url: str) -> list[str]:
    """The sample questions of the page's Examples component, from the config the browser loads."""
    with urllib.request.urlopen(url + "config") as response:
        config = json.load(response)
    datasets = [c for c in config["components"] if c["type"] == "dataset"]
    return [sample[0] for dataset in datasets for sample in dataset["props"]["samples"]]


def test_the_example_questions_ask_about_the_newest_stories(web_app: WebApp, dated_web_app: WebApp) -> None:
    assert examples_offered(web_app.url) == ["What is the latest on the Syria talks?"]
    assert examples_offered(dated_web_app.url) == ["What is the latest on the Kessler harbor bridge?"]


def test_an_empty_store_offers_no_examples_and_still_serves_the_chat(tmp_path: Path) -> None:
    from rag.assistant import Assistant
    from rag.settings import Settings
    from tests.ui.conftest import serving
    from ui.web import create_server

    with serving(create_server(Assistant(Settings(home=tmp_path / "home")))) as url:
        assert examples_offered(url + "/") == []
        answer = Client(url + "/", verbose=False).predict(STORY_QUESTION, 5, None, "", api_name="/ask")

    assert answer["abstained"] is True
    assert "rag ingest" in answer["notes"][-1]
