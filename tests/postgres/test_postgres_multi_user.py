"""postgres-multi-user (alternating users) on a real PostgreSQL 15, on the sandbox's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pg8000.native
import pytest
from pgserver import DbUser, PgServer
from rotator_harness import Service

from rotator.strategies.database import EndpointMismatchError
from rotator.strategies.postgres.errors import (
    DatabasePrivilegeError,
    DatabaseSecretInvalidError,
    PendingCredentialsMismatchError,
    UsernameTooLongError,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _multi_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("postgres-multi-user")


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


@pytest.fixture
def master(pg: PgServer, make_user: Callable[..., DbUser]) -> DbUser:
    """An administrator as on RDS: CREATEROLE, not a superuser."""
    return make_user(attributes="LOGIN CREATEROLE")


@pytest.fixture
def master_arn(
    pg: PgServer, service: Service, master: DbUser, allow_master: Callable[[str], str]
) -> str:
    return allow_master(service.create("master", json.dumps(master.secret(pg))))


@pytest.fixture
def table(pg: PgServer) -> str:
    """A table the rotated users get SELECT on; nobody else may read it."""
    if not pg.sql("SELECT 1 FROM pg_tables WHERE tablename = 'orders'"):
        pg.sql("CREATE TABLE orders (id int PRIMARY KEY, item text)")
        pg.sql("INSERT INTO orders VALUES (1, 'coffee')")
    return "orders"


def _reads(pg: PgServer, user: str, password: str, table: str) -> list[list[Any]]:
    assert table == "orders"
    conn = pg.connect(user, password)
    try:
        rows: list[list[Any]] = conn.run("SELECT id, item FROM orders")
        return rows
    finally:
        conn.close()


def test_first_rotation_creates_the_clone_with_the_same_privileges(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    table: str,
) -> None:
    user = make_user()
    pg.sql(f"GRANT SELECT ON {table} TO {user.name}")
    stranger = make_user()
    original = user.secret(pg, masterarn=master_arn)
    arn = service.create("multi", json.dumps(original))
    master_before = service.sm.describe_secret(SecretId=master_arn)["VersionIdsToStages"]
    master_value = service.value(master_arn)

    service.rotate(arn)

    rotated = _json(service, arn)
    assert rotated["username"] == f"{user.name}_clone"
    assert {k: v for k, v in rotated.items() if k not in {"username", "password"}} == {
        k: v for k, v in original.items() if k not in {"username", "password"}
    }
    assert _reads(pg, rotated["username"], rotated["password"], table) == [[1, "coffee"]]
    with pytest.raises(pg8000.native.DatabaseError, match="permission denied"):
        _reads(pg, stranger.name, stranger.password, table)  # control: a role without the grant
    assert pg.can_login(user.name, user.password), "the previous user still logs in"
    assert _json(service, arn, "AWSPREVIOUS") == original
    assert service.value(master_arn) == master_value, "the master secret is untouched"
    assert service.sm.describe_secret(SecretId=master_arn)["VersionIdsToStages"] == master_before


def test_username_alternates_over_three_rotations_and_previous_keeps_working(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    master_arn: str,
    table: str,
) -> None:
    user = make_user()
    pg.sql(f"GRANT SELECT ON {table} TO {user.name}")
    arn = service.create("alternating", json.dumps(user.secret(pg, masterarn=master_arn)))
    seen: list[dict[str, Any]] = [_json(service, arn)]

    for _ in range(3):
        service.rotate(arn)
        current, previous = _json(service, arn), _json(service, arn, "AWSPREVIOUS")
        assert previous == seen[-1]
        assert _reads(pg, current["username"], current["password"], table)
        assert pg.can_login(previous["username"], previous["password"]), "previous still works"
        seen.append(current)

    assert [s["username"] for s in seen] == [
        user.name,
        f"{user.name}_clone",
        user.name,
        f"{user.name}_clone",
    ]
    assert len({s["password"] for s in seen}) == 4
    assert not pg.can_login(user.name, user.password), "rotation 2 changed the original's password"
    assert pg.can_login(master.name, master.password)
    assert _json(service, master_arn) == master.secret(pg)


def test_set_secret_is_idempotent(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    arn = service.create("multi-twice", json.dumps(user.secret(pg, masterarn=master_arn)))
    token = service.stage(arn)
    for step in ("createSecret", "setSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)

    rotated = _json(service, arn)
    assert pg.can_login(rotated["username"], rotated["password"])


def test_master_without_createrole_is_a_privilege_error_and_keeps_current(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    allow_master: Callable[[str], str],
) -> None:
    weak = make_user()
    weak_arn = service.create("weak-master", json.dumps(weak.secret(pg)))
    allow_master(weak_arn)
    user = make_user()
    original = user.secret(pg, masterarn=weak_arn)
    arn = service.create("multi-weak", json.dumps(original))

    with pytest.raises(DatabasePrivilegeError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert f"user {weak.name!r} may not create role" in message
    assert "SQLSTATE 42501" in message
    assert "CREATEROLE" in message
    assert _json(service, arn) == original
    assert not pg.role_exists(f"{user.name}_clone"), "the transaction left nothing behind"


def test_master_for_another_host_is_refused_before_its_password_is_sent(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    allow_master: Callable[[str], str],
) -> None:
    elsewhere = service.create("master-elsewhere", json.dumps(master.secret(pg, host="localhost")))
    allow_master(elsewhere)
    user = make_user()
    arn = service.create("multi-elsewhere", json.dumps(user.secret(pg, masterarn=elsewhere)))

    with pytest.raises(EndpointMismatchError, match="only sent to their own host and port"):
        service.rotate(arn)


def test_pending_for_a_user_other_than_the_alternate_is_rejected(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    victim = make_user()
    arn = service.create("multi-forged", json.dumps(user.secret(pg, masterarn=master_arn)))
    token = service.stage(arn)
    forged = victim.secret(pg, masterarn=master_arn, password="forged-password-2")
    service.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(forged),
        VersionStages=["AWSPENDING"],
    )

    with pytest.raises(PendingCredentialsMismatchError, match=f"{user.name}_clone"):
        service.run("setSecret", arn, token)

    assert pg.can_login(victim.name, victim.password)


def test_missing_masterarn_fails_in_create_secret_before_anything_is_written(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    arn = service.create("multi-no-master", json.dumps(user.secret(pg)))
    token = service.stage(arn)

    with pytest.raises(DatabaseSecretInvalidError, match='"masterarn"'):
        service.run("createSecret", arn, token)

    with pytest.raises(service.sm.exceptions.ResourceNotFoundException):
        service.sm.get_secret_value(SecretId=arn, VersionId=token)


def test_username_too_long_for_the_clone_fails_in_create_secret(
    pg: PgServer, service: Service, master_arn: str
) -> None:
    secret = {
        "engine": "postgres",
        "host": pg.host,
        "port": pg.port,
        "username": "u" * 58,
        "password": "irrelevant-pw",
        "masterarn": master_arn,
    }
    arn = service.create("multi-long", json.dumps(secret))

    with pytest.raises(UsernameTooLongError, match="63-byte limit"):
        service.rotate(arn)


def test_master_login_is_never_less_strict_than_the_rotated_secrets_ssl(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
    allow_master: Callable[[str], str],
) -> None:
    """The master secret says "ssl": false; this secret says true: the master uses verify-full."""
    plain_master_arn = service.create("master-plain", json.dumps(master.secret(pg, ssl=False)))
    allow_master(plain_master_arn)
    user = make_user(tls_only=True)
    arn = service.create(
        "multi-tls", json.dumps(user.secret(pg, ssl=True, masterarn=plain_master_arn))
    )
    capsys.readouterr()
    log_start = pg.log_size()

    service.rotate(arn)

    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    master_logins = [
        e
        for e in events
        if e["message"] == "database_login" and e["credentials"].startswith("master")
    ]
    assert [(e["tls"], e["tls_fallback"]) for e in master_logins] == [("verify-full", False)]
    authorized = [
        line
        for line in pg.log_since(log_start).splitlines()
        if f"authorized: user={master.name} " in line
    ]
    assert authorized
    assert all("SSL enabled" in line for line in authorized)
