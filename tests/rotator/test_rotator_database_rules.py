"""rotator/strategies/database: the engine-neutral rules, without a database."""

from __future__ import annotations

import pytest

from rotator.config import Config
from rotator.errors import ConfigurationError
from rotator.strategies import database as rules

MASTER = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/master-AbCdEf"


def test_master_secret_arns_are_read_once_into_the_config() -> None:
    config = Config.from_env({"MASTER_SECRET_ARNS": f" {MASTER} ,{MASTER}, "})

    assert config.master_secret_arns == (MASTER,)


def test_a_malformed_master_secret_arn_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="MASTER_SECRET_ARNS"):
        Config.from_env({"MASTER_SECRET_ARNS": "orders/master"})


@pytest.mark.parametrize(
    ("allowed", "masterarn"),
    [
        ((MASTER,), MASTER),
        ((MASTER[:-6] + "??????",), MASTER),
    ],
)
def test_a_listed_master_is_allowed(allowed: tuple[str, ...], masterarn: str) -> None:
    rules.check_master_allowed(masterarn, allowed)


@pytest.mark.parametrize(
    "masterarn",
    [
        MASTER[:-6] + "XyZxYz",
        MASTER + "-extra",
        MASTER.replace("orders/master", "orders/master2"),
    ],
)
def test_anything_else_is_refused(masterarn: str) -> None:
    with pytest.raises(rules.MasterNotAllowedError, match="master_secret_arns"):
        rules.check_master_allowed(masterarn, (MASTER,))


def test_the_six_character_wildcard_matches_six_characters_only() -> None:
    with pytest.raises(rules.MasterNotAllowedError):
        rules.check_master_allowed(MASTER + "x", (MASTER[:-6] + "??????",))


def test_same_endpoint_compares_host_case_insensitively_and_port_exactly() -> None:
    rules.check_same_endpoint("DB.example.com.", 5432, "db.example.com", 5432, master_arn=MASTER)
    with pytest.raises(rules.EndpointMismatchError, match="host and port"):
        rules.check_same_endpoint("db.example.com", 5432, "db.example.com", 5433, master_arn=MASTER)


@pytest.mark.parametrize(
    ("master", "rotated", "expected"),
    [
        ("try", "try", "verify"),
        ("plaintext", "try", "verify"),
        ("plaintext", "verify", "verify"),
        ("unverified", "plaintext", "unverified"),
        ("plaintext", "plaintext", "plaintext"),
    ],
)
def test_a_master_login_never_falls_back(master: str, rotated: str, expected: str) -> None:
    assert rules.master_tls_mode(master, rotated) == expected  # type: ignore[arg-type]


def test_a_bad_tls_default_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_TLS_DEFAULT"):
        rules.default_tls_mode({"DATABASE_TLS_DEFAULT": "sometimes"})
