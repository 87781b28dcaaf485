"""The tests' PostgreSQL server starts even when its port is taken before it binds it.

The port is chosen free before initdb runs; seconds later, under `make test`, any of the run's
loopback connections may have been given it. One run failed this way in a benchmark.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

from pgserver import PgServer, _server_account, start_on_a_free_port


def test_a_port_taken_before_the_first_start_moves_the_server_to_a_free_one() -> None:
    # Under /tmp itself: the server's account must reach the directory (pytest's tmp_path is not).
    base = Path(tempfile.mkdtemp(prefix="rotator-pg-port-"))
    server = PgServer(base=base, account=_server_account())
    try:
        server.init()
        taken = server.port
        with socket.socket() as squatter:
            squatter.bind((server.host, taken))
            squatter.listen()
            start_on_a_free_port(server)
        try:
            assert server.port != taken
            assert server.sql("SELECT current_setting('port')") == [[str(server.port)]]
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
