"""Strategies: what setSecret and testSecret do for a kind of secret, keyed by ROTATION_STRATEGY.

The registry maps a name to "module:Class" and imports the module only when that strategy is
selected, so a strategy's driver (e.g. a database client) never loads for the others. To add a
strategy, write a ``Strategy`` subclass and add its name here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rotator.errors import ConfigurationError

if TYPE_CHECKING:
    from rotator.strategies.base import Strategy

_REGISTRY: dict[str, str] = {
    "generic": "rotator.strategies.generic:GenericStrategy",
    # Need the pg8000 layer (modules/rotation-function attaches it); see rotator/README.md.
    "postgres-single-user": "rotator.strategies.postgres:PostgresSingleUserStrategy",
    "postgres-multi-user": "rotator.strategies.postgres:PostgresMultiUserStrategy",
    # Needs iam_user_arns on modules/rotation-function; see rotator/README.md.
    "iam-access-key": "rotator.strategies.iam_access_key:IamAccessKeyStrategy",
}

# EXCLUDE_CHARACTERS when the variable is unset. AWS's PostgreSQL rotation templates add ":" to
# the generic template's characters: it separates the fields of a .pgpass line and the user from
# the password in a postgresql:// URI. modules/rotation-function restates this map
# (local.default_exclude_characters; tests/modules/test_strategy_names.py keeps them in step).
GENERIC_EXCLUDE_CHARACTERS = "/@\"'\\"
_POSTGRES_EXCLUDE_CHARACTERS = ":" + GENERIC_EXCLUDE_CHARACTERS
_DEFAULT_EXCLUDE_CHARACTERS: dict[str, str] = {
    "postgres-single-user": _POSTGRES_EXCLUDE_CHARACTERS,
    "postgres-multi-user": _POSTGRES_EXCLUDE_CHARACTERS,
}

_loaded: dict[str, Strategy] = {}


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def default_exclude_characters(name: str) -> str:
    """EXCLUDE_CHARACTERS for strategy ``name`` when the variable is unset (no import needed)."""
    return _DEFAULT_EXCLUDE_CHARACTERS.get(name, GENERIC_EXCLUDE_CHARACTERS)


def load(name: str) -> Strategy:
    """The strategy registered as ``name``; its module is imported on first use."""
    if name not in _loaded:
        if name not in _REGISTRY:
            raise ConfigurationError(
                f"ROTATION_STRATEGY is {name!r}",
                remedy=f"Set ROTATION_STRATEGY to one of {', '.join(names())}",
            )
        module_name, _, class_name = _REGISTRY[name].partition(":")
        strategy_class: type[Strategy] = getattr(importlib.import_module(module_name), class_name)
        _loaded[name] = strategy_class()
    return _loaded[name]
