"""Reading a SecretString and building the pending value from it."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotator.errors import ConfigurationError, MissingRotateKeyError, UnsupportedSecretShapeError
from rotator.values import ObjectShape, PlainShape, new_plain_password, parse, regenerate

counter = itertools.count()


def fresh() -> str:
    return f"generated-{next(counter)}"


json_scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(), json_values, max_size=6), json_values)
def test_regenerate_keeps_every_other_key_value_type_and_order(
    others: dict[str, object], password: object
) -> None:
    secret = {**{k: v for k, v in others.items() if k != "password"}, "password": password}

    rotated = json.loads(regenerate(json.dumps(secret), ("password",), fresh))

    assert list(rotated) == list(secret)
    assert rotated["password"].startswith("generated-")
    del rotated["password"], secret["password"]
    assert rotated == secret
    assert [type(v) for v in rotated.values()] == [type(v) for v in secret.values()]


def test_missing_key_names_the_key_and_rotate_keys() -> None:
    with pytest.raises(MissingRotateKeyError, match=r"'api_key'.*ROTATE_KEYS \(password,api_key\)"):
        regenerate('{"password": "p"}', ("password", "api_key"), fresh)


def test_a_broken_object_after_leading_blanks_is_still_refused() -> None:
    with pytest.raises(UnsupportedSecretShapeError, match="starts like a JSON object"):
        parse(' \n {"password": ')


def test_an_object_nested_too_deep_to_parse_is_refused_as_a_broken_object() -> None:
    """json raises RecursionError, which has no offset, rather than JSONDecodeError."""
    with pytest.raises(UnsupportedSecretShapeError, match="starts like a JSON object"):
        parse('{"a":' * 100_000)


def test_every_missing_key_is_named() -> None:
    with pytest.raises(MissingRotateKeyError, match=r"no key 'api_key', 'token' listed in"):
        regenerate('{"password": "p"}', ("password", "api_key", "token"), fresh)


def test_text_outside_ascii_is_kept_as_written() -> None:
    """Other keys' values come back character for character, not as \\u escapes."""
    rotated = regenerate('{"password": "p", "note": "café ☕"}', ("password",), fresh)
    assert '"note": "café ☕"' in rotated


@pytest.mark.parametrize("value", ["hunter2", "01234567", "[not json", '"unterminated', "  x"])
def test_values_that_are_not_json_objects_or_other_json_are_plain(value: str) -> None:
    assert parse(value).shape == PlainShape()
    assert regenerate(value, ("password",), fresh).startswith("generated-")


@pytest.mark.parametrize(
    "value", ["[1, 2]", '"quoted"', "true", "false", "null", " [] ", "42", "1.5e3"]
)
def test_json_that_is_not_an_object_is_rejected(value: str) -> None:
    with pytest.raises(UnsupportedSecretShapeError, match="not an object"):
        parse(value)


def test_malformed_object_error_gives_position_not_value() -> None:
    value = '{"password": "s3cr3t-value" "user": 1}'

    with pytest.raises(UnsupportedSecretShapeError) as raised:
        parse(value)

    assert "s3cr3t" not in str(raised.value)
    assert "offset 28" in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_object_shape_lists_keys() -> None:
    assert parse('{"b": 1, "a": 2}').shape == ObjectShape(frozenset({"a", "b"}))


def test_parsed_repr_shows_shape_only() -> None:
    assert "secret-value" not in repr(parse('{"password": "secret-value"}'))


def test_plain_password_is_drawn_again_when_it_would_read_as_json() -> None:
    candidates = iter(['{"a": 1}', "[1]", "{x", "12345", "plain"])

    assert new_plain_password(lambda: next(candidates)) == "plain"


def test_policy_that_only_yields_json_looking_values_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="read as JSON"):
        new_plain_password(lambda: "{{{{")
