"""The tests' MariaDB server starts even when its port is taken before it binds it
(tests/loopback_port.py says why)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from loopback_port import port_taken, start_on_a_free_port
from mariadbserver import MariaDb, MariaDbUnavailableError, _server_account, ensure_installed


def test_a_port_taken_before_the_first_start_moves_the_server_to_a_free_one() -> None:
    binary, installer = ensure_installed()
    # Under /tmp itself: the server's account must reach the directory (pytest's tmp_path is not).
    base = Path(tempfile.mkdtemp(prefix="rotator-mariadb-port-"))
    server = MariaDb(base=base, binary=binary, installer=installer, account=_server_account())
    try:
        server.init()
        taken = server.port
        with port_taken(server.host, taken):
            start_on_a_free_port(
                server.start, server.error_log, server.move_to, MariaDbUnavailableError
            )
        assert server.port != taken
        assert server.sql("SELECT @@port") == [(server.port,)]
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
