"""``mysql-single-user`` and ``mysql-multi-user``: AWS's MySQL/MariaDB rotation templates
(aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRDSMySQLRotationSingleUser,
...MariaDBRotationMultiUser) behind the rotator's Strategy interface, without their faults: no
password in SQL, the clone on every host the user has, its grants made equal at every rotation.

Single user: the user changes its own password. setSecret is done if the pending credentials
already log in; otherwise it logs in with AWSCURRENT, or AWSPREVIOUS when the current password no
longer works, and stores the new authentication string for the plugin the account uses. With
MYSQL_DUAL_PASSWORD (MySQL 8.0.14+ only) the old password stays valid as the secondary one.

Multi user (alternating users): each rotation changes the password of the *other* user, ``name``
or ``name_clone``, logged in as the administrator of the secret "masterarn" names (never
modified). The clone exists on every host ``name`` exists on, with the same plugin, REQUIRE,
resource limits, roles, default roles and grants (WITH GRANT OPTION kept); a rotation that
changes the clone makes its grants equal to the user's, revoking what the user lost.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, ClassVar

from rotator.config import boolean_from_env
from rotator.strategies.base import Strategy
from rotator.strategies.mysql import database, hashing, rules, sql
from rotator.strategies.mysql.errors import (
    DatabaseAuthenticationError,
    DualPasswordUnsupportedError,
    MySqlSecretInvalidError,
    PendingCredentialsMismatchError,
    UnsupportedAuthPluginError,
    UsernameTooLongError,
)
from rotator.strategies.mysql.secret import (
    CLONE_SUFFIX,
    USERNAME_LIMITS,
    MasterLogin,
    MySqlSecret,
    TlsMode,
    alternate_username,
    base_username,
    parse_master_secret,
    parse_secret,
)

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion

DUAL_PASSWORD_VARIABLE = "MYSQL_DUAL_PASSWORD"  # noqa: S105  a variable's name
_STRICTNESS: dict[TlsMode, int] = {"off": 0, "unverified": 1, "verify": 2}


def dual_password() -> bool:
    """MYSQL_DUAL_PASSWORD: single-user keeps the old password as the secondary (default false)."""
    return boolean_from_env(os.environ, DUAL_PASSWORD_VARIABLE, default=False)


class MySqlSingleUserStrategy(Strategy):
    name: ClassVar[str] = "mysql-single-user"

    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        secret = parse_secret(current.value, label="AWSCURRENT")
        return secret.with_login(secret.username, ctx.new_password())

    def set_secret(self, ctx: StepContext) -> None:
        current = parse_secret(ctx.current().value, label="AWSCURRENT")
        pending = parse_secret(ctx.pending().value, label="AWSPENDING")
        _check_target(pending, current, expected_user=current.username, against="AWSCURRENT")
        if _pending_already_works(ctx, pending):
            return
        try:
            session = database.login(current, credentials="AWSCURRENT", log=ctx.log)
        except DatabaseAuthenticationError as current_failed:
            previous = _previous(ctx, current)
            if previous is None:
                raise
            _check_target(pending, previous, expected_user=previous.username, against="AWSPREVIOUS")
            try:
                session = database.login(previous, credentials="AWSPREVIOUS", log=ctx.log)
            except DatabaseAuthenticationError as previous_failed:
                raise DatabaseAuthenticationError(
                    f"{current_failed.problem}; {previous_failed.problem}"
                ) from None
        try:
            _check_engine(current, session.server)
            if dual_password():
                _check_dual_password(session)
                database.run(
                    session,
                    sql.set_own_password_retaining(pending.password),
                    action="change its own password (RETAIN CURRENT PASSWORD)",
                    secret_text=True,
                )
            else:
                plugin = database.own_plugin(session)
                _check_plugin(session.server, plugin, f"{pending.username!r} (its own account)")
                auth = hashing.auth_string(plugin, pending.password)
                database.run(
                    session,
                    sql.set_own_password(session.server, plugin, auth),
                    action="change its own password",
                    secret_text=True,
                )
        finally:
            session.close()
        ctx.log.info("database_password_set", user=pending.username, host=pending.host)

    def test_secret(self, ctx: StepContext) -> None:
        _test_pending(ctx, needs_masterarn=False)


class MySqlMultiUserStrategy(Strategy):
    name: ClassVar[str] = "mysql-multi-user"

    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        secret = parse_secret(current.value, label="AWSCURRENT", needs_masterarn=True)
        limit = USERNAME_LIMITS[secret.engine]
        alternate = alternate_username(secret.username, limit=limit, engine=secret.engine)
        return secret.with_login(alternate, ctx.new_password())

    def set_secret(self, ctx: StepContext) -> None:
        current = parse_secret(ctx.current().value, label="AWSCURRENT", needs_masterarn=True)
        pending = parse_secret(ctx.pending().value, label="AWSPENDING", needs_masterarn=True)
        expected = alternate_username(current.username, limit=10_000, engine=current.engine)
        _check_target(pending, current, expected_user=expected, against="AWSCURRENT")
        if pending.masterarn != current.masterarn:
            raise PendingCredentialsMismatchError(
                "AWSPENDING names a different masterarn than AWSCURRENT"
            )
        master_arn = str(current.masterarn)
        rules.check_master_allowed(master_arn, ctx.config.master_secret_arns)
        # AWSCURRENT must work before the master's credentials are used for it.
        with database.session(current, credentials="AWSCURRENT", log=ctx.log) as own:
            _check_engine(current, own.server)
        master = _master(ctx, master_arn, current)
        base = base_username(pending.username)
        for user in {pending.username, base}:
            rules.check_not_master_user(
                pending_user=user, master_user=master.username, master_arn=master_arn
            )
        with database.session(master, credentials=f"master ({master_arn})", log=ctx.log) as admin:
            _sync_accounts(ctx, admin, base=base, pending=pending)

    def test_secret(self, ctx: StepContext) -> None:
        _test_pending(ctx, needs_masterarn=True)


def _sync_accounts(
    ctx: StepContext, admin: database.Session, *, base: str, pending: MySqlSecret
) -> None:
    """Give every account of ``pending.username`` the new password; for the clone, first make
    its accounts those of ``base``: same hosts, plugin, REQUIRE, limits, roles and grants."""
    server = admin.server
    clone = base + CLONE_SUFFIX
    limit = database.username_limit(admin)
    if len(clone) > limit:
        raise UsernameTooLongError(
            f"username {base!r} has {len(base)} characters: with {CLONE_SUFFIX} it would exceed "
            f"the {limit}-character limit on user names of {server.describe()} at "
            f"{pending.host}:{pending.port}"
        )
    originals = database.accounts(admin, base)
    if not originals:
        raise MySqlSecretInvalidError(
            f"user {base!r} has no account on {pending.host}:{pending.port}",
            remedy=f'Create user {base!r} (the "username" of the secret without {CLONE_SUFFIX}) '
            "before rotating, or fix the secret's username",
        )
    for account in originals:  # all refused before anything changes
        _check_plugin(server, account.plugin, f"{base!r}@{account.host!r}")
    if pending.username == base:
        for account in originals:
            auth = hashing.auth_string(account.plugin, pending.password)
            database.run(
                admin,
                sql.set_account_password(server, base, account.host, account.plugin, auth),
                action=f"change the password of {base!r}@{account.host!r}",
                secret_text=True,
            )
        ctx.log.info("database_password_set", user=base, hosts=[a.host for a in originals])
        return
    existing = {a.host: a for a in database.accounts(admin, clone)}
    for account in originals:
        auth = hashing.auth_string(account.plugin, pending.password)
        if account.host in existing:
            database.run(
                admin,
                sql.alter_attributes(server, clone, account.host, account.attributes),
                action=f"copy REQUIRE and limits to {clone!r}@{account.host!r}",
            )
            database.run(
                admin,
                sql.set_account_password(server, clone, account.host, account.plugin, auth),
                action=f"change the password of {clone!r}@{account.host!r}",
                secret_text=True,
            )
        else:
            database.run(
                admin,
                sql.create_user(
                    server,
                    clone,
                    account.host,
                    plugin=account.plugin,
                    auth=auth,
                    attrs=account.attributes,
                ),
                action=f"create user {clone!r}@{account.host!r}",
                secret_text=True,
            )
            ctx.log.info("database_user_created", user=clone, host=account.host, of=base)
        want = sql.parse_grants(database.show_grants(admin, base, account.host), base, account.host)
        have = sql.parse_grants(
            database.show_grants(admin, clone, account.host), clone, account.host
        )
        if server.flavour == "mysql":
            want.default_roles = database.default_roles(admin, base, account.host)
            have.default_roles = database.default_roles(admin, clone, account.host)
        statements = sql.sync_grants(server, clone, account.host, want, have)
        for statement in statements:
            database.run(admin, statement, action=f"copy grants to {clone!r}@{account.host!r}")
        ctx.log.info(
            "database_grants_synced", user=clone, host=account.host, statements=len(statements)
        )
    for host in sorted(set(existing) - {a.host for a in originals}):
        database.run(admin, sql.drop_user(clone, host), action=f"drop user {clone!r}@{host!r}")
        ctx.log.info(
            "database_user_dropped", user=clone, host=host, reason=f"{base} has no such host"
        )


def _check_plugin(server: sql.Server, plugin: str, account: str) -> None:
    if plugin not in hashing.HASHABLE[server.flavour]:
        known = ", ".join(sorted(hashing.HASHABLE[server.flavour]))
        raise UnsupportedAuthPluginError(
            f"account {account} authenticates with {plugin!r}, whose stored string the function "
            f"cannot compute on {server.describe()} (it can for {known}); nothing was changed"
        )


def _check_engine(secret: MySqlSecret, server: sql.Server) -> None:
    is_mariadb = secret.engine == "mariadb"
    if is_mariadb != (server.flavour == "mariadb"):
        expected = "mariadb" if server.flavour == "mariadb" else "mysql or aurora-mysql"
        raise MySqlSecretInvalidError(
            f'"engine" is {secret.engine!r} but {secret.host}:{secret.port} is '
            f"{server.describe()}; nothing was changed",
            remedy=f'Set "engine" to {expected} in the secret (the statements differ)',
        )


def _check_dual_password(session: database.Session) -> None:
    if not session.server.dual_passwords:
        raise DualPasswordUnsupportedError(
            f"{DUAL_PASSWORD_VARIABLE} is on but {session.secret.host}:{session.secret.port} is "
            f"{session.server.describe()}"
        )
    if session.tls != "verify":
        raise DualPasswordUnsupportedError(
            f"{DUAL_PASSWORD_VARIABLE} sends the password in the statement, and the connection "
            f"to {session.secret.host}:{session.secret.port} is not TLS with a verified "
            "certificate; nothing was sent"
        )


def _master(ctx: StepContext, master_arn: str, current: MySqlSecret) -> MySqlSecret:
    """The master's login, for the rotated secret's server and never another."""
    parsed = parse_master_secret(ctx.other_secret(master_arn).value, arn=master_arn)
    if isinstance(parsed, MasterLogin):
        from rotator.strategies.postgres import rds  # noqa: PLC0415  engine-neutral RDS lookup

        db = rds.database_of(ctx.store.tags(master_arn), secret_arn=master_arn)
        if db is None:
            raise MySqlSecretInvalidError(
                f'the master secret {master_arn} has no "host" and no {rds.INSTANCE_TAG} or '
                f"{rds.CLUSTER_TAG} tag, so nothing says which database it is for",
                remedy='Add "host" (and "port", "engine") to the master secret, or set '
                '"masterarn" to the secret RDS manages for the database',
            )
        if not db.accepts(current.host) or db.port != current.port:
            raise PendingCredentialsMismatchError(
                f"the master secret {master_arn} belongs to RDS {db.kind} {db.arn} "
                f"({', '.join(db.accepted_hosts)}, port {db.port}); this secret is for "
                f"{current.host}:{current.port}: the master credentials are only sent to their "
                "own database",
                remedy='Set "masterarn" to the administrator secret of this secret\'s database',
            )
        ctx.log.info("database_master_from_rds", rds_arn=db.arn, host=db.writer_host)
        master = MySqlSecret(
            engine=current.engine,
            host=db.writer_host,
            port=db.port,
            username=parsed.username,
            password=parsed.password,
            dbname=None,
            tls=current.tls,
            masterarn=None,
            raw={},
        )
    else:
        master = parsed
        rules.check_master_target(
            master_arn=master_arn,
            master_host=master.host,
            master_port=master.port,
            host=current.host,
            port=current.port,
        )
    # Never less TLS than the rotated secret asks for.
    tls = max(master.tls, current.tls, key=_STRICTNESS.__getitem__)
    return dataclasses.replace(master, tls=tls, dbname=None)


def _check_target(
    pending: MySqlSecret, other: MySqlSecret, *, expected_user: str, against: str
) -> None:
    if pending.username != expected_user:
        raise PendingCredentialsMismatchError(
            f"AWSPENDING is for user {pending.username!r} but, going by {against}, this rotation "
            f"may only change user {expected_user!r}"
        )
    if not rules.same_host(pending.host, other.host) or pending.port != other.port:
        raise PendingCredentialsMismatchError(
            f"AWSPENDING is for {pending.host}:{pending.port} but {against} is for "
            f"{other.host}:{other.port}"
        )


def _pending_already_works(ctx: StepContext, pending: MySqlSecret) -> bool:
    try:
        session = database.login(pending, credentials="AWSPENDING", log=ctx.log)
    except DatabaseAuthenticationError:
        return False
    session.close()
    ctx.log.info("database_password_already_set", user=pending.username, host=pending.host)
    return True


def _previous(ctx: StepContext, current: MySqlSecret) -> MySqlSecret | None:
    version = ctx.previous()
    if version is None:
        ctx.log.info("database_no_previous_version")
        return None
    try:
        previous = parse_secret(version.value, label="AWSPREVIOUS")
    except MySqlSecretInvalidError as exc:
        ctx.log.warning("database_previous_unusable", reason=exc.problem)
        return None
    return dataclasses.replace(previous, tls=current.tls)


def _test_pending(ctx: StepContext, *, needs_masterarn: bool) -> None:
    pending = parse_secret(ctx.pending().value, label="AWSPENDING", needs_masterarn=needs_masterarn)
    with database.session(pending, credentials="AWSPENDING", log=ctx.log) as session:
        database.check_login_works(session)
    ctx.log.info("database_pending_login_ok", user=pending.username, host=pending.host)
