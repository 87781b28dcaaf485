"""Configuration: AWS's template variables and defaults, ours on top, bad values named."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from rotator_harness import CallLog, Service

from rotator.config import Config
from rotator.errors import ConfigurationError
from rotator.passwords import PasswordPolicy, generate_password

BOOLEANS = (
    "EXCLUDE_NUMBERS",
    "EXCLUDE_PUNCTUATION",
    "EXCLUDE_UPPERCASE",
    "EXCLUDE_LOWERCASE",
    "INCLUDE_SPACE",
    "REQUIRE_EACH_INCLUDED_TYPE",
)


def test_defaults_are_those_of_aws_templates_plus_ours() -> None:
    config = Config.from_env({})

    assert config.password_policy == PasswordPolicy(
        length=32,
        exclude_characters="/@\"'\\",
        exclude_numbers=False,
        exclude_punctuation=False,
        exclude_uppercase=False,
        exclude_lowercase=False,
        include_space=False,
        require_each_included_type=True,
    )
    assert config.rotate_keys == ("password",)
    assert config.strategy == "generic"
    assert config.log_level == logging.INFO


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("y", True)],
        *[("false", False), ("0", False), ("No", False), ("n", False)],
    ],
)
def test_booleans_read_true_1_yes_y_case_insensitively(name: str, raw: str, expected: bool) -> None:
    env = {name: raw}
    if name == "INCLUDE_SPACE" and expected:
        env["PASSWORD_LENGTH"] = "8"
    policy = Config.from_env(env).password_policy

    assert getattr(policy, name.lower()) is expected


def test_rotate_keys_is_a_comma_separated_list() -> None:
    assert Config.from_env({"ROTATE_KEYS": " password , api_key,,password"}).rotate_keys == (
        "password",
        "api_key",
    )


def test_empty_exclude_characters_excludes_nothing() -> None:
    assert Config.from_env({"EXCLUDE_CHARACTERS": ""}).password_policy.exclude_characters == ""


@pytest.mark.parametrize("strategy", ["postgres-single-user", "postgres-multi-user"])
def test_postgres_strategies_also_exclude_the_colon_by_default(strategy: str) -> None:
    # AWS's PostgreSQL templates exclude :/@"'\ (REFERENCE.md): ":" breaks .pgpass and URIs.
    env = {"ROTATION_STRATEGY": strategy, "PASSWORD_LENGTH": "4096"}
    policy = Config.from_env(env).password_policy
    assert sorted(policy.exclude_characters) == sorted(":/@\"'\\")
    assert ":" not in generate_password(policy), "4096 characters would hold a ':' if allowed"


@pytest.mark.parametrize("strategy", ["generic", "iam-access-key"])
def test_other_strategies_keep_the_generic_default(strategy: str) -> None:
    policy = Config.from_env({"ROTATION_STRATEGY": strategy}).password_policy
    assert sorted(policy.exclude_characters) == sorted("/@\"'\\")


@pytest.mark.parametrize("value", ["", "/"])
def test_a_set_exclude_characters_wins_over_the_postgres_default(value: str) -> None:
    env = {"ROTATION_STRATEGY": "postgres-multi-user", "EXCLUDE_CHARACTERS": value}
    assert Config.from_env(env).password_policy.exclude_characters == value


@pytest.mark.parametrize(
    ("env", "variable", "accepted"),
    [({name: "maybe"}, name, "true/1/yes/y") for name in BOOLEANS]
    + [
        ({"PASSWORD_LENGTH": "long"}, "PASSWORD_LENGTH", "4 to 4096"),
        ({"PASSWORD_LENGTH": "3"}, "PASSWORD_LENGTH", "4 to 4096"),
        ({"PASSWORD_LENGTH": "4097"}, "PASSWORD_LENGTH", "4 to 4096"),
        ({"ROTATE_KEYS": " , "}, "ROTATE_KEYS", "comma-separated"),
        ({"ROTATION_STRATEGY": "mysql"}, "ROTATION_STRATEGY", "generic"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG, INFO, WARNING"),
    ],
)
def test_bad_value_names_the_variable_and_what_it_accepts(
    env: dict[str, str], variable: str, accepted: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env(env)

    assert variable in str(raised.value)
    assert accepted in str(raised.value)


@pytest.mark.parametrize(
    ("env", "mentions"),
    [
        (
            {
                "EXCLUDE_NUMBERS": "true",
                "EXCLUDE_PUNCTUATION": "true",
                "EXCLUDE_UPPERCASE": "true",
                "EXCLUDE_LOWERCASE": "true",
            },
            "excludes every character class",
        ),
        (
            {
                "EXCLUDE_NUMBERS": "true",
                "EXCLUDE_PUNCTUATION": "true",
                "EXCLUDE_UPPERCASE": "true",
                "EXCLUDE_LOWERCASE": "true",
                "INCLUDE_SPACE": "true",
            },
            "excludes every character class",
        ),
        ({"PASSWORD_LENGTH": "4", "INCLUDE_SPACE": "true"}, "5 included classes"),
        ({"EXCLUDE_CHARACTERS": "0123456789"}, "EXCLUDE_NUMBERS=true"),
    ],
    ids=["all-excluded", "only-space", "length-below-classes", "class-emptied"],
)
def test_impossible_password_policy_is_a_configuration_error(
    env: dict[str, str], mentions: str
) -> None:
    with pytest.raises(ConfigurationError, match=mentions):
        Config.from_env(env)


def test_length_below_classes_is_fine_without_require_each() -> None:
    env = {"PASSWORD_LENGTH": "4", "INCLUDE_SPACE": "true", "REQUIRE_EACH_INCLUDED_TYPE": "false"}

    assert Config.from_env(env).password_policy.length == 4


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PASSWORD_LENGTH", "0"), ("EXCLUDE_NUMBERS", "perhaps"), ("ROTATION_STRATEGY", "nope")],
)
def test_handler_fails_on_bad_config_before_any_call(
    service: Service,
    calls: CallLog,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    arn = service.create("s", json.dumps({"password": "p"}))
    token = service.stage(arn)
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as raised:
        service.run("createSecret", arn, token)

    assert variable in str(raised.value)
    assert "createSecret" in str(raised.value)
    assert calls.calls == []


def test_unknown_strategy_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigurationError, match="one of generic"):
        Config.from_env({"ROTATION_STRATEGY": "oracle"})


def test_selecting_generic_loads_no_other_strategy(monkeypatch: pytest.MonkeyPatch) -> None:
    from rotator import strategies  # noqa: PLC0415

    registry: dict[str, Any] = {**strategies.REGISTRY, "fake": "no_such_driver_module:Fake"}
    monkeypatch.setattr(strategies, "REGISTRY", registry)
    monkeypatch.setattr(strategies, "_loaded", {})

    assert strategies.load("generic").name == "generic"
    with pytest.raises(ModuleNotFoundError, match="no_such_driver_module"):
        strategies.load("fake")


DEPLOYER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/deployer-AbCdEf"


def test_iam_user_bindings_are_read_from_json_and_default_to_none() -> None:
    assert dict(Config.from_env({}).iam_user_bindings) == {}
    raw = json.dumps({DEPLOYER_SECRET: "ci-deployer"})
    config = Config.from_env({"IAM_USER_BINDINGS": raw})
    assert dict(config.iam_user_bindings) == {DEPLOYER_SECRET: "ci-deployer"}
    assert dict(Config.from_env({"IAM_USER_BINDINGS": "{}"}).iam_user_bindings) == {}


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '["ci-deployer"]',
        json.dumps({"ci/deployer": "ci-deployer"}),  # a name, not an ARN
        json.dumps({DEPLOYER_SECRET + "-??????": "ci-deployer"}),  # a wildcard
        json.dumps({DEPLOYER_SECRET: "arn:aws:iam::123456789012:user/ci-deployer"}),
        json.dumps({DEPLOYER_SECRET: 7}),
    ],
)
def test_bad_iam_user_bindings_name_the_variable_and_what_it_accepts(raw: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({"IAM_USER_BINDINGS": raw})
    assert "environment variable IAM_USER_BINDINGS is" in str(raised.value)
    assert "a JSON object of secret ARN to IAM user name" in str(raised.value)


def test_iam_user_bindings_refuse_one_user_for_two_secrets() -> None:
    raw = json.dumps({DEPLOYER_SECRET: "ci-deployer", DEPLOYER_SECRET + "x": "ci-deployer"})
    with pytest.raises(ConfigurationError, match="binds IAM user 'ci-deployer' to more than one"):
        Config.from_env({"IAM_USER_BINDINGS": raw})
