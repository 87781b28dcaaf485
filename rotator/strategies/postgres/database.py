"""Logging in to PostgreSQL and changing passwords, with pg8000 (pure Python: one layer for both
Lambda architectures). The driver is imported here, on first use, and nowhere else.

TLS, from the secret's "ssl" key as rotator/strategies/database reads it (``TlsMode``):

* ``verify``: TLS only, the certificate must chain to a CA in the bundle and name the host (an IP
  address in "host" must appear in the certificate's subjectAltName).
* ``unverified``: TLS only, the certificate not checked, and the login must be bound to the TLS
  channel (SCRAM-SHA-256-PLUS, ``tls-server-end-point``); anything else is refused.
* ``try`` (AWS's templates' behaviour without "ssl", only where DATABASE_TLS_DEFAULT says so):
  ``verify`` first; if the certificate does not verify, ``unverified`` with channel binding, and
  a metric (rotator/strategies/database: emit_tls_fallback_metric). Never plaintext: a server
  that offers no TLS, or refuses this user over TLS, fails the step.
* ``plaintext``: never TLS; only when the secret says so ("ssl": false).

Relays. Before this was tightened, this module claimed a man in the middle could not relay a
fallback login. It could: whoever answers 'N' to the TLS request gets a plaintext login, and
SCRAM-SHA-256 without channel binding (``n,,``) proves only that the client knows the password
to whoever asks, so the relay passes the exchange to the real server (over TLS if need be) and
keeps the authenticated session; the same holds for unverified TLS where the client did not bind
the exchange to the channel, and an MD5 challenge is answered for any salt the relay forwards.
What stops it is channel binding: with SCRAM-SHA-256-PLUS the client signs a hash of the
certificate it saw, and the real server checks it against its own, so a relay that terminated
TLS with another certificate fails (RFC 5929, RFC 7677;
https://www.postgresql.org/docs/15/sasl-authentication.html). Hence: on every connection
without a verified certificate (``unverified``, and ``try`` after a fallback) the function
answers only SCRAM-SHA-256-PLUS, never MD5, cleartext or an "authentication ok" that came
without any exchange; a master login never runs without verified TLS unless both the master and
the rotated secret say plaintext or unverified (rotator/strategies/database: master_tls_mode).

The CA bundle: rotator/strategies/database: ca_bundle_path (DATABASE_CA_BUNDLE, then
PG_CA_BUNDLE, then the runtime's store, which lacks the RDS CAs).
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html

Connections time out after 5 s (connect, TLS handshake and every read), like AWS's templates.

Passwords in SQL: never in clear. ``ALTER ROLE ... PASSWORD`` and ``CREATE ROLE ... PASSWORD``
are utility statements whose grammar takes a string constant, not a parameter, so whatever goes
there is in the statement text, and so in the server's log (``log_statement``,
``log_min_error_statement``), ``pg_stat_activity`` and ``pg_stat_statements``. The function sends
a SCRAM-SHA-256 verifier computed here instead, as ``psql``'s ``\\password`` and libpq's
``PQencryptPasswordConn`` do: "If the presented password string is already in MD5-encrypted or
SCRAM-encrypted format, then it is stored as-is regardless of password_encryption"
(https://www.postgresql.org/docs/15/sql-createrole.html). The verifier is base64 and ``$:``,
so it needs no escaping, and names are quoted here the way the server's ``quote_ident`` quotes
them (always in double quotes): no round trip, nothing sent but the one statement.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from rotator.errors import RotationError
from rotator.logs import StepLog
from rotator.strategies import database as rules
from rotator.strategies.postgres.errors import (
    CleartextPasswordRefusedError,
    DatabaseAuthenticationError,
    DatabaseOperationError,
    DatabasePrivilegeError,
    DatabaseTlsError,
    DatabaseUnreachableError,
    DriverMissingError,
)
from rotator.strategies.postgres.secret import DbSecret

# Read by rotator/strategies/database (after DATABASE_CA_BUNDLE); kept for existing setups.
CA_BUNDLE_VARIABLE = "PG_CA_BUNDLE"
CONNECT_TIMEOUT_S = 5.0
APPLICATION_NAME = "secrets-manager-rotation"

# SQLSTATEs https://www.postgresql.org/docs/15/errcodes-appendix.html
_INVALID_PASSWORD = "28P01"  # noqa: S105  an error code, not a password
_INVALID_AUTHORIZATION = "28000"  # pg_hba.conf rejects the connection; role may not log in
_INSUFFICIENT_PRIVILEGE = "42501"
_UNKNOWN_DATABASE = "3D000"
_CANNOT_CONNECT_NOW = "57P03"
_TOO_MANY_CONNECTIONS = "53300"

# PostgreSQL's defaults: scram_iterations, SCRAM_DEFAULT_SALT_LEN (common/scram-common.h).
SCRAM_ITERATIONS = 4096
SCRAM_SALT_BYTES = 16

TlsUsed = Literal["verify-full", "unverified", "none"]


@dataclass
class Session:
    """An open connection and how it was made. Close it with ``close``."""

    conn: Any  # pg8000.native.Connection
    secret: DbSecret
    tls: TlsUsed

    def close(self) -> None:
        driver = _driver()
        # Already closed by the server or the network: nothing left to release.
        with contextlib.suppress(driver.InterfaceError, OSError):
            self.conn.close()


def _driver() -> Any:
    try:
        import pg8000.native  # noqa: PLC0415  only when a PostgreSQL strategy logs in
    except ImportError:
        raise DriverMissingError("the PostgreSQL driver pg8000 is not installed") from None
    return pg8000.native


def tls_context() -> ssl.SSLContext:
    """The verifying context (rotator/strategies/database: verified_tls_context)."""
    return rules.verified_tls_context()


def login(
    secret: DbSecret, *, credentials: str, log: StepLog, secret_arn: str | None = None
) -> Session:
    """Log in as the secret says, honouring its TLS mode. Raises a RotationError.

    ``credentials`` names the secret version in messages: "AWSPENDING", "AWSCURRENT", ...
    """
    if secret.tls == "plaintext":
        return _logged(_open(secret, None, credentials), log, credentials)
    if secret.tls == "unverified":
        session = _open(secret, rules.unverified_tls_context(), credentials, guarded=True)
        return _logged(session, log, credentials)
    context = tls_context()
    if secret.tls == "verify":
        return _logged(_open(secret, context, credentials), log, credentials)
    try:
        return _logged(_open(secret, context, credentials), log, credentials)
    except _CertificateNotVerifiedError as exc:
        _log_fallback(log, secret, credentials, exc, to="unverified", secret_arn=secret_arn)
    except (_ServerWithoutTlsError, _RefusedOverTlsError) as exc:
        # Channel binding needs TLS, so nothing without it proves who answered: refuse.
        raise DatabaseTlsError(
            f'{exc.problem}; with "ssl" absent the function does not fall back to a '
            "connection without TLS (whoever answered could relay the login)",
            remedy='Enable TLS on the server (and a hostssl entry for the user), or set "ssl": '
            "false in the secret to connect without TLS on purpose",
        ) from None
    session = _open(secret, rules.unverified_tls_context(), credentials, guarded=True)
    return _logged(session, log, credentials, fallback=True)


def _log_fallback(
    log: StepLog,
    secret: DbSecret,
    credentials: str,
    exc: RotationError,
    *,
    to: TlsUsed,
    secret_arn: str | None,
) -> None:
    log.warning(
        "database_tls_fallback",
        credentials=credentials,
        host=secret.host,
        port=secret.port,
        user=secret.username,
        tls=to,
        reason=exc.problem,
    )
    rules.emit_tls_fallback_metric(
        engine="postgres",
        host=secret.host,
        port=secret.port,
        credentials=credentials,
        to=to,
        secret_arn=secret_arn,
    )


def _logged(session: Session, log: StepLog, credentials: str, *, fallback: bool = False) -> Session:
    log.info(
        "database_login",
        credentials=credentials,
        host=session.secret.host,
        port=session.secret.port,
        dbname=session.secret.dbname,
        user=session.secret.username,
        tls=session.tls,
        tls_fallback=fallback,
    )
    return session


class _RefusedOverTlsError(DatabaseAuthenticationError):
    """pg_hba.conf has no entry for a TLS connection (hostnossl only): try mode falls back."""


class _CertificateNotVerifiedError(DatabaseTlsError):
    """The certificate does not chain to the bundle or name the host."""


class _ServerWithoutTlsError(DatabaseTlsError):
    """The server answered the TLS request with "no TLS here"."""


class _UnboundLoginError(Exception):
    """The server (or whoever answered) asked for a login that is not bound to the channel."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


