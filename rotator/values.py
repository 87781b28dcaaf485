"""What a SecretString holds (plain string or JSON object) and how a new one is built from it.

Which values count as JSON (a deliberate choice, documented in rotator/README.md):

* A value whose first non-blank character is ``{`` must be a JSON object. If it does not parse,
  it is an error rather than a plain password: replacing a mistyped key/value secret wholesale
  would silently drop its username, host and the rest.
* A value that parses as JSON but not as an object (an array, a string literal, a number,
  ``true``, ``false`` or ``null``) is an error, as the rotator's contract says: there is no key to
  regenerate, and replacing it would change the format the secret's readers expect.
* Everything else is a plain string whose whole value is the password. A policy of digits only
  still works: values with a leading zero are not JSON numbers, and ``new_plain_password`` draws
  again until it has one.

Errors describe a value by its shape and JSON errors by position only: never the value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rotator.errors import (
    ConfigurationError,
    MissingRotateKeyError,
    UnsupportedSecretShapeError,
)

_REGENERATE_ATTEMPTS = 100


@dataclass(frozen=True)
class PlainShape:
    """The whole SecretString is the password."""

    def describe(self) -> str:
        return "a plain string"


@dataclass(frozen=True)
class ObjectShape:
    """A JSON object with these keys. Key names are not secret; their values are never kept."""

    keys: frozenset[str]

    def describe(self) -> str:
        return f"a JSON object with keys {sorted(self.keys)}"


Shape = PlainShape | ObjectShape


@dataclass(frozen=True, repr=False)
class Parsed:
    """A SecretString read as either plain text or a JSON object. ``repr`` shows the shape only."""

    shape: Shape
    obj: dict[str, Any] | None

    def __repr__(self) -> str:
        return f"Parsed({self.shape.describe()})"


def parse(value: str) -> Parsed:
    """Read a SecretString; raise UnsupportedSecretShapeError for JSON that is not an object."""
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError) as exc:
        if value.lstrip().startswith("{"):
            # `from None`: JSONDecodeError's doc/msg carry the value itself.
            position = getattr(exc, "pos", None)
            raise UnsupportedSecretShapeError(
                f"the value starts like a JSON object but is not valid JSON "
                f"(parse error at offset {position})"
            ) from None
        return Parsed(PlainShape(), None)
    if isinstance(decoded, dict):
        return Parsed(ObjectShape(frozenset(decoded)), decoded)
    kind = {list: "an array", str: "a string literal", bool: "a boolean", int: "a number"}.get(
        type(decoded), "a number" if isinstance(decoded, float) else "null"
    )
    raise UnsupportedSecretShapeError(f"the value is JSON but {kind}, not an object")


def shape_of(value: str) -> Shape:
    return parse(value).shape


def regenerate(value: str, rotate_keys: Iterable[str], new_password: Callable[[], str]) -> str:
    """The pending value: every key in ``rotate_keys`` regenerated, everything else kept.

    Other keys keep their values and JSON types; key order is kept. A plain string is replaced
    wholesale by a password that will itself read back as a plain string.
    """
    parsed = parse(value)
    if parsed.obj is None:
        return new_plain_password(new_password)
    keys = tuple(rotate_keys)
    missing = [k for k in keys if k not in parsed.obj]
    if missing:
        raise MissingRotateKeyError(
            f"the secret's JSON has no key {', '.join(map(repr, missing))} listed in "
            f"ROTATE_KEYS ({','.join(keys)}); nothing was written"
        )
    updated = dict(parsed.obj)
    for key in keys:
        updated[key] = new_password()
    return json.dumps(updated, ensure_ascii=False)


def new_plain_password(new_password: Callable[[], str]) -> str:
    """A password that ``parse`` reads back as plain, so the next rotation works too.

    Drawing again when a candidate happens to look like JSON (a leading ``{``, or a parseable
    array or string literal) changes nothing for policies with a rich alphabet (the chance is
    about 1 in 90) and turns an alphabet that can only produce such values into a clear error.
    """
    for _ in range(_REGENERATE_ATTEMPTS):
        candidate = new_password()
        try:
            if isinstance(parse(candidate).shape, PlainShape):
                return candidate
        except UnsupportedSecretShapeError:
            continue
    raise ConfigurationError(
        "the password policy only produces values that read as JSON, so a plain-string secret "
        "could not be rotated again",
        remedy="Allow more characters (EXCLUDE_CHARACTERS and the EXCLUDE_* variables)",
    )
