"""Logging in to MySQL and MariaDB and running the strategies' statements, with PyMySQL (pure
Python: one layer for both Lambda architectures). The driver is imported here, on first use.

TLS, from the secret's "ssl" key (secret.TlsMode), never a silent fallback:

* ``verify`` (absent or true): TLS required; the certificate must chain to the CA bundle
  (PG_CA_BUNDLE, else the system's) and name the host. A server without TLS is an error.
* ``unverified`` ("require"): TLS required, certificate not checked.
* ``off`` (false): no TLS at all (PyMySQL's default would try TLS without verification).

On a connection whose other end is not verified, the function refuses to send the password in
clear: PyMySQL would answer a server's request for ``mysql_clear_password``, ``dialog`` or
``sha256_password``, or the full ``caching_sha2_password`` exchange, with the password itself.
Whoever answers an unverified connection may not be the server.

Connections time out after 5 s (connect, TLS handshake and every read and write), like AWS's
templates. Errors carry the server's error number and, for statements without authentication
strings, its message; never a password.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from rotator.errors import ConfigurationError, RotationError
from rotator.logs import StepLog
from rotator.strategies import database as database_rules
from rotator.strategies.mysql import rules
from rotator.strategies.mysql.errors import (
    CleartextPasswordRefusedError,
    DatabaseAuthenticationError,
    DatabaseOperationError,
    DatabasePrivilegeError,
    DatabaseTlsError,
    DatabaseUnreachableError,
    DriverMissingError,
    UnsupportedAuthPluginError,
)
from rotator.strategies.mysql.secret import MySqlSecret
from rotator.strategies.mysql.sql import AccountAttributes, Server, Statement

CONNECT_TIMEOUT_S = 5
PROGRAM_NAME = "secrets-manager-rotation"

# Server error numbers (https://mariadb.com/kb/en/mariadb-error-code-reference/, the same in MySQL).
ER_ACCESS_DENIED = 1045
ER_DBACCESS_DENIED = 1044
ER_SPECIFIC_ACCESS_DENIED = 1227
ER_TABLEACCESS_DENIED = 1142
ER_CANNOT_USER = 1396
ER_NONEXISTING_GRANT = 1141
ER_BAD_DB = 1049
ER_PASSWORD_NO_MATCH = 1133
ER_CON_COUNT = 1040
ER_HOST_BLOCKED = 1129
ER_SECURE_TRANSPORT_REQUIRED = 3159
_PRIVILEGE_ERRORS = {
    ER_DBACCESS_DENIED,
    ER_SPECIFIC_ACCESS_DENIED,
    ER_TABLEACCESS_DENIED,
    1410,  # ER_CANT_CREATE_USER_WITH_GRANT
    1698,  # ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    1227,
    4170,  # MariaDB: ER_... invalid role specification / not granted admin
}
# Client errors of PyMySQL (pymysql.constants.CR).
CR_CONN_HOST_ERROR = 2003
CR_SERVER_GONE = 2006
CR_SERVER_LOST = 2013
CR_SSL_CONNECTION_ERROR = 2026

TlsUsed = Literal["verify", "unverified", "none"]
_REVEALING_PLUGINS = (b"mysql_clear_password", b"dialog", b"sha256_password")


class _CleartextRequestedError(Exception):
    def __init__(self, plugin: str) -> None:
        super().__init__(plugin)
        self.plugin = plugin


def _driver() -> Any:
    try:
        import pymysql  # noqa: PLC0415  only when a MySQL strategy logs in
    except ImportError:
        raise DriverMissingError("the MySQL driver PyMySQL is not installed") from None
    return pymysql


@functools.lru_cache(maxsize=1)
def _guarded_connection() -> Any:
    """PyMySQL's Connection that never reveals the password to an unverified other end."""
    driver = _driver()

    class GuardedConnection(driver.connections.Connection):  # type: ignore[misc,name-defined]
        verified = False

        @property
        def _secure(self) -> bool:  # caching_sha2 full auth sends the password when True
            return bool(self.__dict__.get("_secure_set")) and self.verified

        @_secure.setter
        def _secure(self, value: bool) -> None:
            self.__dict__["_secure_set"] = value

        def _get_server_information(self) -> None:
            super()._get_server_information()
            plugin = (self._auth_plugin_name or "").encode()
            if not self.verified and plugin in _REVEALING_PLUGINS:
                raise _CleartextRequestedError(plugin.decode())

        def _process_auth(self, plugin_name: bytes, auth_packet: Any, handler: Any = None) -> Any:
            if not self.verified and plugin_name in _REVEALING_PLUGINS:
                raise _CleartextRequestedError(plugin_name.decode(errors="replace"))
            return super()._process_auth(plugin_name, auth_packet, handler)

    return GuardedConnection


@dataclass
class Session:
    """An open connection, the server it reached and how. Close it with ``close``."""

    conn: Any
    secret: MySqlSecret
    tls: TlsUsed
    server: Server

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