_AUTH_OK, _AUTH_CLEARTEXT, _AUTH_MD5, _AUTH_SASL = 0, 3, 5, 10
_SCRAM_PLUS = "SCRAM-SHA-256-PLUS"


@functools.lru_cache(maxsize=1)
def _guarded_connection() -> Any:
    """pg8000's Connection that answers only SCRAM-SHA-256-PLUS on a TLS socket.

    Authentication requests (https://www.postgresql.org/docs/15/protocol-message-formats.html):
    0 AuthenticationOk, 3 cleartext, 5 MD5, 10 SASL (the mechanisms offered follow). pg8000
    binds SCRAM to the channel (``tls-server-end-point``) whenever the socket is TLS and the
    server offers the -PLUS mechanism, and scramp then prefers it; this class makes it required.
    """
    driver = _driver()

    class GuardedConnection(driver.Connection):  # type: ignore[misc,name-defined]
        _rotator_sasl_started = False

        def handle_AUTHENTICATION_REQUEST(self, data: bytes, context: Any) -> None:
            code = int.from_bytes(data[:4], "big")
            if code == _AUTH_CLEARTEXT:
                raise _UnboundLoginError("the password in clear")
            if code == _AUTH_MD5:
                raise _UnboundLoginError("an MD5 password hash")
            if code == _AUTH_SASL:
                mechanisms = [m.decode("ascii") for m in data[4:-2].split(b"\x00")]
                if _SCRAM_PLUS not in mechanisms or not isinstance(self._usock, ssl.SSLSocket):
                    raise _UnboundLoginError(f"SASL with {', '.join(mechanisms)} only")
                self._rotator_sasl_started = True
            if code == _AUTH_OK and not self._rotator_sasl_started:
                raise _UnboundLoginError("no authentication at all (AuthenticationOk at once)")
            super().handle_AUTHENTICATION_REQUEST(data, context)

    return GuardedConnection


