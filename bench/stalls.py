"""Where a slow question spent its time: every thread's stack, sampled in-process.

A question that takes 80 ms quiet and 700 ms while another process ingests
was either waiting (a lock, a file, the disk), starved of the CPU, or held
off by another thread of its own process. A sampler thread reads every
thread's frame every few milliseconds; for a slow question it reports the
asking thread's most frequent place, the longest gap between samples (the
sampler itself could not run: the GIL was held or the process had no core),
and what the other threads were doing meanwhile.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter, deque
from itertools import pairwise
from types import FrameType

from bench.common import ROOT

INTERVAL_SECONDS = 0.005
KEPT_SAMPLES = 20_000


def _where(frame: FrameType | None, depth: int = 3) -> str:
    """The innermost frames of a stack, outermost first, as `file:function:line` (paths shortened)."""
    places = []
    while frame is not None and len(places) < depth:
        code = frame.f_code
        name = code.co_filename.rsplit("site-packages/", 1)[-1].removeprefix(f"{ROOT}/")
        places.append(f"{name}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return " < ".join(places)


class StallSampler:
    """Samples every thread's stack from a daemon thread; `explain(start, end)` summarises a window."""

    def __init__(self, watched: int | None = None) -> None:
        self.watched = watched if watched is not None else threading.get_ident()
        self._samples: deque[tuple[float, str, tuple[str, ...]]] = deque(maxlen=KEPT_SAMPLES)
        threading.Thread(target=self._run, name="stall-sampler", daemon=True).start()

    def _run(self) -> None:
        me = threading.get_ident()
        names = {}
        while True:
            time.sleep(INTERVAL_SECONDS)
            frames = sys._current_frames()
            if len(names) != len(frames):
                names = {thread.ident: thread.name for thread in threading.enumerate()}
            others = tuple(
                f"{names.get(ident, ident)}: {_where(frame, 1)}"
                for ident, frame in frames.items()
                if ident not in (me, self.watched)
            )
            self._samples.append((time.time(), _where(frames.get(self.watched)), others))

    def explain(self, start: float, end: float) -> dict[str, object]:
        """The watched thread's top places, the longest sampling gap and the other threads' top places
        (those parked in a `wait` left out)."""
        window = [sample for sample in list(self._samples) if start <= sample[0] <= end]
        times = [start, *(moment for moment, _, _ in window), end]
        gap = max(later - earlier for earlier, later in pairwise(times))
        places = Counter(place for _, place, _ in window)
        others = Counter(other for _, _, busy in window for other in busy if "wait" not in other)
        return {
            "samples": len(window),
            "longest_gap_ms": round(gap * 1000),
            "asking_thread": [f"{count}x {place}" for place, count in places.most_common(4)],
            "other_threads": [f"{count}x {place}" for place, count in others.most_common(4)],
        }
