"""The PostgreSQL secret: AWS's JSON convention, read into a typed value and checked.

The shape is the one AWS's PostgreSQL rotation templates and RDS use
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html)::

    {"engine": "postgres" | "aurora-postgresql", "host": "...", "port": 5432,
     "username": "...", "password": "...", "dbname": "postgres", "ssl": true,
     "masterarn": "arn:aws:secretsmanager:..."}   # multi-user only

``port`` defaults to 5432, ``dbname`` to ``postgres``; ``ssl`` is optional (see ``TlsMode``). Every
other key is kept as it is by a rotation. Nothing here imports the driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rotator.strategies import database as database_rules
from rotator.strategies.database import fields
from rotator.strategies.postgres.errors import DatabaseSecretInvalidError, UsernameTooLongError

ENGINES = ("postgres", "aurora-postgresql")
DEFAULT_PORT = 5432
DEFAULT_DBNAME = "postgres"
# PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes (not characters).
# https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
MAX_IDENTIFIER_BYTES = 63
CLONE_SUFFIX = "_clone"
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")

# How to use TLS, from the secret's "ssl" key (rotator/strategies/database: TlsMode):
# - absent:                                  DATABASE_TLS_DEFAULT (modules: "verify"; unset: "try").
# - true, "true", "verify", "verify-full":   "verify": TLS required, certificate and host verified.
# - "unverified", "require":                 "unverified": TLS required, certificate not checked,
#                                             and the login must bind to the channel (SCRAM-PLUS).
# - false, "false", "plaintext", "disable":  "plaintext": never TLS (written down on purpose).
# - "try":                                   verify, else unverified TLS with channel binding.
# Kept as names here so existing imports keep working.
TlsMode = database_rules.TlsMode
strictest = database_rules.strictest


@dataclass(frozen=True, repr=False)
class DbSecret:
    """One version of a PostgreSQL secret. ``repr`` leaves the password out."""

    engine: str
    host: str
    port: int
    username: str
    password: str
    dbname: str
    tls: TlsMode
    masterarn: str | None
    raw: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"DbSecret(user={self.username!r}, host={self.host!r}, port={self.port}, "
            f"dbname={self.dbname!r}, tls={self.tls!r})"
        )

    def where(self) -> str:
        """``user@host:port/dbname``, for messages (no password)."""
        return f"user {self.username!r} at {self.host}:{self.port}/{self.dbname}"

    def with_login(self, username: str, password: str) -> str:
        """This secret's JSON with a new username and password; every other key kept as it is."""
        return fields.with_login(self.raw, username, password)


def parse_secret(value: str, *, label: str, needs_masterarn: bool = False) -> DbSecret:
    """Read and check a PostgreSQL secret. ``label`` names it in errors ("AWSCURRENT", ...)."""
    return _from_dict(
        fields.json_object(value, label=label, error=DatabaseSecretInvalidError),
        label=label,
        needs_masterarn=needs_masterarn,
    )


MasterLogin = fields.MasterLogin  # the credentials of an RDS-managed master secret


def parse_master_secret(value: str, *, arn: str) -> DbSecret | MasterLogin:
    """The administrator secret named by ``masterarn``.

    With "host": a secret of the same shape as the rotated one, for its own host. Without:
    an RDS-managed master secret (only "username" and "password"), whose database the caller
    finds through the secret's ``aws:rds:`` tags and the RDS API (rds.py).
    """
    label = f"the master secret {arn}"
    obj = fields.json_object(value, label=label, error=DatabaseSecretInvalidError)
    if "host" in obj:
        return _from_dict(obj, label=label, needs_masterarn=False)
    return fields.rds_managed_login(obj, label=label, error=DatabaseSecretInvalidError)


def _from_dict(obj: dict[str, Any], *, label: str, needs_masterarn: bool) -> DbSecret:
    problems: list[str] = []

    engine = obj.get("engine")
    if engine not in ENGINES:
        problems.append(
            f'"engine" must be one of {", ".join(ENGINES)} ({fields.describe_given(obj, "engine")})'
        )
    host = fields.required_text(obj, "host", problems)
    username = fields.required_text(obj, "username", problems)
    password = fields.required_text(obj, "password", problems, echo=False)
    port = fields.port(obj, problems, default=DEFAULT_PORT)
    dbname = obj.get("dbname")
    if dbname is None:
        dbname = DEFAULT_DBNAME
    elif not isinstance(dbname, str) or not dbname:
        problems.append('"dbname" must be a non-empty string when present')
    tls = _tls_mode(obj, problems)
    masterarn = obj.get("masterarn")
    if needs_masterarn:
        if not isinstance(masterarn, str) or not _SECRET_ARN.match(masterarn):
            problems.append(
                '"masterarn" must be the ARN of the secret holding the administrator\'s '
                "credentials (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
            )
    elif masterarn is not None and not isinstance(masterarn, str):
        problems.append('"masterarn" must be a string when present')
    if username and len(username.encode()) > MAX_IDENTIFIER_BYTES:
        problems.append(f'"username" is longer than PostgreSQL\'s {MAX_IDENTIFIER_BYTES} bytes')
    if problems:
        raise DatabaseSecretInvalidError(
            f"{label} is not a PostgreSQL secret: {'; '.join(problems)}"
        )
    return DbSecret(
        engine=str(engine),
        host=host,
        port=port,
        username=username,
        password=password,
        dbname=str(dbname),
        tls=tls,
        masterarn=masterarn if isinstance(masterarn, str) else None,
        raw=obj,
    )


def _tls_mode(obj: dict[str, Any], problems: list[str]) -> TlsMode:
    default = database_rules.default_tls_mode()
    mode = database_rules.parse_tls_mode(obj.get("ssl"), present="ssl" in obj, default=default)
    if mode is not None:
        return mode
    # AWS's templates treat any other value as absent (try TLS, fall back); a typo that silently
    # weakens TLS is worse than an error before anything is written.
    problems.append(
        '"ssl" must be true, false, "verify", "unverified" or "plaintext" '
        f"({fields.describe_given(obj, 'ssl')})"
    )
    return default


def alternate_username(username: str) -> str:
    """``name`` <-> ``name_clone``, as AWS's multi-user templates alternate.

    A name whose clone would not fit PostgreSQL's 63 bytes is an error, not a truncation:
    a truncated clone would not alternate back to the original name (stripping the suffix gives
    the truncated name), so a third role would appear and the original user would go stale.
    """
    if username.endswith(CLONE_SUFFIX) and len(username) > len(CLONE_SUFFIX):
        return username[: -len(CLONE_SUFFIX)]
    alternate = username + CLONE_SUFFIX
    if len(alternate.encode()) > MAX_IDENTIFIER_BYTES:
        raise UsernameTooLongError(
            f"username {username!r} is {len(username.encode())} bytes: with {CLONE_SUFFIX} it "
            f"would exceed PostgreSQL's {MAX_IDENTIFIER_BYTES}-byte limit on names"
        )
    return alternate
