"""`rag mcp` as MCP clients see it: the official `mcp` client and LangChain's MCP adapters.

The server runs as a real subprocess (`python -m rag mcp`) over a real store holding
the seed article and the Valmora floods (three outlets on one event, a wire copy):
over stdio, as Claude Desktop, Claude Code and Cursor launch it, and over
streamable HTTP behind a bearer key. Nothing is mocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from rag.assistant import Assistant
from tests.events_fixture import AS_OF, COPY_OUTLET, EVENT_OUTLETS, OLDER_OUTLET, QUESTION
from tests.paths import CODE_PATH, ROOT
from tests.servers import free_port, running
from tests.ui.conftest import built_with, serving
from ui.mcp import build_server, http_app

KEY = "mcp-test-key-7f3a"
SEED_QUESTION = "why did Putin move talks from Astana?"
SEED_TITLE = "Syria talks yield minimal results for Russia as Putin attempts to take control of peace process"
SOCHI = "Putin decided to move the negotiations to Sochi"
TOOLS = {"ask", "search", "get_article", "timeline", "compare"}


def door_env(**extra: str) -> dict[str, str]:
    """The environment `rag` subprocesses run in: this worktree's code, offline."""
    return {**os.environ, "PYTHONPATH": CODE_PATH, "HF_HUB_OFFLINE": "1", **extra}


@asynccontextmanager
async def stdio_session(home: Path) -> AsyncIterator[ClientSession]:
    """`rag --home HOME mcp` launched by the official client, as a desktop client launches it."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "rag", "--home", str(home), "mcp"], env=door_env(), cwd=str(ROOT)
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http_session(url: str, key: str = KEY) -> AsyncIterator[ClientSession]:
    client = httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=httpx.Timeout(120))
    async with (
        client,
        streamable_http_client(url, http_client=client) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.fixture(scope="module")
def mcp_url(archive: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag mcp --http` on a loopback port, requiring KEY."""
    port = free_port()
    command = [sys.executable, "-m", "rag", "--home", str(archive.settings.home), "mcp", "--http"]
    log = tmp_path_factory.mktemp("mcp-http") / "server.log"
    base = f"http://127.0.0.1:{port}"
    env = door_env(RAG_API_KEY=KEY, RAG_MCP_PORT=str(port))
    with running(command, f"{base}/health", log, timeout=180, env=env):
        yield f"{base}/mcp"


def article_id(archive: Assistant, name: str) -> str:
    return next(record.id for record in archive.articles() if record.id.endswith(name))