@functools.lru_cache(maxsize=4)
def _verify_context(bundle: str | None) -> ssl.SSLContext:
    if bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"environment variable {rules.CA_BUNDLE_VARIABLE} is {bundle!r}, which is not a "
            f"readable PEM bundle ({type(exc).__name__})",
            remedy=f"Set {rules.CA_BUNDLE_VARIABLE} to the path of a PEM CA bundle the function "
            "can read (e.g. in the layer under /opt), or unset it to use the system bundle",
        ) from None


def login(secret: MySqlSecret, *, credentials: str, log: StepLog) -> Session:
    """Log in as the secret says, with its TLS mode. Raises a RotationError."""
    driver = _driver()
    target = f"{secret.host}:{secret.port} as user {secret.username!r}"
    prefix = f"cannot log in to {target} with the {credentials} credentials"
    tls: TlsUsed = "none" if secret.tls == "off" else secret.tls
    tls_options: dict[str, Any] = {"ssl_disabled": True}
    if tls == "verify":
        tls_options = {"ssl": _verify_context(rules.ca_bundle())}
    elif tls == "unverified":
        tls_options = {"ssl": database_rules.unverified_tls_context()}
    connection_class = _guarded_connection()
    try:
        conn = connection_class(
            host=secret.host,
            port=secret.port,
            user=secret.username,
            # As UTF-8, as the mysql client sends it and hashing.py hashes it (PyMySQL would
            # encode a str as Latin-1).
            password=secret.password.encode(),
            database=secret.dbname,
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=CONNECT_TIMEOUT_S,
            write_timeout=CONNECT_TIMEOUT_S,
            charset="utf8mb4",
            autocommit=True,
            program_name=PROGRAM_NAME,
            defer_connect=True,
            **tls_options,
        )
        conn.verified = tls == "verify"
        conn.connect()
    except _CleartextRequestedError as exc:
        raise CleartextPasswordRefusedError(
            f"{prefix}: the server asked for the password in clear ({exc.plugin}) over a "
            f"connection that is {'TLS without verification' if tls == 'unverified' else 'not TLS'}"
            "; it was not sent"
        ) from None
    except driver.err.OperationalError as exc:
        raise _login_error(exc, prefix, tls) from None
    except RuntimeError:
        # PyMySQL answers client_ed25519 only with PyNaCl, which the layer does not ship.
        raise UnsupportedAuthPluginError(
            f"{prefix}: the account's authentication plugin needs a driver extension the layer "
            "does not ship (MariaDB's ed25519 needs PyNaCl); nothing was changed"
        ) from None
    except driver.err.MySQLError as exc:
        code = exc.args[0] if exc.args else "?"
        raise DatabaseOperationError(f"{prefix}: error {code}") from None
    except OSError as exc:
        raise DatabaseUnreachableError(f"{prefix}: {type(exc).__name__}") from None
    session = Session(
        conn=conn, secret=secret, tls=tls, server=Server.from_version(conn.get_server_info())
    )
    log.info(
        "database_login",
        credentials=credentials,
        host=secret.host,
        port=secret.port,
        user=secret.username,
        tls=tls,
        server=session.server.describe(),
    )
    return session


def _login_error(  # noqa: PLR0911  one answer per kind of failure
    exc: Exception, prefix: str, tls: TlsUsed
) -> RotationError:
    code = exc.args[0] if exc.args else 0
    message = str(exc.args[1]) if len(exc.args) > 1 else ""
    original = getattr(exc, "original_exception", None)
    if isinstance(original, ssl.SSLCertVerificationError):
        return DatabaseTlsError(
            f"{prefix}: TLS certificate verification failed ({original.verify_message})"
        )
    if isinstance(original, ssl.SSLError):
        return DatabaseTlsError(f"{prefix}: TLS handshake failed ({original.reason})")
    if code == CR_SSL_CONNECTION_ERROR or (tls != "none" and "SSL is required" in message):
        return DatabaseTlsError(f"{prefix}: the server does not offer TLS")
    if code == ER_ACCESS_DENIED:
        # "Access denied for user 'u'@'h' (using password: YES)": names no password.
        return DatabaseAuthenticationError(f"{prefix}: authentication failed (error {code})")
    if code in {ER_DBACCESS_DENIED, ER_BAD_DB}:
        return DatabaseOperationError(
            f"{prefix}: {message} (error {code})",
            remedy='Set "dbname" in the secret to a database the user may use, or remove it',
        )
    if code == ER_SECURE_TRANSPORT_REQUIRED:
        return DatabaseTlsError(f"{prefix}: the server requires TLS (error {code})")
    if code in {CR_CONN_HOST_ERROR, CR_SERVER_GONE, CR_SERVER_LOST, ER_CON_COUNT, ER_HOST_BLOCKED}:
        reason = type(original).__name__ if original is not None else f"error {code}"
        return DatabaseUnreachableError(f"{prefix}: {reason}")
    return DatabaseOperationError(f"{prefix}: error {code}")


@contextmanager
def session(secret: MySqlSecret, *, credentials: str, log: StepLog) -> Iterator[Session]:
    opened = login(secret, credentials=credentials, log=log)
    try:
        yield opened
    finally:
        opened.close()


