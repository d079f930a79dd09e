"""An ingest lowers its CPU priority while it runs, so questions served on the host go first."""

import os
import threading

from rag.ingest.priority import yielding_cpu


def test_the_block_runs_at_a_lower_priority_and_threads_it_starts_inherit_it():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    seen: list[int] = []
    with yielding_cpu(5):
        inside = os.getpriority(os.PRIO_PROCESS, 0)
        worker = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, 0)))
        worker.start()
        worker.join()
    assert inside == min(before + 5, 19)
    assert seen == [inside], "the encoder's thread pool starts inside the block and runs as low"
    if os.geteuid() == 0:  # only a privileged process may raise its priority again
        assert os.getpriority(os.PRIO_PROCESS, 0) == before


def test_zero_keeps_the_priority():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with yielding_cpu(0):
        assert os.getpriority(os.PRIO_PROCESS, 0) == before
