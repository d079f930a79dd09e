"""`rag watch`: poll feeds on a schedule; each poll ingests only new items and prints one line.

Stopping is cooperative: Ctrl+C or SIGTERM sets an event that the fetch loop
checks between requests and the wait between polls wakes on. An article being
written when it is set is finished first, so the store is never left with half
an article; a poll stopped while fetching ingests nothing and remembers
nothing, and is simply done again by the next run.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from rag.ingest.pipeline import IngestBusyError
from rag.ingest.sources import SourcesReport

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'15m', '90s', '1h', '1.5h' or plain seconds -> seconds; `ValueError` otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90s, 15m or 1h")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


def poll_line(report: SourcesReport, at: datetime | None = None) -> str:
    """The one line a poll prints (errors follow on their own lines)."""
    stamp = (at or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} {report.summary()}"


def watch(
    poll: Callable[[threading.Event], SourcesReport],
    interval: float,
    say: Callable[[str], None],
    stop: threading.Event,
) -> int:
    """Poll until `stop` is set; returns how many polls ran."""
    polls = 0
    while not stop.is_set():
        try:
            report = poll(stop)
        except IngestBusyError as error:
            say(f"{datetime.now():%Y-%m-%d %H:%M:%S} skipped this poll: {error}")
            stop.wait(interval)
            continue
        polls += 1
        say(poll_line(report))
        for failure in report.collected.errors:
            say(f"  {failure}")
        for skipped in report.ingest.skipped if report.ingest else ():
            say(f"  {skipped}")
        stop.wait(interval)
    return polls


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl+C (SIGINT) or SIGTERM for the block's duration; old handlers restored after."""
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Background:
    """The same loop in a thread, for `rag web --watch`; `stop` lets the poll in progress finish."""

    def __init__(
        self, poll: Callable[[threading.Event], SourcesReport], interval: float, say: Callable[[str], None]
    ) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=watch, args=(poll, interval, say, self._stop), name="rag-watch", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        self._stop.set()
        self._thread.join(timeout)
