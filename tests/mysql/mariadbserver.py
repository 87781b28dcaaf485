"""A throwaway MariaDB server for the tests: mariadb-install-db in a temporary directory, loopback.

* TLS with a CA and a server certificate for ``localhost`` and ``127.0.0.1`` made by trustme.
* The general query log and the binary log on, so a test can read every statement the server
  received and every change it recorded, and assert no generated password is in either.
* ``root`` logs in through the socket only (setup); ``admin``@``127.0.0.1`` is an administrator
  as on RDS: every privilege WITH GRANT OPTION, over TCP.

Where ``mariadbd`` is missing and we are root with apt-get (CI, this kind of machine), the package
``mariadb-server`` is installed first, saying so on stderr; otherwise the error names the package.
As root the server runs as the ``mysql`` account the package creates (mariadbd refuses root).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql
import trustme
from loopback_port import free_port, start_on_a_free_port

PACKAGE = "mariadb-server"
ADMIN = "admin"
ADMIN_PASSWORD = "admin-pw-Éé'\\\"x"  # awkward on purpose: quoted by PyMySQL
SEARCH_PATH = (*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/usr/bin")
_INSTALL_LOCK = Path(tempfile.gettempdir()) / "rotator-tests-mariadb-install.lock"


class MariaDbUnavailableError(RuntimeError):
    pass


def _which(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join(SEARCH_PATH))


def ensure_installed() -> tuple[str, str]:
    """Paths of mariadbd and mariadb-install-db, installing the package where we can."""
    with _INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # test processes side by side install once
        server, installer = _which("mariadbd"), _which("mariadb-install-db")
        if server and installer:
            return server, installer
        if os.geteuid() != 0 or _which("apt-get") is None:
            raise MariaDbUnavailableError(
                f"mariadbd is not installed. The MySQL strategy tests start their own MariaDB "
                f"server: install the package {PACKAGE} (Debian/Ubuntu: `apt-get install "
                f"{PACKAGE}`; the tests install it themselves when run as root with apt-get)"
            )
        print(
            f"tests/mysql: mariadbd not found; installing {PACKAGE} with apt-get "
            "(the MySQL strategy tests start their own MariaDB server)",
            file=sys.stderr,
            flush=True,
        )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE],
        ):
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if result.returncode != 0:
                raise MariaDbUnavailableError(
                    f"`{' '.join(command)}` failed ({result.returncode}); install {PACKAGE} by "
                    f"hand:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
                )
        server, installer = _which("mariadbd"), _which("mariadb-install-db")
        if not (server and installer):
            raise MariaDbUnavailableError(f"{PACKAGE} installed but mariadbd is not on PATH")
        return server, installer


def _server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("mysql")
    except KeyError:
        raise MariaDbUnavailableError(
            "the tests run as root and mariadbd refuses root; create a 'mysql' system user "
            f"(the {PACKAGE} package does) or run the tests as a normal user"
        ) from None


@dataclass
class MariaDb:
    base: Path
    binary: str
    installer: str
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    account: pwd.struct_passwd | None = None
    ca: trustme.CA = field(default_factory=trustme.CA)
    process: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_path(self) -> Path:
        return self.base / "mysqld.sock"

    @property
    def general_log(self) -> Path:
        return self.base / "general.log"

    @property
    def ca_file(self) -> Path:
        return self.base / "ca.pem"

    def binlogs(self) -> list[Path]:
        return sorted(self.base.glob("binlog.[0-9]*"))

    # -- lifecycle -------------------------------------------------------------------------
    def _own(self, *paths: Path) -> None:
        if self.account is not None:
            for path in paths:
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def init(self) -> None:
        self.base.chmod(0o755)
        self._own(self.base)
        user = ["--user=" + self.account.pw_name] if self.account else []
        result = subprocess.run(
            [
                self.installer,
                "--no-defaults",
                f"--datadir={self.data}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
                "--skip-name-resolve",
                *user,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode != 0:
            raise MariaDbUnavailableError(
                f"mariadb-install-db failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
        cert = self.ca.issue_cert("localhost", "127.0.0.1")
        crt, key = self.base / "server.crt", self.base / "server.key"
        crt.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(key))
        key.chmod(0o600)
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._own(crt, key, self.ca_file)

    def start(self) -> None:
        user = ["--user=" + self.account.pw_name] if self.account else []
        self.process = subprocess.Popen(
            [
                self.binary,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--socket={self.socket_path}",
                f"--port={self.port}",
                f"--bind-address={self.host}",
                f"--pid-file={self.base / 'mariadbd.pid'}",
                f"--log-error={self.base / 'error.log'}",
                "--general-log=1",
                f"--general-log-file={self.general_log}",
                f"--log-bin={self.base / 'binlog'}",
                "--server-id=1",
                f"--ssl-ca={self.ca_file}",
                f"--ssl-cert={self.base / 'server.crt'}",
                f"--ssl-key={self.base / 'server.key'}",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=8M",
                "--max-connections=60",
                "--performance-schema=0",
                *user,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MariaDbUnavailableError(f"mariadbd exited:\n{self.error_log()[-3000:]}")
            with contextlib.suppress(pymysql.err.OperationalError, OSError):
                self.root().close()
                return
            time.sleep(0.2)
        raise MariaDbUnavailableError(f"mariadbd did not start:\n{self.error_log()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def move_to(self, port: int) -> None:
        """Listen on ``port`` from the next start (loopback_port.start_on_a_free_port)."""
        self.port = port

    def error_log(self) -> str:
        path = self.base / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server down (a mid-rotation failure) until the block ends."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    # -- clients ---------------------------------------------------------------------------
    def root(self) -> pymysql.connections.Connection:
        # No TLS on the local socket: PyMySQL's default (try TLS) loads the system's trust store
        # at every connection, 44 ms each, and the tests make hundreds.
        return pymysql.connect(
            unix_socket=str(self.socket_path),
            user="root",
            autocommit=True,
            connect_timeout=5,
            ssl_disabled=True,
        )

    def connect(
        self, user: str, password: str, *, tls: bool = False
    ) -> pymysql.connections.Connection:
        options: dict[str, Any] = {"ssl_disabled": True}
        if tls:
            options = {"ssl": ssl.create_default_context(cafile=str(self.ca_file))}
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=user,
            password=password.encode(),  # UTF-8, as the mysql client
            autocommit=True,
            connect_timeout=5,
            **options,
        )

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = self.root()
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params or None)
                return list(cursor.fetchall())
        finally:
            conn.close()

    def can_login(self, user: str, password: str, *, tls: bool = False) -> bool:
        try:
            conn = self.connect(user, password, tls=tls)
        except pymysql.err.OperationalError as exc:
            if exc.args[0] == 1045:
                return False
            raise
        conn.close()
        return True

    def create_user(self, name: str, password: str, host: str = "%", extra: str = "") -> None:
        """CREATE USER with the password hashed by the server (PASSWORD())."""
        self.sql(
            f"CREATE USER %s@%s IDENTIFIED VIA mysql_native_password USING PASSWORD(%s) {extra}",
            name,
            host,
            password,
        )

    def grants(self, user: str, host: str = "%") -> list[str]:
        return [row[0] for row in self.sql("SHOW GRANTS FOR %s@%s", user, host)]

    def hosts(self, user: str) -> list[str]:
        return [
            row[0]
            for row in self.sql("SELECT Host FROM mysql.user WHERE User = %s ORDER BY Host", user)
        ]

    def ed25519(self) -> None:
        """MariaDB's ed25519 plugin loaded (a plugin the function cannot hash)."""
        if not self.sql("SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'"):
            self.sql("INSTALL SONAME 'auth_ed25519'")

    def logged(self) -> bytes:
        """Every byte of the general query log and the binary logs so far."""
        self.sql("FLUSH LOGS")
        data = self.general_log.read_bytes() if self.general_log.exists() else b""
        return data + b"".join(path.read_bytes() for path in self.binlogs())


@dataclass
class DbUser:
    name: str
    password: str

    def secret(self, db: MariaDb, **extra: Any) -> dict[str, Any]:
        value: dict[str, Any] = {
            "engine": "mariadb",
            "host": db.host,
            "port": db.port,
            "username": self.name,
            "password": self.password,
        }
        value.update(extra)
        return {k: v for k, v in value.items() if v is not None}


def start_server() -> tuple[MariaDb, Path]:
    binary, installer = ensure_installed()
    base = Path(tempfile.mkdtemp(prefix="rotator-mariadb-"))
    server = MariaDb(base=base, binary=binary, installer=installer, account=_server_account())
    server.init()
    start_on_a_free_port(server.start, server.error_log, server.move_to, MariaDbUnavailableError)
    server.sql(
        "CREATE USER %s@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD(%s)",
        ADMIN,
        ADMIN_PASSWORD,
    )
    server.sql(f"GRANT ALL PRIVILEGES ON *.* TO {ADMIN}@'127.0.0.1' WITH GRANT OPTION")
    return server, base
