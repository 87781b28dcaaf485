"""The SQL each server flavour gets, built as text plus bound values, and SHOW GRANTS read back.

Pure functions (no driver, no connection), so the statements MySQL 8 gets are unit-tested even
though no MySQL 8 server runs in the tests. Values (user and host names, REQUIRE attributes,
authentication strings) are bound parameters: PyMySQL quotes them client-side, honouring the
session's NO_BACKSLASH_ESCAPES. Names taken from SHOW GRANTS are replayed as the server rendered
them (backquoted). A statement never holds a password: only an authentication string
(hashing.py).

Flavours: ``mariadb`` (10.4 and later: ``IDENTIFIED VIA <plugin> USING``,
``SET PASSWORD = '<hash>'``, ``SET DEFAULT ROLE``) and ``mysql`` (5.7, 8.0 and Aurora MySQL:
``IDENTIFIED WITH <plugin> AS``, ``ALTER USER ... DEFAULT ROLE``; the user's own password only
through ``ALTER USER CURRENT_USER()``, which needs CREATE USER for the hashed form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

Flavour = Literal["mariadb", "mysql"]
Statement = tuple[str, tuple[Any, ...]]
_PLUGIN = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Server:
    flavour: Flavour
    version: tuple[int, int, int]

    @classmethod
    def from_version(cls, text: str) -> Server:
        """From the handshake's version: "10.11.19-MariaDB-0+deb12u1-log", "8.0.36"."""
        numbers = re.match(r"^(\d+)\.(\d+)\.(\d+)", text)
        version = (0, 0, 0)
        if numbers:
            version = (int(numbers[1]), int(numbers[2]), int(numbers[3]))
        elif re.match(r"^8\.0\.mysql_aurora\.", text):
            # Aurora MySQL 3 ("8.0.mysql_aurora.3.05.2") is compatible with MySQL 8.0.23 and
            # later (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.MySQL80.html).
            version = (8, 0, 23)
        # MariaDB 10.x announced itself as "5.5.5-10.x.y-MariaDB" to old clients.
        if "mariadb" in text.lower():
            inner = re.search(r"(\d+)\.(\d+)\.(\d+)-MariaDB", text, re.IGNORECASE)
            if inner:
                version = (int(inner[1]), int(inner[2]), int(inner[3]))
            return cls("mariadb", version)
        return cls("mysql", version)

    @property
    def dual_passwords(self) -> bool:
        """``RETAIN CURRENT PASSWORD``: MySQL 8.0.14 and later (not MariaDB)."""
        return self.flavour == "mysql" and self.version >= (8, 0, 14)

    def describe(self) -> str:
        name = "MariaDB" if self.flavour == "mariadb" else "MySQL"
        return f"{name} {'.'.join(map(str, self.version))}"


@dataclass(frozen=True)
class AccountAttributes:
    """What CREATE USER copies besides the plugin: REQUIRE and the resource limits."""

    ssl_type: str = ""  # "", "ANY", "X509", "SPECIFIED"
    ssl_cipher: str = ""
    x509_issuer: str = ""
    x509_subject: str = ""
    max_questions: int = 0
    max_updates: int = 0
    max_connections: int = 0
    max_user_connections: int = 0
    max_statement_time: float = 0.0  # MariaDB only

    def require_clause(self) -> Statement:
        kind = self.ssl_type.upper()
        if kind == "ANY":
            return "REQUIRE SSL", ()
        if kind == "X509":
            return "REQUIRE X509", ()
        if kind == "SPECIFIED":
            parts, values = [], []
            for word, value in (
                ("CIPHER", self.ssl_cipher),
                ("ISSUER", self.x509_issuer),
                ("SUBJECT", self.x509_subject),
            ):
                if value:
                    parts.append(f"{word} %s")
                    values.append(value)
            if parts:
                return "REQUIRE " + " AND ".join(parts), tuple(values)
        return "REQUIRE NONE", ()

    def limits_clause(self, flavour: Flavour) -> str:
        text = (
            f"WITH MAX_QUERIES_PER_HOUR {int(self.max_questions)} "
            f"MAX_UPDATES_PER_HOUR {int(self.max_updates)} "
            f"MAX_CONNECTIONS_PER_HOUR {int(self.max_connections)} "
            f"MAX_USER_CONNECTIONS {int(self.max_user_connections)}"
        )
        if flavour == "mariadb":
            text += f" MAX_STATEMENT_TIME {float(self.max_statement_time):.6f}"
        return text


def _plugin(plugin: str) -> str:
    if not _PLUGIN.match(plugin):
        raise ValueError(f"not a plugin name: {plugin!r}")
    return plugin


def identified(server: Server, plugin: str) -> str:
    """The authentication clause; the authentication string is the next bound value."""
    if server.flavour == "mariadb":
        return f"IDENTIFIED VIA {_plugin(plugin)} USING %s"
    return f"IDENTIFIED WITH {_plugin(plugin)} AS %s"


