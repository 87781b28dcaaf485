"""The MySQL/MariaDB secret: AWS's JSON convention, read into a typed value and checked.

The shape is the one AWS's MySQL and MariaDB rotation templates and RDS use
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html)::

    {"engine": "mysql" | "mariadb" | "aurora-mysql", "host": "...", "port": 3306,
     "username": "...", "password": "...", "dbname": "...", "ssl": true,
     "masterarn": "arn:aws:secretsmanager:..."}   # multi-user only

``port`` defaults to 3306; ``dbname`` is optional (the session's default schema). Every other key
is kept as it is by a rotation. Nothing here imports the driver.

TLS (``ssl``), explicit rather than AWS's "try TLS, then plaintext":

* absent, ``true``, ``"true"``, ``"verify"``: TLS, certificate and host name verified.
* ``"require"``: TLS without verification (encrypts; does not prove who answers).
* ``false``, ``"false"``: no TLS. Written down, never a fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from rotator.strategies.database import fields
from rotator.strategies.mysql.errors import MySqlSecretInvalidError, UsernameTooLongError

ENGINES = ("mysql", "mariadb", "aurora-mysql")
DEFAULT_PORT = 3306
CLONE_SUFFIX = "_clone"
# User names: MySQL 5.7.8+ and Aurora MySQL at most 32 characters
# (https://dev.mysql.com/doc/refman/8.0/en/user-names.html); MariaDB 10.11 128 (mysql.global_priv's
# User column is char(128): a 128-character name is accepted, 129 refused, checked on 10.11.19).
# The limit that applies is the server's (database.py reads it); the engine key gives the one
# checked at createSecret, before the server is reached.
USERNAME_LIMITS = {"mysql": 32, "aurora-mysql": 32, "mariadb": 128}
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")

TlsMode = Literal["verify", "unverified", "off"]
_TLS_WORDS: dict[str, TlsMode] = {
    "true": "verify",
    "verify": "verify",
    "require": "unverified",
    "false": "off",
}


@dataclass(frozen=True, repr=False)
class MySqlSecret:
    """One version of a MySQL secret. ``repr`` leaves the password out."""

    engine: str
    host: str
    port: int
    username: str
    password: str
    dbname: str | None
    tls: TlsMode
    masterarn: str | None
    raw: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"MySqlSecret(user={self.username!r}, host={self.host!r}, port={self.port}, "
            f"tls={self.tls!r})"
        )

    def where(self) -> str:
        return f"user {self.username!r} at {self.host}:{self.port}"

    def with_login(self, username: str, password: str) -> str:
        """This secret's JSON with a new username and password; every other key kept as it is."""
        return fields.with_login(self.raw, username, password)


MasterLogin = fields.MasterLogin  # the credentials of an RDS-managed master secret


def parse_secret(value: str, *, label: str, needs_masterarn: bool = False) -> MySqlSecret:
    """Read and check a MySQL secret. ``label`` names it in errors ("AWSCURRENT", ...)."""
    return _from_dict(
        fields.json_object(value, label=label, error=MySqlSecretInvalidError),
        label=label,
        needs_masterarn=needs_masterarn,
    )


def parse_master_secret(value: str, *, arn: str) -> MySqlSecret | MasterLogin:
    """The administrator secret named by ``masterarn``: with "host", a secret of the rotated
    one's shape; without, an RDS-managed master secret (only "username" and "password")."""
    label = f"the master secret {arn}"
    obj = fields.json_object(value, label=label, error=MySqlSecretInvalidError)
    if "host" in obj:
        return _from_dict(obj, label=label, needs_masterarn=False)
    return fields.rds_managed_login(obj, label=label, error=MySqlSecretInvalidError)


def _from_dict(obj: dict[str, Any], *, label: str, needs_masterarn: bool) -> MySqlSecret:
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
    if dbname is not None and (not isinstance(dbname, str) or not dbname):
        problems.append('"dbname" must be a non-empty string when present')
    tls = _tls_mode(obj, problems)
    masterarn = obj.get("masterarn")
    if needs_masterarn:
        if not isinstance(masterarn, str) or not _SECRET_ARN.match(masterarn):
            problems.append(
                '"masterarn" must be the ARN of the secret holding the administrator\'s '
                f"credentials (arn:aws:secretsmanager:<region>:<account>:secret:<name>; "
                f"{fields.describe_given(obj, 'masterarn')})"
            )
    elif masterarn is not None and not isinstance(masterarn, str):
        problems.append('"masterarn" must be a string when present')
    if isinstance(engine, str) and engine in USERNAME_LIMITS and username:
        limit = USERNAME_LIMITS[engine]
        if len(username) > limit:
            problems.append(
                f'"username" has {len(username)} characters, more than {engine}\'s {limit}'
            )
    if problems:
        raise MySqlSecretInvalidError(f"{label} is not a MySQL secret: {'; '.join(problems)}")
    return MySqlSecret(
        engine=str(engine),
        host=host,
        port=port,
        username=username,
        password=password,
        dbname=dbname if isinstance(dbname, str) else None,
        tls=tls,
        masterarn=masterarn if isinstance(masterarn, str) else None,
        raw=obj,
    )


def _tls_mode(obj: dict[str, Any], problems: list[str]) -> TlsMode:
    if "ssl" not in obj:
        return "verify"
    value = obj["ssl"]
    if value is True or value is False:
        return "verify" if value else "off"
    if isinstance(value, str) and value.strip().lower() in _TLS_WORDS:
        return _TLS_WORDS[value.strip().lower()]
    # A typo that silently weakens TLS is worse than an error before anything is written.
    problems.append(f'"ssl" must be true, "require" or false ({fields.describe_given(obj, "ssl")})')
    return "verify"


def alternate_username(username: str, *, limit: int, engine: str) -> str:
    """``name`` <-> ``name_clone``, as AWS's multi-user templates alternate.

    A clone name over the server's limit is an error, not a truncation (AWS's templates truncate
    to USERNAME_CHARACTER_LIMIT, 16 by default): a truncated clone would not alternate back.
    """
    if username.endswith(CLONE_SUFFIX) and len(username) > len(CLONE_SUFFIX):
        return username[: -len(CLONE_SUFFIX)]
    alternate = username + CLONE_SUFFIX
    if len(alternate) > limit:
        raise UsernameTooLongError(
            f"username {username!r} has {len(username)} characters: with {CLONE_SUFFIX} it "
            f"would exceed {engine}'s limit of {limit} characters on user names "
            f"(at most {limit - len(CLONE_SUFFIX)} for a user rotated with a clone)"
        )
    return alternate


def base_username(username: str) -> str:
    """The original user of a ``name``/``name_clone`` pair."""
    if username.endswith(CLONE_SUFFIX) and len(username) > len(CLONE_SUFFIX):
        return username[: -len(CLONE_SUFFIX)]
    return username
