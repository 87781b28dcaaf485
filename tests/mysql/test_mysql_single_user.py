"""mysql-single-user on a real MariaDB 10.11, on the sandbox's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from mariadbserver import DbUser, MariaDb
from rotator_harness import Service

from rotator.strategies.mysql import hashing
from rotator.strategies.mysql.errors import UnsupportedAuthPluginError

pytestmark = pytest.mark.mariadb


@pytest.fixture(autouse=True)
def _single_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("mysql-single-user")


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def test_rotation_changes_the_password_and_keeps_other_keys(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    original = user.secret(mariadb, dbname="information_schema", extra_key="kept")
    arn = service.create("single", json.dumps(original))

    service.rotate(arn)

    rotated = _json(service, arn)
    assert rotated["password"] != user.password
    assert {k: v for k, v in rotated.items() if k != "password"} == {
        k: v for k, v in original.items() if k != "password"
    }
    assert mariadb.can_login(user.name, rotated["password"], tls=True)
    assert not mariadb.can_login(user.name, user.password)
    assert _json(service, arn, "AWSPREVIOUS") == original


def test_the_stored_hash_is_the_servers_own_password_function(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    arn = service.create("single-hash", json.dumps(user.secret(mariadb)))

    service.rotate(arn)

    password = _json(service, arn)["password"]
    stored = mariadb.sql("SELECT authentication_string FROM mysql.user WHERE User = %s", user.name)
    assert stored == [(mariadb.sql("SELECT PASSWORD(%s)", password)[0][0],)]
    assert stored[0][0] == hashing.native_password(password)


def test_no_generated_password_reaches_the_general_log_or_the_binary_log(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    arn = service.create("single-logs", json.dumps(user.secret(mariadb)))

    service.rotate(arn)
    service.rotate(arn)

    passwords = [_json(service, arn)["password"], _json(service, arn, "AWSPREVIOUS")["password"]]
    logged = mariadb.logged()
    # Controls: the logs hold the statements, the hash the function sent, the setup's password.
    assert b"SET PASSWORD = " in logged
    assert hashing.native_password(passwords[0]).encode() in logged
    assert user.password.encode() in logged
    for password in passwords:
        assert password.encode() not in logged


def test_set_secret_is_idempotent_and_a_retry_after_a_half_finished_set_works(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    arn = service.create("single-twice", json.dumps(user.secret(mariadb)))
    token = service.stage(arn)
    for step in ("createSecret", "setSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)

    assert mariadb.can_login(user.name, _json(service, arn)["password"])


def test_previous_credentials_are_tried_when_current_no_longer_logs_in(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    arn = service.create("single-previous", json.dumps(user.secret(mariadb)))
    service.rotate(arn)
    # AWSCURRENT's password stops working (a restore from a snapshot): only AWSPREVIOUS's does.
    mariadb.sql("SET PASSWORD FOR %s@'%%' = PASSWORD(%s)", user.name, user.password)

    service.rotate(arn)

    assert mariadb.can_login(user.name, _json(service, arn)["password"])


def test_an_account_on_a_plugin_it_cannot_hash_is_refused_and_nothing_changes(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    mariadb.ed25519()
    mariadb.sql(
        "ALTER USER %s@'%%' IDENTIFIED VIA ed25519 USING PASSWORD(%s)", user.name, user.password
    )
    before = mariadb.sql("SELECT authentication_string FROM mysql.user WHERE User = %s", user.name)
    original = user.secret(mariadb)
    arn = service.create("single-ed25519", json.dumps(original))

    with pytest.raises(
        UnsupportedAuthPluginError, match="authentication plugin needs a driver extension"
    ) as raised:
        service.rotate(arn)

    assert "nothing was changed" in str(raised.value)
    assert (
        mariadb.sql("SELECT authentication_string FROM mysql.user WHERE User = %s", user.name)
        == before
    )
    assert _json(service, arn) == original