def set_own_password(server: Server, plugin: str, auth: str) -> Statement:
    """The logged-in user's new authentication string (single-user)."""
    if server.flavour == "mariadb":
        # "SET PASSWORD = 'encrypted password'" stores the string as the account's hash
        # (https://mariadb.com/kb/en/set-password/); no privilege needed for one's own account.
        return "SET PASSWORD = %s", (auth,)
    return f"ALTER USER CURRENT_USER() {identified(server, plugin)}", (auth,)


def set_own_password_retaining(password: str) -> Statement:
    """MySQL 8.0.14+ dual passwords: the new password primary, the current one secondary.

    The only form MySQL offers takes the password itself (``IDENTIFIED BY``): it travels in the
    statement, over TLS with a verified certificate only (database.py refuses otherwise), and
    MySQL rewrites it out of its general log, slow log and binary log
    (https://dev.mysql.com/doc/refman/8.0/en/password-logging.html). An earlier secondary
    password is replaced, so AWSPREVIOUS works until the next rotation and no longer.
    https://dev.mysql.com/doc/refman/8.0/en/password-management.html#dual-passwords
    """
    return "ALTER USER CURRENT_USER() IDENTIFIED BY %s RETAIN CURRENT PASSWORD", (password,)


def set_account_password(server: Server, user: str, host: str, plugin: str, auth: str) -> Statement:
    return f"ALTER USER %s@%s {identified(server, plugin)}", (user, host, auth)


def create_user(
    server: Server, user: str, host: str, *, plugin: str, auth: str, attrs: AccountAttributes
) -> Statement:
    require, require_values = attrs.require_clause()
    return (
        f"CREATE USER %s@%s {identified(server, plugin)} {require} "
        f"{attrs.limits_clause(server.flavour)}",
        (user, host, auth, *require_values),
    )


def alter_attributes(server: Server, user: str, host: str, attrs: AccountAttributes) -> Statement:
    require, require_values = attrs.require_clause()
    return (
        f"ALTER USER %s@%s {require} {attrs.limits_clause(server.flavour)}",
        (user, host, *require_values),
    )


def drop_user(user: str, host: str) -> Statement:
    return "DROP USER %s@%s", (user, host)


def account_query(server: Server) -> str:
    """Each account of a user name: host, plugin, REQUIRE and limits (mysql.user)."""
    # No value in the text: one of two column names; the user name is bound.
    statement_time = "max_statement_time" if server.flavour == "mariadb" else "0"
    return (
        "SELECT Host, plugin, ssl_type, ssl_cipher, x509_issuer, x509_subject, max_questions, "  # noqa: S608
        f"max_updates, max_connections, max_user_connections, {statement_time} "
        "FROM mysql.user WHERE User = %s ORDER BY Host"
    )


def default_roles_query(server: Server) -> str | None:
    """MySQL 8 keeps default roles apart from SHOW GRANTS; MariaDB lists them there."""
    if server.flavour == "mariadb":
        return None
    return (
        "SELECT DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST FROM mysql.default_roles "
        "WHERE USER = %s AND HOST = %s ORDER BY DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST"
    )


# -- SHOW GRANTS, read and made equal ------------------------------------------------------------


def quote_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def rendered_account(user: str, host: str) -> str:
    """An account as SHOW GRANTS renders it: `user`@`host`."""
    return f"{quote_name(user)}@{quote_name(host)}"


@dataclass
class Grants:
    """One account's grants: privileges per object, roles, default roles."""

    # "ON" object -> (privileges, WITH GRANT OPTION). Column privileges one per column.
    objects: dict[str, tuple[frozenset[str], bool]] = field(default_factory=dict)
    # role as rendered -> WITH ADMIN OPTION
    roles: dict[str, bool] = field(default_factory=dict)
    default_roles: tuple[str, ...] = ()


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses and backquotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "`":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _privileges(text: str) -> frozenset[str]:
    """ "SELECT (`a`), UPDATE (`a`, `b`), INSERT" -> one item per privilege and column."""
    items: set[str] = set()
    for part in _split_top_level(text):
        name, paren, columns = part.partition("(")
        if not paren:
            items.add(" ".join(part.split()).upper())
            continue
        for column in _split_top_level(columns.rstrip().removesuffix(")")):
            items.add(f"{' '.join(name.split()).upper()} ({column})")
    return frozenset(items)


def _join_privileges(items: frozenset[str]) -> str:
    return ", ".join(sorted(items))


ALL = frozenset({"ALL PRIVILEGES"})


