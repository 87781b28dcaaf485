"""The PostgreSQL secret's shape: checked in createSecret before anything is written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rotator.strategies.postgres.errors import DatabaseSecretInvalidError, UsernameTooLongError
from rotator.strategies.postgres.secret import alternate_username, parse_secret

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"
VALID = {
    "engine": "postgres",
    "host": "db.internal",
    "username": "app",
    "password": "s3cr3t-Value!",
}


def _parse(value: dict[str, Any], *, master: bool = False) -> Any:
    return parse_secret(json.dumps(value), label="AWSCURRENT", needs_masterarn=master)


def test_defaults_are_port_5432_dbname_postgres_and_try_tls() -> None:
    secret = _parse(VALID)

    assert (secret.port, secret.dbname, secret.tls) == (5432, "postgres", "try")


@pytest.mark.parametrize(
    ("ssl", "mode"),
    [
        (True, "verify"),
        ("true", "verify"),
        ("TRUE", "verify"),
        ("verify-full", "verify"),
        ("unverified", "unverified"),
        ("require", "unverified"),
        (False, "plaintext"),
        ("False", "plaintext"),
        ("plaintext", "plaintext"),
        ("try", "try"),
    ],
)
def test_ssl_key_reads_as_aws_defines_it(ssl: Any, mode: str) -> None:
    assert _parse({**VALID, "ssl": ssl}).tls == mode


def test_port_may_be_a_string_of_digits_as_aws_accepts() -> None:
    assert _parse({**VALID, "port": "6543"}).port == 6543


def test_aurora_postgresql_engine_is_accepted() -> None:
    assert _parse({**VALID, "engine": "aurora-postgresql"}).engine == "aurora-postgresql"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"engine": "mysql"}, '"engine" must be one of postgres, aurora-postgresql'),
        ({"engine": None}, '"engine" must be one of'),
        ({"host": ""}, '"host" must be a non-empty string'),
        ({"host": None}, '"host" must be a non-empty string'),
        ({"username": 42}, '"username" must be a non-empty string'),
        ({"password": None}, '"password" must be a non-empty string'),
        ({"port": 0}, '"port" must be a number from 1 to 65535'),
        ({"port": True}, '"port" must be a number'),
        ({"port": "5432x"}, '"port" must be a number'),
        ({"dbname": ""}, '"dbname" must be a non-empty string'),
        ({"ssl": "yes"}, '"ssl" must be true, false, "verify", "unverified" or "plaintext"'),
        ({"ssl": 1}, '"ssl" must be true, false'),
        ({"username": "u" * 64}, "longer than PostgreSQL's 63 bytes"),
    ],
)
def test_invalid_key_is_a_clear_error(change: dict[str, Any], expected: str) -> None:
    value = {k: v for k, v in {**VALID, **change}.items() if v is not None}

    with pytest.raises(DatabaseSecretInvalidError, match=expected) as raised:
        _parse(value)

    assert "AWSCURRENT is not a PostgreSQL secret" in str(raised.value)
    assert VALID["password"] not in str(raised.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(DatabaseSecretInvalidError) as raised:
        _parse({"password": "p"})

    message = str(raised.value)
    for key in ("engine", "host", "username"):
        assert f'"{key}"' in message


def test_not_json_is_an_error_that_does_not_echo_the_value() -> None:
    with pytest.raises(DatabaseSecretInvalidError, match="not a JSON object") as raised:
        parse_secret('{"password": "leak-me", oops}', label="AWSCURRENT")

    assert "leak-me" not in str(raised.value)


def test_json_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(DatabaseSecretInvalidError, match="not an object"):
        parse_secret('["a"]', label="AWSCURRENT")


def test_multi_user_needs_masterarn_as_a_secret_arn() -> None:
    with pytest.raises(DatabaseSecretInvalidError, match='"masterarn" must be the ARN'):
        _parse(VALID, master=True)
    with pytest.raises(DatabaseSecretInvalidError, match='"masterarn" must be the ARN'):
        _parse({**VALID, "masterarn": "my-master-secret"}, master=True)

    assert _parse({**VALID, "masterarn": ARN}, master=True).masterarn == ARN


def test_repr_leaves_the_password_out() -> None:
    secret = _parse(VALID)

    assert VALID["password"] not in repr(secret)
    assert "app" in repr(secret)


def test_with_login_keeps_every_other_key_and_its_order() -> None:
    value = {**VALID, "dbname": "orders", "ssl": True, "extra": {"a": [1, None]}, "port": "5432"}

    rebuilt = json.loads(_parse(value).with_login("app_clone", "new-pw"))

    assert list(rebuilt) == list(value)
    assert rebuilt == {**value, "username": "app_clone", "password": "new-pw"}


@pytest.mark.parametrize(
    ("name", "alternate"),
    [
        ("app", "app_clone"),
        ("app_clone", "app"),
        ("_clone", "_clone_clone"),
        ("x" * 57, "x" * 57 + "_clone"),
    ],
)
def test_username_alternates_with_the_clone_suffix(name: str, alternate: str) -> None:
    assert alternate_username(name) == alternate
    assert alternate_username(alternate) == name


def test_clone_name_over_63_bytes_is_an_error_not_a_truncation() -> None:
    with pytest.raises(UsernameTooLongError, match="63-byte limit"):
        alternate_username("x" * 58)


def test_clone_name_limit_counts_bytes_not_characters() -> None:
    name = "é" * 29  # 29 characters, 58 bytes in UTF-8

    with pytest.raises(UsernameTooLongError, match="58 bytes"):
        alternate_username(name)
