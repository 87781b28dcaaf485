"""Bad input fails with an error naming the key and the fix, and nothing changes: the secret keeps
AWSCURRENT, the server keeps its accounts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import trustme
from mariadbserver import DbUser, MariaDb
from rotator_harness import Service

from rotator.errors import RotationError
from rotator.strategies.database import EndpointMismatchError, MasterUserTargetedError
from rotator.strategies.mysql.errors import (
    DatabaseTlsError,
    MasterNotAllowedError,
    MySqlSecretInvalidError,
    UnsupportedAuthPluginError,
    UsernameTooLongError,
)

pytestmark = pytest.mark.mariadb


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def _refused(
    service: Service, arn: str, error: type[RotationError], *fragments: str
) -> RotationError:
    original = _json(service, arn)
    with pytest.raises(error) as raised:
        service.rotate(arn)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    assert _json(service, arn) == original
    return raised.value


@pytest.mark.parametrize(
    ("missing", "strategy"),
    [
        ("host", "mysql-single-user"),
        ("username", "mysql-single-user"),
        ("host", "mysql-multi-user"),
        ("masterarn", "mysql-multi-user"),
    ],
)
def test_a_missing_key_is_named_before_anything_is_written(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    use_strategy: Callable[[str], None],
    missing: str,
    strategy: str,
) -> None:
    use_strategy(strategy)
    value = make_user().secret(mariadb, masterarn=master_arn)
    del value[missing]
    arn = service.create(f"missing-{missing}-{strategy}", json.dumps(value))

    error = _refused(service, arn, MySqlSecretInvalidError, f'"{missing}" must be', "absent")

    assert "Store a JSON object with" in str(error)


def test_an_engine_that_is_not_the_servers_is_refused_and_nothing_changes(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-multi-user")
    user = make_user()
    arn = service.create(
        "engine-mysql", json.dumps(user.secret(mariadb, engine="mysql", masterarn=master_arn))
    )

    _refused(service, arn, MySqlSecretInvalidError, "\"engine\" is 'mysql'", "MariaDB 10.11")

    assert mariadb.hosts(f"{user.name}_clone") == []


def test_an_account_on_a_plugin_it_cannot_hash_is_refused_naming_it(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-multi-user")
    user = make_user()
    mariadb.ed25519()
    mariadb.sql("ALTER USER %s@'%%' IDENTIFIED VIA ed25519 USING PASSWORD('x')", user.name)
    # The secret's user logs in: the plugin of its other host is the one it cannot hash.
    mariadb.sql(
        "ALTER USER %s@'%%' IDENTIFIED VIA mysql_native_password USING PASSWORD(%s)",
        user.name,
        user.password,
    )
    mariadb.create_user(user.name, user.password, "10.%")
    mariadb.sql("ALTER USER %s@'10.%%' IDENTIFIED VIA ed25519 USING PASSWORD('x')", user.name)
    arn = service.create("plugin", json.dumps(user.secret(mariadb, masterarn=master_arn)))

    _refused(
        service,
        arn,
        UnsupportedAuthPluginError,
        f"'{user.name}'@'10.%'",
        "'ed25519'",
        "nothing was changed",
    )

    assert mariadb.hosts(f"{user.name}_clone") == []


@pytest.mark.parametrize(("engine", "limit"), [("mariadb", 128), ("mysql", 32)])
def test_a_clone_name_over_the_engines_limit_is_refused_naming_the_limit(
    *,
    mariadb: MariaDb,
    service: Service,
    master_arn: str,
    use_strategy: Callable[[str], None],
    engine: str,
    limit: int,
) -> None:
    use_strategy("mysql-multi-user")
    name = "u" * (limit - len("_clone") + 1)
    user = DbUser(name, "pw-long-user")
    arn = service.create(
        f"long-{engine}", json.dumps(user.secret(mariadb, engine=engine, masterarn=master_arn))
    )

    _refused(service, arn, UsernameTooLongError, f"limit of {limit} characters", engine)


def test_a_master_the_function_was_not_given_is_refused(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    admin: DbUser,
    use_strategy: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_strategy("mysql-multi-user")
    other_master = service.create("other-master", json.dumps(admin.secret(mariadb)))
    monkeypatch.setenv(
        "MASTER_SECRET_ARNS", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-??????"
    )
    user = make_user()
    arn = service.create("not-my-master", json.dumps(user.secret(mariadb, masterarn=other_master)))

    _refused(service, arn, MasterNotAllowedError, other_master, "MASTER_SECRET_ARNS")

    assert mariadb.hosts(f"{user.name}_clone") == []


def test_a_master_for_another_port_is_refused(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    admin: DbUser,
    use_strategy: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_strategy("mysql-multi-user")
    elsewhere = service.create("master-elsewhere", json.dumps(admin.secret(mariadb, port=1)))
    monkeypatch.setenv("MASTER_SECRET_ARNS", elsewhere)
    user = make_user()
    arn = service.create("master-port", json.dumps(user.secret(mariadb, masterarn=elsewhere)))

    _refused(service, arn, EndpointMismatchError, f"{mariadb.host}:1", "own host and port")


def test_the_masters_own_user_is_never_the_pending_user(
    mariadb: MariaDb,
    service: Service,
    admin: DbUser,
    master_arn: str,
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-multi-user")
    clone_of_admin = DbUser(f"{admin.name}_clone", "pw-clone-of-admin")
    mariadb.create_user(clone_of_admin.name, clone_of_admin.password, "127.0.0.1")
    arn = service.create(
        "pending-master", json.dumps(clone_of_admin.secret(mariadb, masterarn=master_arn))
    )

    _refused(service, arn, MasterUserTargetedError, f"pending user {admin.name!r}")

    assert mariadb.can_login(admin.name, admin.password)


@pytest.mark.parametrize("ssl", [True, None])
def test_tls_is_verified_by_default_and_a_wrong_ca_fails(
    *,
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    use_strategy: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    ssl: bool | None,
) -> None:
    use_strategy("mysql-single-user")
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("PG_CA_BUNDLE", str(other))
    user = make_user()
    arn = service.create(f"tls-{ssl}", json.dumps(user.secret(mariadb, ssl=ssl)))

    _refused(service, arn, DatabaseTlsError, "certificate verification failed")

    assert mariadb.can_login(user.name, user.password)


def test_plaintext_only_when_written_down(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-single-user")
    user = make_user()
    arn = service.create("plain", json.dumps(user.secret(mariadb, ssl=False)))

    service.rotate(arn)

    assert mariadb.can_login(user.name, _json(service, arn)["password"])


def test_an_unknown_ssl_value_is_refused(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-single-user")
    arn = service.create("ssl-typo", json.dumps(make_user().secret(mariadb, ssl="ture")))

    _refused(service, arn, MySqlSecretInvalidError, '"ssl" must be true, "require" or false')


def test_the_master_never_logs_in_with_less_tls_than_the_rotated_secret_asks_for(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    use_strategy: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_strategy("mysql-multi-user")
    # A master that may log in over TLS only, whose secret says "no TLS".
    master = make_user(host="127.0.0.1", extra="REQUIRE SSL")
    mariadb.sql("GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1' WITH GRANT OPTION", master.name)
    master_arn = service.create("tls-master", json.dumps(master.secret(mariadb, ssl=False)))
    monkeypatch.setenv("MASTER_SECRET_ARNS", master_arn)
    user = make_user()
    arn = service.create("tls-strict", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    assert not mariadb.can_login(master.name, master.password), "control: plain TCP is refused"

    service.rotate(arn)

    assert _json(service, arn)["username"] == f"{user.name}_clone"
