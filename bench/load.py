"""Load: 20 browser-chat clients and 20 Slack senders at once, for a bounded time.

Both doors run in this process on loopback ports over one Assistant (the
shipped corpus), the Slack bot against the fake Slack Web API the tests use.
Prints answered / failed counts, p50 / p95 latency per door, and resident
memory after warm-up and at the end (target: zero failures, memory flat).

    .venv/bin/python -m bench.load [--seconds 60] [--clients 20]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from gradio_client import Client

from rag.assistant import Assistant
from rag.settings import Settings
from tests.fakes.slack_api import BOT_USER, FakeSlack
from tests.ui.conftest import serving
from ui import slack, web

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-test-signing-secret"
QUESTIONS = [
    "why did Putin move talks from Astana?",
    "Who is the UN Syria envoy?",
    "How many participants attended the congress?",
    "Who won the 2018 World Cup?",
    "Why does Kazakhstan refuse to send troops to Syria?",
]


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    options = parser.parse_args()

    fake = FakeSlack().start()
    home = Path(tempfile.mkdtemp(prefix="rag-load-"))
    settings = Settings(
        home=home,
        slack_bot_token="xoxb-load",
        slack_signing_secret=SECRET,
        slack_api_url=fake.url,
        slack_user_rate=0,  # the load's senders share one user id; a limit would measure the limit
    )
    assistant = Assistant(settings)
    assistant.ingest([ROOT / "corpus"])
    with (
        serving(web.create_server(assistant)) as web_base,
        serving(slack.create_server(slack.build_app(assistant))) as slack_base,
    ):
        summary = load(fake, web_base + "/", slack_base + "/slack/events", options.seconds, options.clients)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(summary, indent=2, default=float))
    fake.stop()


def load(fake: FakeSlack, web_url: str, slack_url: str, seconds: float, clients: int) -> dict[str, object]:
    """Run both doors' clients until `seconds` pass; print and return the figures."""
    Client(web_url, verbose=False).predict(QUESTIONS[0], 5, None, api_name="/ask")
    before = resident_mb()

    deadline = time.monotonic() + seconds
    ids = itertools.count()
    results: dict[str, list[tuple[bool, float]]] = {"web": [], "slack": []}
    lock = threading.Lock()

    def record(door: str, ok: bool, started: float) -> None:
        with lock:
            results[door].append((ok, time.perf_counter() - started))

    def browser(number: int) -> None:
        client = Client(web_url, verbose=False)
        for question in itertools.cycle(QUESTIONS[number % len(QUESTIONS) :] + QUESTIONS):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                answer = client.predict(question, 5, None, api_name="/ask")
                record("web", "error" not in answer and bool(answer["text"]), started)
            except Exception:
                record("web", False, started)

    def slack_sender(number: int) -> None:
        for question in itertools.cycle(QUESTIONS):
            if time.monotonic() > deadline:
                return
            event_number = next(ids)
            channel = f"C{number}-{event_number}"
            started = time.perf_counter()
            try:
                post_event(slack_url, question, channel, event_number)
                record("slack", wait_for_answer(fake, channel, deadline + 60), started)
            except Exception:
                record("slack", False, started)

    samples: list[float] = []
    with ThreadPoolExecutor(max_workers=2 * clients) as pool:
        for number in range(clients):
            pool.submit(browser, number)
            pool.submit(slack_sender, number)
        while time.monotonic() < deadline:
            samples.append(resident_mb())
            time.sleep(seconds / 10)
    after = resident_mb()

    print(f"{clients} browser clients + {clients} Slack senders for {seconds:.0f} s")
    print(f"{'door':<8}{'answered':>10}{'failed':>8}{'p50 ms':>10}{'p95 ms':>10}")
    summary: dict[str, object] = {"seconds": seconds, "clients": clients}
    for door, outcomes in results.items():
        times = [seconds * 1000 for ok, seconds in outcomes if ok]
        failed = sum(not ok for ok, _ in outcomes)
        p50, p95 = (np.percentile(times, 50), np.percentile(times, 95)) if times else (float("nan"),) * 2
        print(f"{door:<8}{len(times):>10}{failed:>8}{p50:>10.0f}{p95:>10.0f}")
        summary[door] = {"answered": len(times), "failed": failed, "p50_ms": p50, "p95_ms": p95}
    print(
        f"resident memory: {before:.0f} MB after warm-up, {after:.0f} MB at the end ({after - before:+.0f})"
    )
    print("resident memory every tenth of the run (MB): " + " ".join(f"{mb:.0f}" for mb in samples))
    summary |= {"rss_before_mb": before, "rss_after_mb": after, "rss_samples_mb": samples}
    return summary


def post_event(url: str, question: str, channel: str, number: int) -> None:
    ts = f"1900000000.{number:06d}"
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": f"EvLoad{number}",
            "event": {
                "type": "app_mention",
                "user": "U1",
                "text": f"<@{BOT_USER}> {question}",
                "ts": ts,
                "channel": channel,
            },
        }
    )
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    with urllib.request.urlopen(request) as response:
        response.read()


def wait_for_answer(fake: FakeSlack, channel: str, give_up: float) -> bool:
    while time.monotonic() < give_up:
        if any(call.params.get("channel") == channel for call in fake.named("chat.update")):
            return True
        time.sleep(0.02)
    return False


if __name__ == "__main__":
    main()
