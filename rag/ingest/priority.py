"""An ingest yields the CPU to the questions served on the same host.

Why: on a small host the encoder of a bulk ingest takes every core, and a
serving process's questions queue behind it. A lower priority (nice) costs the
ingest almost nothing when nothing else runs and lets a question through first
when something does. On Linux the nice value is per thread; threads started
afterwards (the encoder's thread pool) inherit it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def yielding_cpu(niceness: int) -> Iterator[None]:
    """Run the block `niceness` steps lower in CPU priority, then go back where allowed."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        yield
        return
    before = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, min(before + niceness, 19))
    try:
        yield
    finally:
        # Raising a priority needs privileges; then the ingest's process keeps the lower one.
        with suppress(PermissionError):
            os.setpriority(os.PRIO_PROCESS, 0, before)