def run(
    session: Session, statement: Statement, *, action: str, secret_text: bool = False
) -> list[tuple[Any, ...]]:
    """One statement. ``secret_text``: it holds an authentication string or a password, so an
    error names the error number only (the server may quote the statement)."""
    driver = _driver()
    sql, params = statement
    try:
        with session.conn.cursor() as cursor:
            cursor.execute(sql, params or None)
            rows: list[tuple[Any, ...]] = list(cursor.fetchall() or ())
    except driver.err.OperationalError as exc:
        code = exc.args[0] if exc.args else 0
        if code in {CR_SERVER_GONE, CR_SERVER_LOST} or code >= 2000:
            raise DatabaseUnreachableError(
                f"the connection to {session.secret.host}:{session.secret.port} failed during "
                f"{action} (error {code})"
            ) from None
        raise _statement_error(session, action, exc, secret_text) from None
    except driver.err.MySQLError as exc:
        raise _statement_error(session, action, exc, secret_text) from None
    except OSError as exc:
        raise DatabaseUnreachableError(
            f"the connection to {session.secret.host}:{session.secret.port} failed during "
            f"{action} ({type(exc).__name__})"
        ) from None
    return rows


def _statement_error(
    session: Session, action: str, exc: Exception, secret_text: bool
) -> RotationError:
    code = exc.args[0] if exc.args else 0
    message = "" if secret_text or len(exc.args) < 2 else str(exc.args[1])
    detail = f"{message} (error {code})" if message else f"error {code}"
    who = f"user {session.secret.username!r} on {session.secret.host}:{session.secret.port}"
    if code in _PRIVILEGE_ERRORS:
        return DatabasePrivilegeError(f"{who} may not {action}: {detail}")
    return DatabaseOperationError(f"{action} failed as {who}: {detail}")


def check_login_works(session: Session) -> str:
    rows = run(session, ("SELECT CURRENT_USER()", ()), action="run SELECT CURRENT_USER()")
    return str(rows[0][0])


def own_plugin(session: Session) -> str:
    """The logged-in account's plugin, from SHOW CREATE USER (allowed for one's own account)."""
    from rotator.strategies.mysql.sql import plugin_from_create_user  # noqa: PLC0415

    rows = run(
        session,
        ("SHOW CREATE USER CURRENT_USER()", ()),
        action="read its own account (SHOW CREATE USER)",
        secret_text=True,
    )
    return plugin_from_create_user(str(rows[0][0]))


@dataclass(frozen=True)
class Account:
    user: str
    host: str
    plugin: str
    attributes: AccountAttributes


def accounts(session: Session, user: str) -> list[Account]:
    """Every account of ``user`` (one per host), with plugin, REQUIRE and limits."""
    from rotator.strategies.mysql.sql import account_query  # noqa: PLC0415

    rows = run(
        session,
        (account_query(session.server), (user,)),
        action=f"read the accounts of user {user!r} (mysql.user)",
    )
    found = []
    for row in rows:
        host, plugin, ssl_type, cipher, issuer, subject, mq, mu, mc, muc, mst = row
        found.append(
            Account(
                user=user,
                host=str(host),
                plugin=str(plugin or "mysql_native_password"),
                attributes=AccountAttributes(
                    ssl_type=_text(ssl_type),
                    ssl_cipher=_text(cipher),
                    x509_issuer=_text(issuer),
                    x509_subject=_text(subject),
                    max_questions=int(mq or 0),
                    max_updates=int(mu or 0),
                    max_connections=int(mc or 0),
                    max_user_connections=int(muc or 0),
                    max_statement_time=float(mst or 0),
                ),
            )
        )
    return found


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def show_grants(session: Session, user: str, host: str) -> list[str]:
    rows = run(
        session,
        ("SHOW GRANTS FOR %s@%s", (user, host)),
        action=f"read the grants of {user!r}@{host!r}",
        secret_text=True,  # the account's own line holds its authentication string
    )
    return [str(row[0]) for row in rows]


def default_roles(session: Session, user: str, host: str) -> tuple[str, ...]:
    from rotator.strategies.mysql.sql import default_roles_query, rendered_account  # noqa: PLC0415

    query = default_roles_query(session.server)
    if query is None:
        return ()
    rows = run(
        session, (query, (user, host)), action=f"read the default roles of {user!r}@{host!r}"
    )
    return tuple(rendered_account(str(r[0]), str(r[1])) for r in rows)


def username_limit(session: Session) -> int:
    """The server's limit on user names: the width of mysql.user's User column."""
    from rotator.strategies.mysql.secret import USERNAME_LIMITS  # noqa: PLC0415

    table = "global_priv" if session.server.flavour == "mariadb" else "user"
    rows = run(
        session,
        (
            "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = %s AND COLUMN_NAME = 'User'",
            (table,),
        ),
        action="read the limit on user names",
    )
    if rows and rows[0][0]:
        return int(rows[0][0])
    return USERNAME_LIMITS["mariadb" if session.server.flavour == "mariadb" else "mysql"]
