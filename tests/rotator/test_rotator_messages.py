"""Whole error messages, as a person reads them: the rotator's messages are its interface.

Each says what is wrong and what to change (STYLE.md, "Errors"). These are the errors raised
before any AWS call, so they are checked on the functions that raise them.
"""

from __future__ import annotations

import logging

import pytest

from rotator.config import Config
from rotator.errors import ConfigurationError, InvalidEventError, UnsupportedSecretShapeError
from rotator.events import parse_event
from rotator.values import new_plain_password, parse

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
TOKEN = "11111111-2222-3333-4444-555555555555"


def _config_error(**env: str) -> str:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env(env)
    return str(raised.value)


def _event_error(event: object) -> str:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    return raised.value.problem


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PASSWORD_LENGTH": "3"},
            "PASSWORD_LENGTH is 3. Set PASSWORD_LENGTH to a whole number from 4 to 4096",
        ),
        (
            {"PASSWORD_LENGTH": "4097"},
            "PASSWORD_LENGTH is 4097. Set PASSWORD_LENGTH to a whole number from 4 to 4096",
        ),
        (
            {"EXCLUDE_CHARACTERS": "0123456789"},
            "EXCLUDE_CHARACTERS removes every character of the included class numbers. "
            "Set EXCLUDE_NUMBERS=true, or remove those characters from EXCLUDE_CHARACTERS",
        ),
        (
            {"INCLUDE_SPACE": "true", "EXCLUDE_CHARACTERS": " "},
            "EXCLUDE_CHARACTERS removes every character of the included class space. "
            "Set INCLUDE_SPACE=false, or remove those characters from EXCLUDE_CHARACTERS",
        ),
        (
            {
                "EXCLUDE_LOWERCASE": "true",
                "EXCLUDE_UPPERCASE": "true",
                "EXCLUDE_NUMBERS": "true",
                "EXCLUDE_PUNCTUATION": "true",
                "INCLUDE_SPACE": "true",
            },
            "the password policy excludes every character class. Set at least one of "
            "EXCLUDE_LOWERCASE, EXCLUDE_UPPERCASE, EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION to false",
        ),
        (
            {"PASSWORD_LENGTH": "4", "INCLUDE_SPACE": "true"},
            "PASSWORD_LENGTH is 4 but REQUIRE_EACH_INCLUDED_TYPE needs one character from each "
            "of 5 included classes. Set PASSWORD_LENGTH to at least 5, exclude a class, or set "
            "REQUIRE_EACH_INCLUDED_TYPE=false",
        ),
        (
            {"ROTATE_KEYS": " , ,"},
            "environment variable ROTATE_KEYS is ', ,'. Set ROTATE_KEYS to a comma-separated "
            "list of JSON keys, e.g. password,api_key",
        ),
        (
            {"EXCLUDE_PUNCTUATION": "maybe"},
            "environment variable EXCLUDE_PUNCTUATION is 'maybe'. Set EXCLUDE_PUNCTUATION to "
            "true/1/yes/y or false/0/no/n (any case)",
        ),
        (
            {"LOG_LEVEL": "verbose"},
            "environment variable LOG_LEVEL is 'verbose'. Set LOG_LEVEL to one of DEBUG, INFO, "
            "WARNING, ERROR, CRITICAL (any case)",
        ),
        (
            {"ROTATION_STRATEGY": "mysql"},
            "environment variable ROTATION_STRATEGY is 'mysql'. Set ROTATION_STRATEGY to one of "
            "generic, postgres-single-user, postgres-multi-user, mysql-single-user, "
            "mysql-multi-user, iam-access-key, custom",
        ),
    ],
)
def test_configuration_errors_read_in_full(env: dict[str, str], message: str) -> None:
    assert _config_error(**env) == f"rotation of secret (unknown): {message}"


def test_a_policy_that_only_yields_json_looking_values_says_what_to_allow() -> None:
    with pytest.raises(ConfigurationError) as raised:
        new_plain_password(lambda: "[1]")

    assert str(raised.value) == (
        "rotation of secret (unknown): the password policy only produces values that read as "
        "JSON, so a plain-string secret could not be rotated again. Allow more characters "
        "(EXCLUDE_CHARACTERS and the EXCLUDE_* variables)"
    )


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ([ARN], "the event is a list, not a JSON object"),
        ({"Step": "createSecret"}, "the event has no SecretId, ClientRequestToken"),
        (
            {"SecretId": ARN, "ClientRequestToken": " ", "Step": 1},
            "ClientRequestToken, Step must be a non-empty string",
        ),
        (
            {"SecretId": ARN, "ClientRequestToken": TOKEN, "Step": "x" * 41},
            f"Step is {'x' * 40 + '...'!r}, not one of createSecret, setSecret, testSecret, "
            "finishSecret",
        ),
        (
            {"SecretId": ARN, "ClientRequestToken": TOKEN, "Step": "y" * 40},
            f"Step is {'y' * 40!r}, not one of createSecret, setSecret, testSecret, finishSecret",
        ),
    ],
)
def test_event_errors_name_what_is_wrong(event: object, problem: str) -> None:
    assert _event_error(event) == problem


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("[1, 2]", "an array"),
        ('"quoted"', "a string literal"),
        ("true", "a boolean"),
        ("12", "a number"),
        ("1.5", "a number"),
        ("null", "null"),
    ],
)
def test_json_that_is_not_an_object_is_described_by_its_kind(value: str, kind: str) -> None:
    with pytest.raises(UnsupportedSecretShapeError) as raised:
        parse(value)

    assert raised.value.problem == f"the value is JSON but {kind}, not an object"


@pytest.mark.parametrize(("raw", "level"), [("warn", logging.WARNING), ("Debug", logging.DEBUG)])
def test_log_level_accepts_any_case_and_warn(raw: str, level: int) -> None:
    assert Config.from_env({"LOG_LEVEL": raw}).log_level == level
