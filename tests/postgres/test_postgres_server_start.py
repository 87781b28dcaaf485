"""The tests' PostgreSQL server starts even when its port is taken before it binds it
(tests/loopback_port.py says why; a benchmark's quick run failed once, likely so)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from loopback_port import port_taken, start_on_a_free_port
from pgserver import PgServer, PostgresUnavailableError, _server_account


def test_a_port_taken_before_the_first_start_moves_the_server_to_a_free_one() -> None:
    # Under /tmp itself: the server's account must reach the directory (pytest's tmp_path is not).
    base = Path(tempfile.mkdtemp(prefix="rotator-pg-port-"))
    server = PgServer(base=base, account=_server_account())
    try:
        server.init()
        taken = server.port
        with port_taken(server.host, taken):
            start_on_a_free_port(server.start, server.log, server.move_to, PostgresUnavailableError)
        try:
            assert server.port != taken
            assert server.sql("SELECT current_setting('port')") == [[str(server.port)]]
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
