"""The tests' MariaDB server starts even when its port is taken before it binds it.

The port is chosen free before the data directory is made; seconds later, under `make test`, any
of the run's loopback connections may have been given it (a PostgreSQL benchmark failed so once).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

from mariadbserver import MariaDb, _server_account, ensure_installed, start_on_a_free_port


def test_a_port_taken_before_the_first_start_moves_the_server_to_a_free_one() -> None:
    binary, installer = ensure_installed()
    # Under /tmp itself: the server's account must reach the directory (pytest's tmp_path is not).
    base = Path(tempfile.mkdtemp(prefix="rotator-mariadb-port-"))
    server = MariaDb(base=base, binary=binary, installer=installer, account=_server_account())
    try:
        server.init()
        taken = server.port
        with socket.socket() as squatter:
            squatter.bind((server.host, taken))
            squatter.listen()
            start_on_a_free_port(server)
        assert server.port != taken
        assert server.sql("SELECT @@port") == [(server.port,)]
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
