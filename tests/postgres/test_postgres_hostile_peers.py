"""Issue 19: what a secret's writer or someone on the path can make the function do.

Hostile peers are small socket servers on loopback: one answers 'N' to the TLS request and asks
for an MD5 hash, one takes TLS with a certificate of its own and offers SCRAM without channel
binding, and one relays a plaintext client to the real server over TLS (the downgrade the
"try" policy allowed). The multi-user guards are checked against the real server.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from pgserver import DbUser, PgServer
from rotator_harness import Service

from rotator.errors import RotationError
from rotator.logs import StepLog
from rotator.strategies.database import (
    EndpointMismatchError,
    MasterNotAllowedError,
    MasterUserTargetedError,
)
from rotator.strategies.postgres import database
from rotator.strategies.postgres.errors import CleartextPasswordRefusedError, DatabaseTlsError
from rotator.strategies.postgres.secret import parse_secret

pytestmark = pytest.mark.postgres

SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _read_startup(conn: socket.socket | ssl.SSLSocket) -> bytes:
    length = struct.unpack("!i", _recv_exactly(conn, 4))[0]
    return _recv_exactly(conn, length - 4)


def _recv_exactly(conn: socket.socket | ssl.SSLSocket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


class HostilePeer:
    """A listener that plays one script per connection and records what the client sent after
    the startup message (a 'p' message is a password, hash or SCRAM response)."""

    def __init__(self, script: Callable[[socket.socket, HostilePeer], None]) -> None:
        self.script = script
        self.received: list[bytes] = []
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(5)
            try:
                self.script(conn, self)
            except (OSError, ConnectionError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def record_reply(self, conn: socket.socket | ssl.SSLSocket) -> None:
        try:
            self.received.append(conn.recv(4096))
        except (OSError, ssl.SSLError):
            self.received.append(b"")

    def close(self) -> None:
        self.server.close()

    @property
    def password_messages(self) -> list[bytes]:
        return [r for r in self.received if r.startswith(b"p")]


@pytest.fixture
def peer() -> Iterator[Callable[[Callable[[socket.socket, HostilePeer], None]], HostilePeer]]:
    peers: list[HostilePeer] = []

    def make(script: Callable[[socket.socket, HostilePeer], None]) -> HostilePeer:
        peers.append(HostilePeer(script))
        return peers[-1]

    yield make
    for made in peers:
        made.close()


def _no_tls_then_md5(conn: socket.socket, peer: HostilePeer) -> None:
    if _recv_exactly(conn, 8) == SSL_REQUEST:
        conn.sendall(b"N")
        _read_startup(conn)
    conn.sendall(_message(b"R", struct.pack("!i", 5) + b"salt"))
    peer.record_reply(conn)


@pytest.fixture(scope="module")
def impostor_tls() -> ssl.SSLContext:
    """A certificate for 127.0.0.1 from a CA nobody trusts: an on-path attacker's."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _secret(port: int, **extra: Any) -> Any:
    value = {"engine": "postgres", "host": "127.0.0.1", "port": port, "username": "app"}
    return parse_secret(json.dumps({**value, "password": "pw-never-sent-1", **extra}), label="t")


def test_ssl_absent_never_answers_a_peer_that_refuses_tls_and_asks_for_md5(
    peer: Callable[..., HostilePeer],
) -> None:
    hostile = peer(_no_tls_then_md5)

    with pytest.raises(DatabaseTlsError, match="does not offer TLS"):
        database.login(_secret(hostile.port), credentials="AWSCURRENT", log=StepLog())

    assert hostile.password_messages == []


def test_unverified_tls_never_answers_scram_without_channel_binding(
    peer: Callable[..., HostilePeer], impostor_tls: ssl.SSLContext
) -> None:
    """Over TLS it cannot verify, the client must bind SCRAM to the channel (-PLUS) or stop."""

    def script(conn: socket.socket, hostile: HostilePeer) -> None:
        assert _recv_exactly(conn, 8) == SSL_REQUEST
        conn.sendall(b"S")
        tls = impostor_tls.wrap_socket(conn, server_side=True)
        _read_startup(tls)
        tls.sendall(_message(b"R", struct.pack("!i", 10) + b"SCRAM-SHA-256\x00\x00"))
        hostile.record_reply(tls)

    hostile = peer(script)

    with pytest.raises(CleartextPasswordRefusedError, match="SASL with SCRAM-SHA-256 only"):
        database.login(_secret(hostile.port), credentials="AWSCURRENT", log=StepLog())

    assert hostile.connections == 2, "verify first, then the unverified attempt"
    assert hostile.password_messages == []


@pytest.mark.parametrize(("code", "what"), [(5, "MD5"), (3, "in clear")])
def test_unverified_tls_never_answers_md5_or_cleartext(
    peer: Callable[..., HostilePeer], impostor_tls: ssl.SSLContext, code: int, what: str
) -> None:
    def script(conn: socket.socket, hostile: HostilePeer) -> None:
        assert _recv_exactly(conn, 8) == SSL_REQUEST
        conn.sendall(b"S")
        tls = impostor_tls.wrap_socket(conn, server_side=True)
        _read_startup(tls)
        tls.sendall(_message(b"R", struct.pack("!i", code) + (b"salt" if code == 5 else b"")))
        hostile.record_reply(tls)

    hostile = peer(script)

    with pytest.raises(CleartextPasswordRefusedError, match=what):
        database.login(
            _secret(hostile.port, ssl="unverified"), credentials="AWSCURRENT", log=StepLog()
        )

    assert hostile.password_messages == []


