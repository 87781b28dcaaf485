"""mysql-multi-user (alternating users) on a real MariaDB 10.11, on the sandbox's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pymysql
import pytest
from mariadbserver import ADMIN, DbUser, MariaDb
from rotator_harness import Service

from rotator.strategies.mysql import hashing

pytestmark = pytest.mark.mariadb

ACCOUNT_COLUMNS = (
    "plugin, ssl_type, max_questions, max_updates, max_connections, max_user_connections, "
    "max_statement_time, default_role"
)


@pytest.fixture(autouse=True)
def _multi_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("mysql-multi-user")


@pytest.fixture(scope="module")
def schema(mariadb: MariaDb) -> str:
    mariadb.sql("CREATE DATABASE IF NOT EXISTS shop")
    mariadb.sql("CREATE TABLE IF NOT EXISTS shop.orders (id int PRIMARY KEY, item text, note text)")
    mariadb.sql("INSERT IGNORE INTO shop.orders VALUES (1, 'coffee', 'hot')")
    mariadb.sql("CREATE TABLE IF NOT EXISTS shop.audit (id int)")
    return "shop"


def _roles(mariadb: MariaDb, *names: str) -> None:
    """Roles the master may grant (WITH ADMIN OPTION), as for roles the RDS master created."""
    for name in names:
        mariadb.sql(f"CREATE ROLE IF NOT EXISTS {name}")
        mariadb.sql(f"GRANT {name} TO %s@'127.0.0.1' WITH ADMIN OPTION", ADMIN)


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def _as(grants: list[str], user: str, other: str) -> list[str]:
    """SHOW GRANTS of ``user`` as they would read for ``other`` (the account's own line aside)."""
    return sorted(
        line.replace(f"`{user}`@", f"`{other}`@")
        for line in grants
        if not line.startswith("GRANT USAGE ON *.*")
    )


def _account(mariadb: MariaDb, user: str, host: str) -> tuple[Any, ...]:
    rows = mariadb.sql(
        f"SELECT {ACCOUNT_COLUMNS} FROM mysql.user WHERE User = %s AND Host = %s",  # noqa: S608
        user,
        host,
    )
    assert len(rows) == 1, f"{user}@{host}: {rows}"
    return rows[0]


def _reads(mariadb: MariaDb, user: str, password: str) -> list[tuple[Any, ...]]:
    conn = mariadb.connect(user, password, tls=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT id, item FROM shop.orders")
            return list(cursor.fetchall())
    finally:
        conn.close()


def test_first_rotation_clones_every_host_plugin_require_limits_roles_and_grants(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    schema: str,
) -> None:
    user = make_user(extra="WITH MAX_QUERIES_PER_HOUR 1000 MAX_USER_CONNECTIONS 7")
    name = user.name
    mariadb.create_user(name, user.password, "10.%", "REQUIRE SSL WITH MAX_UPDATES_PER_HOUR 50")
    mariadb.sql(f"GRANT SELECT, INSERT ON {schema}.* TO %s@'%%' WITH GRANT OPTION", name)
    mariadb.sql(f"GRANT SELECT (item), UPDATE (item, note) ON {schema}.orders TO %s@'%%'", name)
    mariadb.sql(f"GRANT DELETE ON {schema}.audit TO %s@'10.%%'", name)
    _roles(mariadb, "reader", "auditor")
    mariadb.sql(f"GRANT SELECT ON {schema}.audit TO reader")
    mariadb.sql("GRANT reader TO %s@'%%'", name)
    mariadb.sql("GRANT auditor TO %s@'%%' WITH ADMIN OPTION", name)
    mariadb.sql("SET DEFAULT ROLE reader FOR %s@'%%'", name)
    original = user.secret(mariadb, masterarn=master_arn)
    arn = service.create("multi-clone", json.dumps(original))

    service.rotate(arn)

    rotated = _json(service, arn)
    clone = f"{name}_clone"
    assert rotated["username"] == clone
    assert mariadb.hosts(clone) == mariadb.hosts(name) == ["%", "10.%"]
    for host in ("%", "10.%"):
        assert _account(mariadb, clone, host) == _account(mariadb, name, host)
        assert sorted(
            line for line in mariadb.grants(clone, host) if not line.startswith("GRANT USAGE")
        ) == _as(mariadb.grants(name, host), name, clone)
    assert any("WITH GRANT OPTION" in line for line in mariadb.grants(clone))
    assert "GRANT `auditor` TO `" + clone + "`@`%` WITH ADMIN OPTION" in mariadb.grants(clone)
    assert _reads(mariadb, clone, rotated["password"]) == [(1, "coffee")]
    assert mariadb.can_login(name, user.password), "the previous user still logs in"
    assert _json(service, arn, "AWSPREVIOUS") == original


def test_the_clones_grants_are_made_equal_to_the_users_at_each_rotation(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    schema: str,
) -> None:
    user = make_user()
    name, clone = user.name, f"{user.name}_clone"
    mariadb.sql(f"GRANT SELECT, INSERT, UPDATE ON {schema}.* TO %s@'%%' WITH GRANT OPTION", name)
    mariadb.sql(f"GRANT SELECT (item, note) ON {schema}.orders TO %s@'%%'", name)
    _roles(mariadb, "reader")
    mariadb.sql("GRANT reader TO %s@'%%'", name)
    arn = service.create("multi-revoke", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    service.rotate(arn)  # creates the clone
    service.rotate(arn)  # back to the original user
    # The DBA takes privileges from the user, and gives one.
    mariadb.sql(f"REVOKE INSERT ON {schema}.* FROM %s@'%%'", name)
    mariadb.sql(f"REVOKE GRANT OPTION ON {schema}.* FROM %s@'%%'", name)
    mariadb.sql(f"REVOKE SELECT (note) ON {schema}.orders FROM %s@'%%'", name)  # noqa: S608
    mariadb.sql("REVOKE reader FROM %s@'%%'", name)
    mariadb.sql(f"GRANT DELETE ON {schema}.audit TO %s@'%%'", name)
    assert sorted(mariadb.grants(clone)) != _as(mariadb.grants(name), name, clone) + [
        line for line in mariadb.grants(clone) if line.startswith("GRANT USAGE")
    ], "control: they differ before"

    service.rotate(arn)  # the clone again

    assert sorted(
        line for line in mariadb.grants(clone) if not line.startswith("GRANT USAGE")
    ) == _as(mariadb.grants(name), name, clone)
    assert not any("INSERT" in line or "GRANT OPTION" in line for line in mariadb.grants(clone))


def test_username_alternates_and_previous_keeps_working_until_the_next_rotation(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    mariadb.create_user(user.name, user.password, "10.%")
    arn = service.create("multi-alt", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    seen = [_json(service, arn)]

    for _ in range(3):
        service.rotate(arn)
        current, previous = _json(service, arn), _json(service, arn, "AWSPREVIOUS")
        assert previous == seen[-1]
        assert mariadb.can_login(current["username"], current["password"])
        assert mariadb.can_login(previous["username"], previous["password"])
        seen.append(current)

    assert [s["username"] for s in seen] == [user.name, f"{user.name}_clone"] * 2
    assert not mariadb.can_login(user.name, user.password), "rotation 2 changed the original"
    # Every host of the user got the new password (rotation 2 changed the original user).
    stored = mariadb.sql(
        "SELECT DISTINCT authentication_string FROM mysql.user WHERE User = %s", user.name
    )
    assert stored == [(hashing.native_password(seen[2]["password"]),)]


def test_no_generated_password_reaches_the_general_log_or_the_binary_log(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    arn = service.create("multi-logs", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    service.rotate(arn)
    service.rotate(arn)

    passwords = [_json(service, arn)["password"], _json(service, arn, "AWSPREVIOUS")["password"]]
    logged = mariadb.logged()
    assert b"CREATE USER '" + f"{user.name}_clone".encode() in logged, "control: logs hold it"
    assert hashing.native_password(passwords[1]).encode() in logged
    for password in passwords:
        assert password.encode() not in logged


def test_set_secret_is_idempotent(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    arn = service.create("multi-twice", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    token = service.stage(arn)
    for step in ("createSecret", "setSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)

    rotated = _json(service, arn)
    assert mariadb.can_login(rotated["username"], rotated["password"])
    assert mariadb.hosts(rotated["username"]) == ["%"]


def test_the_master_is_unchanged(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    admin: DbUser,
) -> None:
    user = make_user()
    before = service.value(master_arn)
    arn = service.create("multi-master", json.dumps(user.secret(mariadb, masterarn=master_arn)))

    service.rotate(arn)

    assert service.value(master_arn) == before
    assert mariadb.can_login(admin.name, admin.password)
    with pytest.raises(pymysql.err.OperationalError):
        mariadb.connect(user.name + "_clone", "wrong")


def test_a_host_the_user_lost_is_dropped_from_the_clone(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser], master_arn: str
) -> None:
    user = make_user()
    mariadb.create_user(user.name, user.password, "10.%")
    arn = service.create("multi-hosts", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    service.rotate(arn)
    assert mariadb.hosts(f"{user.name}_clone") == ["%", "10.%"], "control: both cloned"
    service.rotate(arn)
    mariadb.sql("DROP USER %s@'10.%%'", user.name)

    service.rotate(arn)

    assert mariadb.hosts(f"{user.name}_clone") == ["%"]
    rotated = _json(service, arn)
    assert mariadb.can_login(rotated["username"], rotated["password"])
