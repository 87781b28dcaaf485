"""The sandbox's clock: what Secrets Manager's dates come from, and what tests move forward.

It runs with real time plus an offset, so dates look natural in a demo, and it only ever moves
forward: ``advance_to`` sets it to a later instant (a rotation window's start, the end of an
``advance_clock`` span). Nothing waits on it: a test that advances it by forty days takes as long
as the work those days hold.
"""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Epoch seconds, sandbox time."""
        return time.time() + self._offset

    def advance_to(self, when: float) -> None:
        """Move to ``when`` if it is later than now; never move back."""
        with self._lock:
            real = time.time()
            if when > real + self._offset:
                self._offset = when - real


CLOCK = Clock()
