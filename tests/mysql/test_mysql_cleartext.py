"""On a connection whose other end is not verified, the password is never sent in clear, whether
the server asks for mysql_clear_password at once or in an authentication switch.

A few lines of fake server on loopback stand in for whoever answers an unverified connection:
it speaks the handshake (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html)
and records every byte the function sends."""

from __future__ import annotations

import json
import socket
import struct
import threading

import pytest

from rotator.logs import StepLog
from rotator.strategies.mysql import database
from rotator.strategies.mysql.errors import CleartextPasswordRefusedError
from rotator.strategies.mysql.secret import parse_secret

PASSWORD = "never-in-clear-7f3a9c"
# CLIENT_LONG_PASSWORD | CONNECT_WITH_DB | PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH; no SSL.
CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x8000 | 0x80000


def _packet(payload: bytes, seq: int) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def _handshake(plugin: bytes) -> bytes:
    return (
        b"\x0a8.0.36\x00"
        + struct.pack("<I", 7)
        + b"abcdefgh\x00"
        + struct.pack("<H", CAPABILITIES & 0xFFFF)
        + b"\x21"
        + struct.pack("<H", 2)
        + struct.pack("<H", CAPABILITIES >> 16)
        + b"\x15"
        + b"\x00" * 10
        + b"ijklmnopqrst\x00"
        + plugin
        + b"\x00"
    )


class FakeServer:
    def __init__(self, plugin: bytes, *, switch_to: bytes | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = b""
        self.plugin, self.switch_to = plugin, switch_to
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(1)
        with conn:
            conn.sendall(_packet(_handshake(self.plugin), 0))
            try:
                self.received += conn.recv(65536)
                if self.switch_to is not None:
                    conn.sendall(
                        _packet(b"\xfe" + self.switch_to + b"\x00" + b"x" * 20 + b"\x00", 2)
                    )
                    self.received += conn.recv(65536)
            except OSError:
                pass

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.mark.parametrize(
    ("plugin", "switch_to"),
    [
        (b"mysql_clear_password", None),
        (b"mysql_native_password", b"mysql_clear_password"),
        (b"mysql_native_password", b"dialog"),
        (b"sha256_password", None),
    ],
)
def test_the_password_is_not_sent_to_an_unverified_server_asking_for_it(
    plugin: bytes, switch_to: bytes | None
) -> None:
    server = FakeServer(plugin, switch_to=switch_to)
    secret = parse_secret(
        json.dumps(
            {
                "engine": "mysql",
                "host": "127.0.0.1",
                "port": server.port,
                "username": "app",
                "password": PASSWORD,
                "ssl": False,
            }
        ),
        label="AWSCURRENT",
    )

    with pytest.raises(CleartextPasswordRefusedError, match="it was not sent"):
        database.login(secret, credentials="AWSCURRENT", log=StepLog())

    server.close()
    assert PASSWORD.encode() not in server.received
    if switch_to is not None:
        assert server.received, "control: the handshake response was sent"