def _open(
    secret: DbSecret,
    context: ssl.SSLContext | None,
    credentials: str,
    *,
    guarded: bool = False,
) -> Session:
    driver = _driver()
    target = f"{secret.host}:{secret.port}/{secret.dbname} as user {secret.username!r}"
    prefix = f"cannot log in to {target} with the {credentials} credentials"
    tls: TlsUsed = "none"
    if context is not None:
        tls = "verify-full" if context.verify_mode == ssl.CERT_REQUIRED else "unverified"
    connection = _guarded_connection() if guarded else driver.Connection
    try:
        conn = connection(
            user=secret.username,
            password=secret.password,
            host=secret.host,
            port=secret.port,
            database=secret.dbname,
            # False: never TLS. pg8000's None would try TLS *without* verification.
            ssl_context=False if context is None else context,
            timeout=CONNECT_TIMEOUT_S,
            application_name=APPLICATION_NAME,
        )
    except _UnboundLoginError as exc:
        raise CleartextPasswordRefusedError(
            f"{prefix}: over TLS without a verified certificate the function answers only "
            f"SCRAM-SHA-256-PLUS (bound to the TLS channel), and the server asked for {exc.what}; "
            "nothing was sent"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise _CertificateNotVerifiedError(
            f"{prefix}: TLS certificate verification failed ({exc.verify_message})"
        ) from None
    except ssl.SSLError as exc:
        raise DatabaseTlsError(f"{prefix}: TLS handshake failed ({exc.reason or exc})") from None
    except driver.DatabaseError as exc:
        raise _login_error(exc, prefix, tls=tls) from None
    except driver.InterfaceError as exc:
        text = str(exc)
        if "refuses SSL" in text:
            raise _ServerWithoutTlsError(f"{prefix}: the server does not offer TLS") from None
        if "Can't create a connection" in text or "network error" in text:
            cause = exc.__cause__
            reason = f"{type(cause).__name__}: {cause}" if cause is not None else text
            raise DatabaseUnreachableError(f"{prefix}: network error ({reason})") from None
        raise DatabaseOperationError(f"{prefix}: {text}") from None
    except OSError as exc:  # a timeout or reset during the TLS handshake or authentication
        raise DatabaseUnreachableError(
            f"{prefix}: network error ({type(exc).__name__}: {exc})"
        ) from None
    return Session(conn=conn, secret=secret, tls=tls)


def _fields(exc: Exception) -> dict[str, str]:
    if exc.args and isinstance(exc.args[0], dict):
        return {str(k): str(v) for k, v in exc.args[0].items()}
    return {}


def _login_error(exc: Exception, prefix: str, *, tls: TlsUsed) -> RotationError:
    """A server error during login. Its text names the user and host, never the password."""
    fields = _fields(exc)
    code, message = fields.get("C", ""), fields.get("M", "")
    detail = f"{message} (SQLSTATE {code})" if code else str(message or type(exc).__name__)
    if code == _INVALID_PASSWORD:
        return DatabaseAuthenticationError(f"{prefix}: authentication failed: {detail}")
    if code == _INVALID_AUTHORIZATION:
        # "no pg_hba.conf entry for ... SSL encryption" or "pg_hba.conf rejects connection".
        if tls != "none" and "pg_hba.conf" in message:
            return _RefusedOverTlsError(f"{prefix}: {detail}")
        return DatabaseAuthenticationError(
            f"{prefix}: the server refused the login: {detail}",
            remedy="Allow the login in pg_hba.conf (and the role's LOGIN attribute), or fix the "
            "username",
        )
    if code in {_CANNOT_CONNECT_NOW, _TOO_MANY_CONNECTIONS}:
        return DatabaseUnreachableError(f"{prefix}: {detail}")
    if code == _UNKNOWN_DATABASE:
        return DatabaseOperationError(
            f"{prefix}: {detail}", remedy='Set "dbname" in the secret to a database that exists'
        )
    return DatabaseOperationError(f"{prefix}: {detail}")


@contextmanager
def session(
    secret: DbSecret, *, credentials: str, log: StepLog, secret_arn: str | None = None
) -> Iterator[Session]:
    opened = login(secret, credentials=credentials, log=log, secret_arn=secret_arn)
    try:
        yield opened
    finally:
        opened.close()


def run(session: Session, sql: str, *, action: str, **params: Any) -> list[list[Any]]:
    """A statement without secrets in its text; errors carry the server's message."""
    driver = _driver()
    try:
        rows: list[list[Any]] = session.conn.run(sql, **params) or []
    except driver.DatabaseError as exc:
        fields = _fields(exc)
        raise _statement_error(session, action, fields.get("C", ""), fields.get("M", "")) from None
    except (driver.InterfaceError, OSError) as exc:
        raise _network_error(session, action, exc) from None
    return rows


def _run_with_password(session: Session, sql: str, *, action: str) -> None:
    """A statement whose text holds a password verifier: errors carry the SQLSTATE only."""
    driver = _driver()
    try:
        session.conn.run(sql)
    except driver.DatabaseError as exc:
        raise _statement_error(session, action, _fields(exc).get("C", ""), "") from None
    except (driver.InterfaceError, OSError) as exc:
        raise _network_error(session, action, exc) from None


def _statement_error(session: Session, action: str, code: str, message: str) -> RotationError:
    where = f"{session.secret.host}:{session.secret.port}/{session.secret.dbname}"
    who = f"user {session.secret.username!r}"
    detail = f"{message} (SQLSTATE {code})" if message else f"SQLSTATE {code}"
    if code == _INSUFFICIENT_PRIVILEGE:
        return DatabasePrivilegeError(f"{who} may not {action} on {where}: {detail}")
    return DatabaseOperationError(f"{action} failed on {where} as {who}: {detail}")


def _network_error(session: Session, action: str, exc: BaseException) -> RotationError:
    return DatabaseUnreachableError(
        f"the connection to {session.secret.host}:{session.secret.port} failed during {action} "
        f"({type(exc).__name__})"
    )


def quote_ident(name: str) -> str:
    """A name as a quoted SQL identifier: in double quotes, with each ``"`` doubled.

    Always quoted, so case and any character are kept as they are (the server's ``quote_ident``
    leaves some names bare; both mean the same role).
    https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
    """
    if "\x00" in name:
        # The secret's parser refuses NUL already; a name with one cannot exist in PostgreSQL.
        raise ValueError("a PostgreSQL name cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` for this password.

    As PostgreSQL computes it (RFC 5802, RFC 7677; src/common/scram-common.c): the password is
    normalised with SASLprep, or used as is when SASLprep refuses it, as the server does; a random
    16-byte salt; PBKDF2-HMAC-SHA-256 with 4096 iterations, the server's default
    (``scram_iterations``). https://www.postgresql.org/docs/15/auth-password.html
    """
    from scramp.core import ScramException  # noqa: PLC0415  in the layer with pg8000
    from scramp.utils import saslprep  # noqa: PLC0415

    try:
        prepared = saslprep(password)
    except ScramException:
        prepared = password
    salt = os.urandom(SCRAM_SALT_BYTES) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", prepared.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}$"
        f"{b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def _password_literal(password: str) -> str:
    """The verifier as a SQL string constant: base64, digits and ``$:`` need no escaping."""
    return f"'{scram_verifier(password)}'"


def role_exists(session: Session, name: str) -> bool:
    rows = run(
        session, "SELECT 1 FROM pg_roles WHERE rolname = :v", action="look up a role", v=name
    )
    return bool(rows)


def set_password(session: Session, username: str, password: str) -> None:
    """ALTER ROLE <username> WITH PASSWORD <the password's SCRAM verifier>."""
    role = quote_ident(username)
    literal = _password_literal(password)
    _run_with_password(
        session,
        f"ALTER ROLE {role} WITH PASSWORD {literal}",
        action=f"change the password of {role}",
    )


def create_login_role(
    session: Session, username: str, password: str, member_of: str, *, act_as: bool = False
) -> None:
    """CREATE ROLE <username> WITH LOGIN PASSWORD <password>; GRANT <member_of> TO <username>;
    with ``act_as``, also ALTER ROLE <username> SET role = <member_of> (see ``act_as_role``).

    In one transaction: a role created without its grant would, on a retry, only get a new
    password (the role exists), and so would never get the privileges it is cloned for.
    """
    role = quote_ident(username)
    parent = quote_ident(member_of)
    literal = _password_literal(password)
    run(session, "BEGIN", action="begin a transaction")
    try:
        _run_with_password(
            session,
            f"CREATE ROLE {role} WITH LOGIN PASSWORD {literal}",
            action=f"create role {role}",
        )
        run(session, f"GRANT {parent} TO {role}", action=f"grant {parent} to {role}")
        if act_as:
            act_as_role(session, username, member_of)
        run(session, "COMMIT", action="commit")
    except BaseException:
        # The first error is the one to report; a failed ROLLBACK adds nothing.
        with contextlib.suppress(Exception):
            session.conn.run("ROLLBACK")
        raise


def act_as_role(session: Session, username: str, role_name: str) -> None:
    """ALTER ROLE <username> SET role = <role_name>: each new session of <username> starts as if
    it had run SET ROLE <role_name>, so what it creates belongs to <role_name>.

    "Whenever the role subsequently starts a new session, the specified value becomes the session
    default" (https://www.postgresql.org/docs/15/sql-alterrole.html), and SET ROLE makes "the
    current user identifier of the current SQL session" that role, for "permissions checking"
    and object ownership (https://www.postgresql.org/docs/15/sql-set-role.html). The login is
    still <username> (session_user): pg_hba.conf, the password and connection limits are its own.
    """
    role = quote_ident(username)
    target = quote_ident(role_name)
    run(
        session,
        f"ALTER ROLE {role} SET role = {target}",
        action=f"make the sessions of {role} act as {target}",
    )


def check_login_works(session: Session) -> str:
    """A trivial query as the logged-in user; returns current_user."""
    rows = run(session, "SELECT current_user, 1", action="run SELECT 1")
    return str(rows[0][0])