def _relay_to(pg: PgServer) -> Callable[[socket.socket, HostilePeer], None]:
    """Answer 'N' to the client, reach the real server over TLS, pass bytes both ways."""

    def script(client: socket.socket, hostile: HostilePeer) -> None:
        first = _recv_exactly(client, 8)
        if first == SSL_REQUEST:
            client.sendall(b"N")
            first = b""
        upstream = socket.create_connection((pg.host, pg.port), timeout=5)
        upstream.sendall(SSL_REQUEST)
        assert upstream.recv(1) == b"S"
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        server = context.wrap_socket(upstream)
        server.sendall(first)
        done = threading.Event()

        def pump(src: Any, dst: Any) -> None:
            try:
                while chunk := src.recv(65536):
                    hostile.received.append(chunk)
                    dst.sendall(chunk)
            except (OSError, ssl.SSLError):
                pass
            done.set()

        threading.Thread(target=pump, args=(server, client), daemon=True).start()
        pump(client, server)
        done.wait(5)
        server.close()

    return script


def test_ssl_absent_login_cannot_be_relayed_by_a_peer_that_refuses_tls(
    pg: PgServer,
    make_user: Callable[..., DbUser],
    peer: Callable[..., HostilePeer],
    ca_bundle: Path,
) -> None:
    """The downgrade of issue 19: before the fix this login succeeded through the relay, and
    the relay held an authenticated session of the user on the real server."""
    user = make_user()
    relay = peer(_relay_to(pg))
    log_start = pg.log_size()
    value = {**user.secret(pg), "port": relay.port}

    with pytest.raises(RotationError):
        database.login(
            parse_secret(json.dumps(value), label="AWSCURRENT"),
            credentials="AWSCURRENT",
            log=StepLog(),
        )

    assert f"authorized: user={user.name} " not in pg.log_since(log_start)


# ---- the multi-user guards -------------------------------------------------------------------


@pytest.fixture
def multi_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("postgres-multi-user")


@pytest.mark.usefixtures("multi_user")
def test_a_masterarn_not_given_to_the_function_is_refused_before_it_is_read(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    allow_master: Callable[[str], str],
) -> None:
    """Even a master secret that exists and works (another team's, say) is not used."""
    listed = allow_master(service.create("the-master", json.dumps(make_user().secret(pg))))
    other_admin = make_user(attributes="LOGIN CREATEROLE")
    unlisted = service.create("another-teams-admin", json.dumps(other_admin.secret(pg)))
    user = make_user()
    original = user.secret(pg, masterarn=unlisted, ssl=True)
    arn = service.create("points-elsewhere", json.dumps(original))

    with pytest.raises(MasterNotAllowedError) as raised:
        service.rotate(arn)

    assert unlisted in str(raised.value)
    assert listed in str(raised.value), "the message names what the function was given"
    assert "master_secret_arns" in str(raised.value)
    assert not pg.role_exists(f"{user.name}_clone")


@pytest.mark.usefixtures("multi_user")
def test_without_master_secret_arns_every_master_is_refused(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    master_arn = service.create("an-admin", json.dumps(make_user().secret(pg)))
    user = make_user()
    arn = service.create("no-list", json.dumps(user.secret(pg, masterarn=master_arn, ssl=False)))

    with pytest.raises(MasterNotAllowedError, match="MASTER_SECRET_ARNS is empty"):
        service.rotate(arn)


@pytest.mark.usefixtures("multi_user")
def test_the_master_login_never_goes_to_another_port_of_the_same_host(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    allow_master: Callable[[str], str],
    peer: Callable[..., HostilePeer],
) -> None:
    """The attack of issue 19: the rotated secret names the master's host and a port where the
    attacker listens; before the fix the AWSCURRENT login went there and the master's next."""
    master = make_user(attributes="LOGIN CREATEROLE")
    master_arn = allow_master(service.create("port-master", json.dumps(master.secret(pg))))
    listener = peer(_relay_to(pg))
    user = make_user()
    original = {**user.secret(pg, masterarn=master_arn, ssl=True), "port": listener.port}
    arn = service.create("other-port", json.dumps(original))

    with pytest.raises(EndpointMismatchError, match="only sent to their own host and port"):
        service.rotate(arn)

    assert not pg.role_exists(f"{user.name}_clone")


@pytest.mark.usefixtures("multi_user")
def test_a_pending_user_equal_to_the_master_user_is_refused(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    allow_master: Callable[[str], str],
) -> None:
    """A secret for "<master>_clone" alternates to "<master>": the master's own password."""
    master = make_user(attributes="LOGIN CREATEROLE")
    master_arn = allow_master(service.create("self-master", json.dumps(master.secret(pg))))
    clone = make_user(name=f"{master.name}_clone")
    arn = service.create("self-target", json.dumps(clone.secret(pg, masterarn=master_arn)))

    with pytest.raises(MasterUserTargetedError):
        service.rotate(arn)

    assert pg.can_login(master.name, master.password)
