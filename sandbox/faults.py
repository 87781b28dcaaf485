"""Injected step failures: how tests make a rotation fail without a test hook in the product.

A fault names a function and a rotation step; the next ``times`` invocations of that function for
that step fail before the handler runs, with the given message, as if the step had raised.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    function_name: str
    step: str
    message: str
    times: int | None  # None: until cleared


class FaultRegistry:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, function_name: str, step: str | None) -> str | None:
        """The message of a fault armed for this invocation, consuming one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.function_name == function_name and fault.step == step:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault.message
        return None


FAULTS = FaultRegistry()
