"""What the MCP server and the OpenAI-compatible API add to a question, beside `Assistant.ask`.

One process, one `Assistant`, one run: each round asks the same question three
ways, in an order rotated each round, so load and caches fall on all alike:
`Assistant.ask` directly (the baseline, on a worker thread as the doors run it),
the `ask` tool over streamable HTTP (`rag mcp --http`'s app on loopback) as a bare
`tools/call` and through the official `ClientSession.call_tool` (which adds the
client's own JSON Schema check of the result), and `/v1/chat/completions`
(`rag api`'s app on loopback) as a bare POST and through the `openai` client. An MCP ping and GET /v1/models
give each transport's floor. A door's cost is a request's time minus the time spent
inside `Assistant.ask` for that very request (the baseline's own such time is the
thread hop it runs on); p50 of that, target under 10 ms.

    .venv/bin/python -m bench.doors [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import openai
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client

from bench.common import SEED_ARTICLE, percentile_ms, print_table, write_json
from rag.assistant import Assistant
from rag.schema import Answer
from rag.settings import Settings
from tests.events_fixture import write_event_corpus
from tests.servers import serving  # the tests' loopback helper: one way to serve an app
from ui.mcp import build_server, http_app
from ui.openai_api import create_server

QUESTIONS = [
    "why did Putin move talks from Astana?",
    "How many people died in the Valmora floods?",
    "Who boycotted the Sochi congress?",
    "What did the governor declare after the Valmora floods?",
]


class TimedAssistant(Assistant):
    """An `Assistant` that remembers how long its latest `ask` took, so a door's own time is
    the request's time minus that: the question's cost, whatever it is, drops out."""

    inside = 0.0

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        started = time.perf_counter()
        try:
            return super().ask(*args, **kwargs)
        finally:
            self.inside = time.perf_counter() - started


Times = dict[str, list[tuple[float, float]]]


async def rounds(assistant: TimedAssistant, api: str, mcp: str, count: int) -> Times:
    """Each round: every path once, in an order rotated per round; the first round only warms up.

    Per request: (its time, the time spent inside `Assistant.ask` for it); one request at a time.
    """
    client = openai.OpenAI(base_url=api + "/v1", api_key="unused", max_retries=0)
    times: Times = {}
    async with (
        httpx.AsyncClient(timeout=120) as http,
        streamable_http_client(mcp + "/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()

        async def raw_call(question: str) -> None:
            """tools/call as any MCP client sends it, without the Python client's own JSON Schema check."""
            request = types.CallToolRequest(
                params=types.CallToolRequestParams(name="ask", arguments={"question": question})
            )
            result = await session.send_request(types.ClientRequest(request), types.CallToolResult)
            assert not result.isError, result.content

        async def official_call(question: str) -> None:
            result = await session.call_tool("ask", {"question": question})
            assert not result.isError, result.content

        async def bare_chat(question: str) -> None:
            """The request as any HTTP client sends it, without the openai client's own parsing."""
            body = {"model": "rag-news", "messages": [{"role": "user", "content": question}]}
            response = await http.post(api + "/v1/chat/completions", json=body)
            assert response.status_code == 200, response.text

        def chat(question: str) -> None:
            client.chat.completions.create(model="rag-news", messages=[{"role": "user", "content": question}])

        paths = {
            "Assistant.ask (baseline)": lambda q: asyncio.to_thread(assistant.ask, q),
            "MCP tools/call ask": raw_call,
            "MCP ClientSession.call_tool": official_call,
            "POST /v1/chat/completions": bare_chat,
            "/v1/chat/completions (openai client)": lambda q: asyncio.to_thread(chat, q),
            "MCP ping (protocol floor)": lambda q: session.send_ping(),
            "GET /v1/models (HTTP floor)": lambda q: asyncio.to_thread(client.models.list),
        }
        for number in range(count + 1):
            question = QUESTIONS[number % len(QUESTIONS)]
            names = list(paths)
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                assistant.inside = 0.0
                started = time.perf_counter()
                await paths[name](question)
                if number:
                    times.setdefault(name, []).append((time.perf_counter() - started, assistant.inside))
    return {name: times[name] for name in paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rag-bench-doors-"))
    write_event_corpus(root / "corpus")
    shutil.copy(SEED_ARTICLE, root / "corpus" / SEED_ARTICLE.name)
    assistant = TimedAssistant(Settings(home=root / "home", corpus_dir=root / "corpus", api_rate=0))
    assistant.ingest([root / "corpus"])
    with serving(create_server(assistant)) as api, serving(http_app(build_server(assistant), [])) as mcp:
        times = asyncio.run(rounds(assistant, api, mcp, options.rounds))
    rows = []
    for name, pairs in times.items():
        total = [whole for whole, _ in pairs]
        door = [(whole - inside) * 1000 for whole, inside in pairs]
        rows.append([name, percentile_ms(total, 50), percentile_ms(total, 95), statistics.median(door)])
    print_table(
        f"One question through each door, ms over {options.rounds} rounds (seed + Valmora store; "
        "target: a door adds < 10 ms p50)",
        ["path", "p50 ms", "p95 ms", "outside Assistant.ask, p50 ms"],
        rows,
    )
    write_json("doors", {name: [list(pair) for pair in pairs] for name, pairs in times.items()})
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
