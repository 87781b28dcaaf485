"""Objects created while logged in as <user>_clone (postgres-multi-user), on a real PostgreSQL 15.

By default the clone owns what it creates and the original user cannot read it (aws-samples
rotation lambdas #56, #175). With PG_CLONE_SET_ROLE=true the clone's sessions act as the original
role (ALTER ROLE <clone> SET role = <user>), so what they create belongs to the original user.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pg8000.native
import pytest
from pgserver import DbUser, PgServer
from rotator_harness import Service

from rotator.errors import ConfigurationError

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _multi_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("postgres-multi-user")


@pytest.fixture
def master_arn(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    allow_master: Callable[[str], str],
) -> str:
    """An administrator as on RDS: CREATEROLE, not a superuser."""
    master = make_user(attributes="LOGIN CREATEROLE")
    return allow_master(service.create("master", json.dumps(master.secret(pg))))


@pytest.fixture
def user(pg: PgServer, make_user: Callable[..., DbUser]) -> DbUser:
    """An application user owning a schema of its own name, where it creates its tables."""
    created = make_user()
    ident = pg8000.native.identifier(created.name)
    pg.sql(f"CREATE SCHEMA {ident} AUTHORIZATION {ident}")
    return created


def _current(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def _as(pg: PgServer, login: dict[str, Any], *statements: str) -> list[list[Any]]:
    """Runs the statements in one session of ``login``, in the schema named after the original
    user (search_path only: it changes neither the user nor who owns what is created)."""
    conn = pg.connect(login["username"], login["password"])
    try:
        original = login["username"].removesuffix("_clone")
        conn.run(f"SET search_path TO {pg8000.native.identifier(original)}")
        rows: list[list[Any]] = []
        for statement in statements:
            rows = conn.run(statement) or []
        return rows
    finally:
        conn.close()


def _clone_creates_a_table(pg: PgServer, clone: dict[str, Any]) -> list[list[Any]]:
    return _as(
        pg,
        clone,
        "CREATE TABLE things (id int)",
        "INSERT INTO things VALUES (7)",
        "SELECT session_user, current_user, tableowner FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'things'",
    )


def test_with_pg_clone_set_role_the_original_user_owns_what_the_clone_creates(
    *,
    pg: PgServer,
    service: Service,
    user: DbUser,
    master_arn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PG_CLONE_SET_ROLE", "true")
    original = user.secret(pg, masterarn=master_arn)
    arn = service.create("clone-acts-as-user", json.dumps(original))

    service.rotate(arn)

    clone = _current(service, arn)
    assert clone["username"] == f"{user.name}_clone"
    assert _clone_creates_a_table(pg, clone) == [[clone["username"], user.name, user.name]], (
        "logged in as the clone, acting as and creating for the original user"
    )
    assert _as(pg, original, "SELECT id FROM things") == [[7]]
    _as(pg, original, "DROP TABLE things")
    assert not pg.sql("SELECT 1 FROM pg_tables WHERE schemaname = :s", s=user.name)


def test_by_default_the_clone_owns_what_it_creates_and_the_original_cannot_read_it(
    *, pg: PgServer, service: Service, user: DbUser, master_arn: str
) -> None:
    original = user.secret(pg, masterarn=master_arn)
    arn = service.create("clone-default", json.dumps(original))

    service.rotate(arn)

    clone = _current(service, arn)
    assert _clone_creates_a_table(pg, clone) == [
        [clone["username"], clone["username"], clone["username"]]
    ]
    with pytest.raises(pg8000.native.DatabaseError, match="permission denied for table things"):
        _as(pg, original, "SELECT id FROM things")
    # What the README says to do about it: the clone hands the table over (REASSIGN OWNED needs
    # the privileges of both roles, which the clone has).
    _as(pg, clone, f"REASSIGN OWNED BY {clone['username']} TO {user.name}")
    assert _as(pg, original, "SELECT id FROM things") == [[7]]
    _as(pg, original, "DROP TABLE things")


def test_turning_it_on_later_reaches_the_existing_clone_at_its_next_password_change(
    *,
    pg: PgServer,
    service: Service,
    user: DbUser,
    master_arn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arn = service.create("clone-later", json.dumps(user.secret(pg, masterarn=master_arn)))
    service.rotate(arn)  # creates the clone, without the setting
    service.rotate(arn)  # back to the original user
    monkeypatch.setenv("PG_CLONE_SET_ROLE", "yes")

    service.rotate(arn)  # the existing clone gets a new password, and the setting

    clone = _current(service, arn)
    assert clone["username"] == f"{user.name}_clone"
    assert _as(pg, clone, "SELECT session_user, current_user") == [[clone["username"], user.name]]
    original = _current(service, arn, "AWSPREVIOUS")
    assert _as(pg, original, "SELECT session_user, current_user") == [[user.name, user.name]], (
        "the original user keeps its own identity"
    )


def test_a_bad_pg_clone_set_role_fails_set_secret_naming_the_variable(
    *,
    pg: PgServer,
    service: Service,
    user: DbUser,
    master_arn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PG_CLONE_SET_ROLE", "sometimes")
    arn = service.create("clone-bad-setting", json.dumps(user.secret(pg, masterarn=master_arn)))

    with pytest.raises(ConfigurationError, match="PG_CLONE_SET_ROLE"):
        service.rotate(arn)

    assert not pg.role_exists(f"{user.name}_clone")
