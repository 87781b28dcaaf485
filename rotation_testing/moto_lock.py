"""One thread at a time in moto's models.

moto's backends are plain Python objects without locks; its server answers each request on a thread
of its own. Two requests at once can meet inside a model: moto's Secrets Manager store scans a dict
that a concurrent CreateSecret is growing ("RuntimeError: dictionary changed size during
iteration", found in the sandbox's logs), and a create that fails with a 500 after storing is
resent by the client and refused as a duplicate. The service answers concurrent requests
correctly, so the sandbox runs each request, and the rotation worker's bookkeeping, while holding
this lock.

The lock is let go while a Lambda function runs: the function calls the sandbox back, and those
requests need it (``released``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class MotoLock:
    def __init__(self) -> None:
        self.after_fork()

    def after_fork(self) -> None:
        """A fresh lock: a forked child has only the forking thread, so no holder survives."""
        self._lock = threading.Lock()
        self._owner: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock; a thread that already holds it just goes on."""
        if self._owner == threading.get_ident():
            yield
            return
        with self._lock:
            self._owner = threading.get_ident()
            try:
                yield
            finally:
                self._owner = None

    @contextmanager
    def released(self) -> Iterator[None]:
        """Let go of the lock for a while, if this thread holds it; take it back after."""
        if self._owner != threading.get_ident():
            yield
            return
        self._owner = None
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner = threading.get_ident()


MOTO_LOCK = MotoLock()
os.register_at_fork(after_in_child=MOTO_LOCK.after_fork)
