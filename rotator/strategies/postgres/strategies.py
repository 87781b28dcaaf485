"""``postgres-single-user`` and ``postgres-multi-user``: AWS's PostgreSQL rotation templates
(aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRDSPostgreSQLRotationSingleUser
and ...MultiUser) behind the rotator's Strategy interface.

Single user: the user changes its own password. setSecret is done if the pending credentials
already log in; otherwise it logs in with AWSCURRENT, or AWSPREVIOUS when the current password no
longer works (e.g. the database was restored from a snapshot), and runs ALTER ROLE. Between
setSecret and finishSecret, clients holding AWSCURRENT fail to log in: use multi-user rotation
where that matters.

Multi user (alternating users): each rotation changes the password of the *other* user, ``name``
or ``name_clone``, logged in as the administrator whose credentials are AWSCURRENT of the secret
named by "masterarn" (never modified). The first rotation creates the clone with LOGIN and
grants it the original user's role. The user in AWSPREVIOUS keeps working until the next rotation.

Before anything changes in the database, setSecret checks that AWSPENDING names the user it may
change, on the same host; the multi-user strategy also logs in with AWSCURRENT first and sends the
master credentials only to the host the master secret itself names (AWS's guards against a
confused deputy: someone who can write this secret but not the master secret).
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, ClassVar

from rotator.config import boolean_from_env
from rotator.strategies import database as rules
from rotator.strategies.base import Strategy
from rotator.strategies.postgres import database, rds
from rotator.strategies.postgres.errors import (
    DatabaseAuthenticationError,
    DatabaseSecretInvalidError,
    PendingCredentialsMismatchError,
)
from rotator.strategies.postgres.secret import (
    CLONE_SUFFIX,
    DbSecret,
    MasterLogin,
    alternate_username,
    parse_master_secret,
    parse_secret,
)

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion

CLONE_SET_ROLE_VARIABLE = "PG_CLONE_SET_ROLE"


class PostgresSingleUserStrategy(Strategy):
    name: ClassVar[str] = "postgres-single-user"
    needs_masterarn: ClassVar[bool] = False

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
            session = database.login(
                current, credentials="AWSCURRENT", log=ctx.log, secret_arn=ctx.secret_arn
            )
        except DatabaseAuthenticationError as current_failed:
            previous = _previous(ctx, current)
            if previous is None:
                raise
            _check_target(pending, previous, expected_user=previous.username, against="AWSPREVIOUS")
            try:
                session = database.login(
                    previous, credentials="AWSPREVIOUS", log=ctx.log, secret_arn=ctx.secret_arn
                )
            except DatabaseAuthenticationError as previous_failed:
                raise DatabaseAuthenticationError(
                    f"{current_failed.problem}; {previous_failed.problem}"
                ) from None
        try:
            database.set_password(session, pending.username, pending.password)
        finally:
            session.close()
        ctx.log.info("database_password_set", user=pending.username, host=pending.host)

    def test_secret(self, ctx: StepContext) -> None:
        _test_pending(ctx, needs_masterarn=self.needs_masterarn)


class PostgresMultiUserStrategy(Strategy):
    name: ClassVar[str] = "postgres-multi-user"
    needs_masterarn: ClassVar[bool] = True

    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        secret = parse_secret(current.value, label="AWSCURRENT", needs_masterarn=True)
        return secret.with_login(alternate_username(secret.username), ctx.new_password())

    def set_secret(self, ctx: StepContext) -> None:
        current = parse_secret(ctx.current().value, label="AWSCURRENT", needs_masterarn=True)
        pending = parse_secret(ctx.pending().value, label="AWSPENDING", needs_masterarn=True)
        _check_target(
            pending,
            current,
            expected_user=alternate_username(current.username),
            against="AWSCURRENT",
        )
        if pending.masterarn != current.masterarn:
            raise PendingCredentialsMismatchError(
                "AWSPENDING names a different masterarn than AWSCURRENT"
            )
        master_arn = str(current.masterarn)
        # Before any login: only a master secret the function was given (checked before it is
        # read), only to the host and port it names, and never to change its own user.
        rules.check_master_allowed(master_arn, ctx.config.master_secret_arns)
        master = _master(ctx, master_arn, current)
        rules.check_not_master_user(pending.username, master.username, master_arn=master_arn)
        if _pending_already_works(ctx, pending):
            return
        # AWSCURRENT must work before the master's credentials are used for it.
        with database.session(
            current, credentials="AWSCURRENT", log=ctx.log, secret_arn=ctx.secret_arn
        ):
            pass
        # Only the clone acts as the other role; the original keeps its own identity.
        act_as = clone_sets_role() and pending.username == current.username + CLONE_SUFFIX
        with database.session(
            master, credentials=f"master ({master_arn})", log=ctx.log, secret_arn=ctx.secret_arn
        ) as admin:
            if database.role_exists(admin, pending.username):
                if act_as:
                    # Before the password: once that works, a retried setSecret stops early.
                    # Also reaches a clone made before the setting was turned on.
                    database.act_as_role(admin, pending.username, current.username)
                database.set_password(admin, pending.username, pending.password)
                ctx.log.info("database_password_set", user=pending.username, host=pending.host)
            else:
                database.create_login_role(
                    admin,
                    pending.username,
                    pending.password,
                    member_of=current.username,
                    act_as=act_as,
                )
                ctx.log.info(
                    "database_role_created",
                    user=pending.username,
                    member_of=current.username,
                    acts_as_member_of=act_as,
                    host=pending.host,
                )

    def test_secret(self, ctx: StepContext) -> None:
        _test_pending(ctx, needs_masterarn=self.needs_masterarn)


def clone_sets_role() -> bool:
    """PG_CLONE_SET_ROLE: whether the clone's sessions act as the original user (default false).

    Without it, what the clone creates belongs to the clone, and the original user cannot use it
    unless granted (README, "Objects created by the clone").
    """
    return boolean_from_env(os.environ, CLONE_SET_ROLE_VARIABLE, default=False)


def _master(ctx: StepContext, master_arn: str, current: DbSecret) -> DbSecret:
    """The master's login, for the rotated secret's database, never for another host.

    A master secret with "host" must name this secret's host. An RDS-managed one (no "host") must
    belong to the RDS database this secret's host is an endpoint of: the DB instance's endpoint,
    or the DB cluster's writer or reader endpoint; the master then logs in to the writer.
    """
    parsed = parse_master_secret(ctx.other_secret(master_arn).value, arn=master_arn)
    remedy = 'Set "masterarn" to the administrator secret of this secret\'s database'
    if isinstance(parsed, MasterLogin):
        tags = ctx.store.tags(master_arn)
        db = rds.database_of(tags, secret_arn=master_arn)
        if db is None:
            raise DatabaseSecretInvalidError(
                f'the master secret {master_arn} has no "host" and no {rds.INSTANCE_TAG} or '
                f"{rds.CLUSTER_TAG} tag, so nothing says which database it is for",
                remedy='Add "host" (and "port", "engine") to the master secret, or set '
                '"masterarn" to the secret RDS manages for the database (manage_master_user_'
                "password)",
            )
        if not db.accepts(current.host) or current.port != db.port:
            raise rules.EndpointMismatchError(
                f"the master secret {master_arn} belongs to RDS {db.kind} {db.arn}, whose "
                f"endpoints are {', '.join(db.accepted_hosts)} on port {db.port}; this secret is "
                f"for {current.host}:{current.port}: the master credentials are only sent to "
                "their own database",
                remedy=f'{remedy}, or set "host" and "port" to the {db.kind}\'s endpoint',
            )
        ctx.log.info("database_master_from_rds", rds_arn=db.arn, host=db.writer_host)
        master = DbSecret(
            engine=db.engine or current.engine,
            host=db.writer_host,
            port=db.port,
            username=parsed.username,
            password=parsed.password,
            dbname=current.dbname,
            # An RDS-managed secret says nothing about TLS: RDS offers it, so verify.
            tls="verify",
            masterarn=None,
            raw={},
        )
    else:
        master = parsed
        rules.check_same_endpoint(
            master.host, master.port, current.host, current.port, master_arn=master_arn
        )
    # The master logs in to the rotated user's database, as in AWS's template, and never with
    # less TLS than this secret asks for: "ssl": true here must not become a plaintext master
    # login because the master secret says false or nothing (AWS's template follows only the
    # master secret's); and never with a fallback: "try" becomes "verify".
    return dataclasses.replace(
        master, dbname=current.dbname, tls=rules.master_tls_mode(master.tls, current.tls)
    )


def _check_target(pending: DbSecret, other: DbSecret, *, expected_user: str, against: str) -> None:
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


def _pending_already_works(ctx: StepContext, pending: DbSecret) -> bool:
    """setSecret is idempotent: if the pending password already logs in, it is set."""
    try:
        session = database.login(
            pending, credentials="AWSPENDING", log=ctx.log, secret_arn=ctx.secret_arn
        )
    except DatabaseAuthenticationError:
        return False
    session.close()
    ctx.log.info("database_password_already_set", user=pending.username, host=pending.host)
    return True


def _previous(ctx: StepContext, current: DbSecret) -> DbSecret | None:
    """AWSPREVIOUS, if there is one that reads as a PostgreSQL secret, with current's TLS mode.

    The first rotation of a secret has no AWSPREVIOUS. As in AWS's template, the previous
    credentials are used with the current TLS setting (it may have been tightened since).
    """
    version = ctx.previous()
    if version is None:
        ctx.log.info("database_no_previous_version")
        return None
    try:
        previous = parse_secret(version.value, label="AWSPREVIOUS")
    except DatabaseSecretInvalidError as exc:
        ctx.log.warning("database_previous_unusable", reason=exc.problem)
        return None
    return dataclasses.replace(previous, tls=current.tls)


def _test_pending(ctx: StepContext, *, needs_masterarn: bool) -> None:
    pending = parse_secret(ctx.pending().value, label="AWSPENDING", needs_masterarn=needs_masterarn)
    with database.session(
        pending, credentials="AWSPENDING", log=ctx.log, secret_arn=ctx.secret_arn
    ) as session:
        database.check_login_works(session)
    ctx.log.info("database_pending_login_ok", user=pending.username, host=pending.host)
