"""A loopback port for the tests' own database servers (pgserver.py, mariadbserver.py).

A server's port is chosen free before its data directory is made, a second or two before the server
binds it; meanwhile the kernel may hand it to any of the run's loopback connections (hundreds a
second under `make test`), and the server cannot bind. The first start therefore moves to a new
port when the server's log says so. Only the first: a restart keeps the port that secrets name.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

PORT_TAKEN = "Address already in use"  # what PostgreSQL and MariaDB log when bind() fails so
FIRST_START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_on_a_free_port(
    start: Callable[[], None],
    log: Callable[[], str],
    move_to: Callable[[int], None],
    unavailable: type[Exception],
) -> None:
    """``start()``; while it raises ``unavailable`` and the new part of ``log()`` says the port
    was taken, ``move_to`` a new free port and start again (FIRST_START_ATTEMPTS in all)."""
    for attempt in range(1, FIRST_START_ATTEMPTS + 1):
        logged = len(log())
        try:
            start()
        except unavailable:
            if attempt == FIRST_START_ATTEMPTS or PORT_TAKEN not in log()[logged:]:
                raise
        else:
            return
        move_to(free_port())


@contextlib.contextmanager
def port_taken(host: str, port: int) -> Iterator[None]:
    """Someone else listening on ``host:port`` for the block."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind((host, port))
        squatter.listen()
        yield
