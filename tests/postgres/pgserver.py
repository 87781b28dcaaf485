"""A throwaway PostgreSQL 15 server for the tests: initdb in a temporary directory, loopback only.

* scram-sha-256 everywhere; the superuser ``postgres`` has a password.
* TLS with a CA and a server certificate for ``localhost`` and ``127.0.0.1`` made by trustme.
* pg_hba.conf: members of the group role ``tls_only`` may log in over TLS only (``hostssl``);
  members of ``cleartext_auth`` are asked for their password in clear (method ``password``);
  members of ``plain_only`` may log in without TLS only (``hostssl ... reject``);
  everyone else over TLS or plain TCP (``host``), with scram-sha-256.
* ``log_connections`` on, so a test can read from the server's log whether a login used TLS.

initdb and postgres refuse to run as root; as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pg8000.native
import trustme
from loopback_port import free_port, start_on_a_free_port

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "superuser-pw-Éé'\\\"x"  # awkward on purpose: initdb's --pwfile takes it as is
TLS_ONLY_GROUP = "tls_only"
CLEARTEXT_GROUP = "cleartext_auth"
PLAIN_ONLY_GROUP = "plain_only"
BINARIES = ("initdb", "pg_ctl", "postgres")


class PostgresUnavailableError(RuntimeError):
    pass


def _server_account() -> pwd.struct_passwd | None:
    """None: run as ourselves. As root: the ``postgres`` account (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailableError(
            "the tests run as root and initdb refuses root; create a 'postgres' system user "
            "(e.g. `useradd --system postgres`) or run the tests as a normal user"
        ) from None


@dataclass
class PgServer:
    base: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    account: pwd.struct_passwd | None = None
    ca: trustme.CA = field(default_factory=trustme.CA)
    other_ca: trustme.CA = field(default_factory=trustme.CA)

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    @property
    def ca_file(self) -> Path:
        """PEM of the CA that signed the server's certificate."""
        return self.base / "ca.pem"

    @property
    def wrong_ca_file(self) -> Path:
        """PEM of a CA that did not."""
        return self.base / "other-ca.pem"

    # -- lifecycle -------------------------------------------------------------------------
    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid}
        result = subprocess.run(  # noqa: PLW1510  checked below with the output in the message
            args, capture_output=True, text=True, cwd=self.base, timeout=120, **kwargs
        )
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise PostgresUnavailableError(
                f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{log[-3000:]}"
            )
        return result

    def _own(self, *paths: Path) -> None:
        if self.account is not None:
            for path in paths:
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def init(self) -> None:
        self.base.chmod(0o755)
        self._own(self.base)
        pwfile = self.base / "pwfile"
        pwfile.write_text(SUPERUSER_PASSWORD + "\n")
        pwfile.chmod(0o600)
        self._own(pwfile)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        self._write_tls_files()
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# tests/postgres/pgserver.py\n"
                f"listen_addresses = '{self.host}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\n"
                "password_encryption = 'scram-sha-256'\n"
                "ssl = on\n"
                "ssl_cert_file = 'server.crt'\n"
                "ssl_key_file = 'server.key'\n"
                "log_connections = on\n"
                "log_line_prefix = '%m [%p] '\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 40\n"
                "shared_buffers = 16MB\n"
            )
        (self.data / "pg_hba.conf").write_text(
            "# tests/postgres/pgserver.py: loopback only, scram everywhere\n"
            f"hostssl all +{TLS_ONLY_GROUP} 127.0.0.1/32 scram-sha-256\n"
            f"hostnossl all +{TLS_ONLY_GROUP} 127.0.0.1/32 reject\n"
            f"host all +{CLEARTEXT_GROUP} 127.0.0.1/32 password\n"
            f"hostssl all +{PLAIN_ONLY_GROUP} 127.0.0.1/32 reject\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )

    def _write_tls_files(self) -> None:
        cert = self.ca.issue_cert("localhost", "127.0.0.1")
        crt, key = self.data / "server.crt", self.data / "server.key"
        crt.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(key))
        key.chmod(0o600)  # the server refuses a key others may read
        self._own(crt, key)
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.other_ca.cert_pem.write_to_path(str(self.wrong_ca_file))

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_file), "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def move_to(self, port: int) -> None:
        """Listen on ``port`` from the next start (loopback_port.start_on_a_free_port)."""
        self.port = port
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {port}  # the first port was taken before the start\n")

    def running(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
            return True
        return False

    # -- clients ---------------------------------------------------------------------------
    def connect(
        self,
        user: str,
        password: str,
        *,
        database: str = "postgres",
        tls: bool = False,
    ) -> pg8000.native.Connection:
        context: ssl.SSLContext | bool = False
        if tls:
            context = ssl.create_default_context(cafile=str(self.ca_file))
        return pg8000.native.Connection(
            user,
            host=self.host,
            port=self.port,
            password=password,
            database=database,
            ssl_context=context,
            timeout=10,
        )

    @contextlib.contextmanager
    def superuser(self, database: str = "postgres") -> Iterator[pg8000.native.Connection]:
        conn = self.connect(SUPERUSER, SUPERUSER_PASSWORD, database=database)
        try:
            yield conn
        finally:
            conn.close()

    def sql(self, statement: str, **params: Any) -> list[list[Any]]:
        with self.superuser() as conn:
            rows: list[list[Any]] = conn.run(statement, **params) or []
            return rows

    def can_login(self, user: str, password: str, *, tls: bool = False) -> bool:
        try:
            conn = self.connect(user, password, tls=tls)
        except pg8000.native.DatabaseError as exc:
            if exc.args and isinstance(exc.args[0], dict) and exc.args[0].get("C") == "28P01":
                return False
            raise
        conn.close()
        return True

    def create_role(self, name: str, password: str, *, attributes: str = "LOGIN") -> None:
        """A role with this password; name and password quoted client-side by pg8000."""
        ident = pg8000.native.identifier(name)
        literal = pg8000.native.literal(password)  # standard_conforming_strings is on
        self.sql(f"CREATE ROLE {ident} WITH {attributes} PASSWORD {literal}")

    def set_password(self, name: str, password: str) -> None:
        ident = pg8000.native.identifier(name)
        self.sql(f"ALTER ROLE {ident} WITH PASSWORD {pg8000.native.literal(password)}")

    def role_exists(self, name: str) -> bool:
        return bool(self.sql("SELECT 1 FROM pg_roles WHERE rolname = :n", n=name))

    @contextlib.contextmanager
    def without_tls(self) -> Iterator[None]:
        """The server offers no TLS (``ssl = off``, reloaded) until the block ends."""
        self.sql("ALTER SYSTEM SET ssl = off")
        self.sql("SELECT pg_reload_conf()")
        try:
            yield
        finally:
            self.sql("ALTER SYSTEM RESET ssl")
            self.sql("SELECT pg_reload_conf()")

    def log_size(self) -> int:
        return self.log_file.stat().st_size if self.log_file.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log_file.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")


@dataclass
class DbUser:
    name: str
    password: str

    def secret(self, pg: PgServer, **extra: Any) -> dict[str, Any]:
        value: dict[str, Any] = {
            "engine": "postgres",
            "host": pg.host,
            "port": pg.port,
            "username": self.name,
            "password": self.password,
            "dbname": "postgres",
        }
        value.update(extra)
        return {k: v for k, v in value.items() if v is not None}


def start_server() -> tuple[PgServer, Path]:
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        raise PostgresUnavailableError(
            f"PostgreSQL server binaries not on PATH: {', '.join(missing)}. The PostgreSQL tests "
            "start their own server: install PostgreSQL 15 (Debian: `apt-get install "
            "postgresql-15`, then add /usr/lib/postgresql/15/bin to PATH)"
        )
    base = Path(tempfile.mkdtemp(prefix="rotator-pg-"))
    server = PgServer(base=base, account=_server_account())
    server.init()
    start_on_a_free_port(server.start, server.log, server.move_to, PostgresUnavailableError)
    server.sql(f"CREATE ROLE {TLS_ONLY_GROUP} NOLOGIN")
    server.sql(f"CREATE ROLE {CLEARTEXT_GROUP} NOLOGIN")
    server.sql(f"CREATE ROLE {PLAIN_ONLY_GROUP} NOLOGIN")
    return server, base