async def test_over_stdio_every_tool_answers_from_the_archive(archive: Assistant) -> None:
    async with stdio_session(archive.settings.home) as session:
        listed = (await session.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert tool.description and tool.outputSchema, tool.name
            assert "\n " not in tool.description, "descriptions are dedented"
            assert tool.annotations and tool.annotations.readOnlyHint, tool.name

        answer = (await session.call_tool("ask", {"question": SEED_QUESTION})).structuredContent
        assert answer["answer"].startswith("Convinced that Kazakhstan was trying to prove its political")
        sochi = next(citation for citation in answer["citations"] if SOCHI in citation["quote"])
        seed = (await session.call_tool("get_article", {"article_id": sochi["article_id"]})).structuredContent
        assert sochi["title"] == seed["title"] == SEED_TITLE
        assert sochi["date"] == seed["published"]  # the seed is a bare text file: undated, said as None
        assert SOCHI in seed["text"]

        found = await session.call_tool("search", {"query": "Valmora floods death toll", "k": 4})
        passages = found.structuredContent["passages"]
        assert passages and {"Daily Post", "Evening Star"} <= {passage["outlet"] for passage in passages}
        assert all(passage["article_id"] and passage["date"] and passage["url"] for passage in passages)
        assert found.content[0].text.startswith(f"[1] {passages[0]['title']} ({passages[0]['outlet']}, ")
        scores = [passage["score"] for passage in passages]
        assert scores == sorted(scores, reverse=True)

        line = await session.call_tool(
            "timeline", {"topic": "the Valmora floods", "as_of": AS_OF.isoformat()}
        )
        lines = line.structuredContent["lines"]
        assert len(lines) >= 2 and all(text[:1].isdigit() for text in lines)  # "16 Oct 2025: ... [n]"

        compared = await session.call_tool(
            "compare", {"topic": "the Valmora floods", "as_of": AS_OF.isoformat()}
        )
        [differ] = [text for text in compared.structuredContent["lines"] if text.startswith("Differ:")]
        assert "Daily Post: 12 dead [" in differ and "Evening Star: at least 14 dead [" in differ
        assert SOCHI not in compared.content[0].text  # the readable text is the same answer
        assert "Also reported by Coast Times (17 Oct)" in compared.content[0].text


async def test_an_article_comes_whole_with_its_story_and_its_event(archive: Assistant) -> None:
    daily_post = article_id(archive, "daily-post.md")
    async with stdio_session(archive.settings.home) as session:
        view = (await session.call_tool("get_article", {"article_id": daily_post})).structuredContent
        assert view["text"].startswith("Flash floods tore through the mountain town of Valmora")
        assert view["text"].endswith("asked the army for boats and helicopters.")
        assert (view["outlet"], view["published"]) == ("Daily Post", "2025-10-16")
        assert [copy["outlet"] for copy in view["story"]] == [COPY_OUTLET]
        assert [report["outlet"] for report in view["event"]["outlets"]] == EVENT_OUTLETS
        assert OLDER_OUTLET not in view["event"]["copies_by"]

        listed = (await session.list_resources()).resources
        uri = f"article://{quote(daily_post, safe='')}"
        assert uri in {str(resource.uri) for resource in listed}
        [content] = (await session.read_resource(uri)).contents
        assert content.text.startswith("# Valmora floods leave 12 dead\nDaily Post, 2025-10-16")
        assert "Flash floods tore through" in content.text


async def test_bad_calls_get_one_line_errors_and_the_server_keeps_serving(archive: Assistant) -> None:
    async with stdio_session(archive.settings.home) as session:
        cases = {
            (
                "get_article",
                "no/such/article.md",
            ): "get_article: no indexed article has the id 'no/such/article.md'",
            ("ask", "   "): "ask: the question is empty",
        }
        for (tool, value), expected in cases.items():
            argument = "article_id" if tool == "get_article" else "question"
            result = await session.call_tool(tool, {argument: value})
            assert result.isError
            [text] = [block.text for block in result.content]
            assert text.startswith(expected) and "\n" not in text, text

        malformed = await session.call_tool("search", {"k": "many"})
        assert malformed.isError
        assert malformed.content[0].text == "search: query: Field required"
        bad_day = await session.call_tool("ask", {"question": QUESTION, "as_of": "last Tuesday"})
        assert bad_day.content[0].text == "ask: as_of 'last Tuesday' is not a day: write YYYY-MM-DD"

        with pytest.raises(McpError) as unknown:
            await session.read_resource("article://no%2Fsuch.md")
        assert str(unknown.value) == (
            "article://no%2Fsuch.md: no indexed article has the id 'no/such.md': "
            "ids come with search results and citations"
        )

        again = await session.call_tool("ask", {"question": SEED_QUESTION})
        assert not again.isError and SOCHI in again.content[0].text


async def test_over_http_with_the_key_the_tools_answer(mcp_url: str) -> None:
    async with http_session(mcp_url) as session:
        assert {tool.name for tool in (await session.list_tools()).tools} == TOOLS
        answer = await session.call_tool("ask", {"question": QUESTION, "as_of": AS_OF.isoformat()})
        data = answer.structuredContent
        assert not data["abstained"]
        assert {citation["outlet"] for citation in data["citations"]} <= {*EVENT_OUTLETS, COPY_OUTLET}
        assert all(
            citation["date"] <= AS_OF.isoformat() and citation["url"] for citation in data["citations"]
        )
        assert any("Reported by 3 outlets" in line for line in data["coverage"])


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", f"Basic {KEY}"])
def test_over_http_a_request_without_the_key_gets_401_in_json_rpc_shape(mcp_url: str, authorization) -> None:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    response = httpx.post(mcp_url, json=initialize, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["error"]["message"].startswith("Unauthorized")


async def test_over_http_the_official_client_with_a_wrong_key_is_refused(mcp_url: str) -> None:
    with pytest.RaisesGroup(pytest.RaisesExc(httpx.HTTPStatusError, match="401 Unauthorized")):
        async with http_session(mcp_url, key="wrong-key"):
            pass


def test_over_http_a_malformed_body_gets_a_json_rpc_parse_error_and_the_server_keeps_serving(
    mcp_url: str,
) -> None:
    headers = {
        "Authorization": f"Bearer {KEY}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    response = httpx.post(mcp_url, content=b'{"jsonrpc": "2.0", "method": ', headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32700  # JSON-RPC "Parse error"
    assert httpx.get(mcp_url.removesuffix("/mcp") + "/health").json() == {"status": "ok"}


async def test_langchain_loads_the_tools_and_one_answers(mcp_url: str) -> None:
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient(
        {
            "news": {
                "transport": "streamable_http",
                "url": mcp_url,
                "headers": {"Authorization": f"Bearer {KEY}"},
            }
        }
    )
    tools = {tool.name: tool for tool in await client.get_tools()}
    assert set(tools) == TOOLS

    reply = await tools["ask"].ainvoke({"question": SEED_QUESTION})

    text = reply if isinstance(reply, str) else json.dumps(reply)
    assert SOCHI in text and SEED_TITLE in text


async def test_over_http_each_key_has_its_own_rate_of_questions(archive: Assistant) -> None:
    server = built_with(
        archive, lambda assistant: http_app(build_server(assistant), [KEY, "other"], 1_000_000), api_rate=1
    )
    with serving(server) as url:
        async with http_session(f"{url}/mcp") as session:
            assert not (await session.call_tool("search", {"query": "Valmora"})).isError
            refused = await session.call_tool("ask", {"question": QUESTION})
            assert refused.isError
            assert refused.content[0].text.startswith("ask: rate limit: 1 questions a minute per key")
        async with http_session(f"{url}/mcp", key="other") as session:
            assert not (await session.call_tool("ask", {"question": QUESTION})).isError


async def test_over_http_a_body_over_the_size_cap_gets_413_and_the_server_keeps_serving(
    archive: Assistant,
) -> None:
    with serving(http_app(build_server(archive), [KEY], 4000)) as url:
        headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json, text/event-stream"}
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"question": "why? " * 1000}}
        refused = httpx.post(f"{url}/mcp", json=call, headers=headers)
        async with http_session(f"{url}/mcp") as session:
            answered = await session.call_tool("ask", {"question": QUESTION})

    assert refused.status_code == 413
    assert refused.json()["error"] == {
        "code": -32600,
        "message": "the request body is over 4000 bytes (RAG_API_MAX_BODY_BYTES)",
    }
    assert not answered.isError


def test_without_a_key_rag_mcp_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rag.cli import cli

    result = CliRunner().invoke(
        cli, ["--home", str(tmp_path), "mcp", "--http", "--host", "0.0.0.0"], env={"RAG_API_KEY": ""}
    )

    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: MCP over HTTP would listen on 0.0.0.0 with no key: set RAG_API_KEY, "
        "or bind 127.0.0.1 (the default)"
    )


def test_over_stdio_a_malformed_line_is_reported_and_the_server_keeps_serving(archive: Assistant) -> None:
    command = [sys.executable, "-m", "rag", "--home", str(archive.settings.home), "mcp"]
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=door_env(),
    ) as server:
        try:
            server.stdin.write('{"jsonrpc": "2.0", "id": 1, "method": \n')
            server.stdin.flush()
            reported = json.loads(server.stdout.readline())
            initialize = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"},
                },
            }
            server.stdin.write(json.dumps(initialize) + "\n")
            server.stdin.flush()
            answered = json.loads(server.stdout.readline())
        finally:
            server.terminate()

    assert reported["method"] == "notifications/message" and reported["params"]["level"] == "error"
    assert answered["id"] == 2 and answered["result"]["serverInfo"]["name"] == "rag-news"