def parse_grants(lines: list[str], user: str, host: str) -> Grants:
    """SHOW GRANTS FOR user@host, read per object. Unknown lines raise ValueError."""
    grantee = rendered_account(user, host)
    grants = Grants()
    for line in lines:
        if line.startswith("SET DEFAULT ROLE "):
            # MariaDB: SET DEFAULT ROLE `r` FOR `u`@`h`
            role = line[len("SET DEFAULT ROLE ") :].rsplit(" FOR ", 1)[0]
            grants.default_roles = (role,)
            continue
        marker = f" TO {grantee}"
        at = line.rfind(marker)
        if not line.startswith("GRANT ") or at < 0:
            raise ValueError(f"unexpected SHOW GRANTS line for {grantee}")
        head, tail = line[len("GRANT ") : at], line[at + len(marker) :]
        if " ON " in head:
            privileges_text, obj = head.split(" ON ", 1)
            privileges = _privileges(privileges_text)
            option = "WITH GRANT OPTION" in tail or "GRANT OPTION" in privileges
            privileges -= {"GRANT OPTION"}
            if privileges == {"USAGE"} and not option:
                continue  # the account's own line (IDENTIFIED ..., REQUIRE ..., limits)
            old, old_option = grants.objects.get(obj, (frozenset(), False))
            grants.objects[obj] = (old | (privileges - {"USAGE"}), old_option or option)
        else:
            for role in _split_top_level(head):
                grants.roles[role] = "WITH ADMIN OPTION" in tail
    return grants


def sync_grants(  # noqa: PLR0912  one branch per kind of difference
    server: Server, user: str, host: str, want: Grants, have: Grants
) -> list[Statement]:
    """Statements that make ``user@host``'s grants ``want``, given it has ``have``.

    Grants first, revokes after, so a privilege both hold is never missing in between (except
    when the clone holds ALL PRIVILEGES on an object the user holds only some privileges on).
    """
    to = rendered_account(user, host)
    downgrades: list[Statement] = []
    grants: list[Statement] = []
    revokes: list[Statement] = []
    for obj, (privileges, option) in sorted(want.objects.items()):
        held, held_option = have.objects.get(obj, (frozenset(), False))
        if held == ALL and privileges != ALL:
            downgrades.append((f"REVOKE ALL PRIVILEGES ON {obj} FROM {to}", ()))
            held = frozenset()
        missing = privileges - held if held != ALL else frozenset()
        if missing or (option and not held_option) or (not privileges and not held_option):
            granted = _join_privileges(privileges) if privileges else "USAGE"
            suffix = " WITH GRANT OPTION" if option else ""
            grants.append((f"GRANT {granted} ON {obj} TO {to}{suffix}", ()))
        extra = held - privileges if privileges != ALL else frozenset()
        if extra:
            revokes.append((f"REVOKE {_join_privileges(extra)} ON {obj} FROM {to}", ()))
        if held_option and not option:
            revokes.append((f"REVOKE GRANT OPTION ON {obj} FROM {to}", ()))
    for obj, (held, held_option) in sorted(have.objects.items()):
        if obj in want.objects:
            continue
        if held:
            revokes.append((f"REVOKE {_join_privileges(held)} ON {obj} FROM {to}", ()))
        if held_option:
            revokes.append((f"REVOKE GRANT OPTION ON {obj} FROM {to}", ()))
    for role, admin in sorted(want.roles.items()):
        if role not in have.roles or (admin and not have.roles[role]):
            grants.append((f"GRANT {role} TO {to}{' WITH ADMIN OPTION' if admin else ''}", ()))
        elif have.roles[role] and not admin:
            revokes.append((f"REVOKE ADMIN OPTION FOR {role} FROM {to}", ()))
    revokes.extend(
        (f"REVOKE {role} FROM {to}", ()) for role in sorted(have.roles) if role not in want.roles
    )
    statements = downgrades + grants + revokes
    if want.default_roles != have.default_roles:
        statements.append(set_default_roles(server, to, want.default_roles))
    return statements


def set_default_roles(server: Server, to: str, roles: tuple[str, ...]) -> Statement:
    if server.flavour == "mariadb":
        role = roles[0] if roles else "NONE"
        return f"SET DEFAULT ROLE {role} FOR {to}", ()
    return f"ALTER USER {to} DEFAULT ROLE {', '.join(roles) if roles else 'NONE'}", ()


def plugin_from_create_user(text: str) -> str:
    """The plugin SHOW CREATE USER names (for the logged-in user, who may not read mysql.user).

    MariaDB: "IDENTIFIED BY PASSWORD '*...'" (mysql_native_password), "IDENTIFIED VIA ed25519
    USING ...", or no IDENTIFIED (no password: mysql_native_password). MySQL: "IDENTIFIED WITH
    'caching_sha2_password' AS ...". Several methods (MariaDB's "VIA a OR b") name the first.
    """
    via = re.search(r"\bIDENTIFIED (?:VIA|WITH) '?([A-Za-z0-9_]+)'?", text)
    if via:
        return via[1]
    return "mysql_native_password"
