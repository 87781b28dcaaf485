"""The strategies' names and per-strategy defaults: data only, so configuration can read it.

``rotator.config`` validates ROTATION_STRATEGY and picks EXCLUDE_CHARACTERS' default from here;
``rotator.strategies`` loads the class a name maps to. Keeping the names apart from the loader
keeps the imports one way: config -> registry, never config -> strategies -> base -> context ->
config (tests/rotator/test_rotator_imports.py checks there is no circle).

To add a strategy, write a ``Strategy`` subclass and add its name to ``REGISTRY``.
``custom`` is not in the registry: it selects the class CUSTOM_STRATEGY names ("module:Class"),
written outside this repository and packed beside the rotator by modules/rotation-function
(rotator/strategies/custom.py, rotator/STRATEGIES.md).
"""

from __future__ import annotations

import re

# ROTATION_STRATEGY for a strategy written by the user (CUSTOM_STRATEGY names its class).
# modules/rotation-function restates it (local.custom_strategy_name); a test keeps them in step.
CUSTOM = "custom"
# CUSTOM_STRATEGY: a dotted module path, a colon, a class name ("vendor_x:VendorXKey"). The
# module's validation of custom_strategy.class uses the same pattern (a test keeps them equal).
CUSTOM_CLASS_SPEC = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$"
)
CUSTOM_CLASS_EXAMPLE = "vendor_x:VendorXKey (the file vendor_x.py, the class VendorXKey)"

# A name -> "module:Class"; the module is imported only when that strategy is selected, so a
# strategy's driver (e.g. a database client) never loads for the others.
REGISTRY: dict[str, str] = {
    "generic": "rotator.strategies.generic:GenericStrategy",
    # Need the pg8000 layer (modules/rotation-function attaches it); see rotator/README.md.
    "postgres-single-user": "rotator.strategies.postgres:PostgresSingleUserStrategy",
    "postgres-multi-user": "rotator.strategies.postgres:PostgresMultiUserStrategy",
    # Need the PyMySQL layer (modules/rotation-function attaches it); see rotator/README.md.
    "mysql-single-user": "rotator.strategies.mysql:MySqlSingleUserStrategy",
    "mysql-multi-user": "rotator.strategies.mysql:MySqlMultiUserStrategy",
    # Needs iam_user_arns on modules/rotation-function; see rotator/README.md.
    "iam-access-key": "rotator.strategies.iam_access_key:IamAccessKeyStrategy",
}

# EXCLUDE_CHARACTERS when the variable is unset. AWS's PostgreSQL rotation templates add ":" to
# the generic template's characters: it separates the fields of a .pgpass line and the user from
# the password in a postgresql:// URI. modules/rotation-function restates this map
# (local.default_exclude_characters; tests/modules/test_strategy_names.py keeps them in step).
GENERIC_EXCLUDE_CHARACTERS = "/@\"'\\"
_POSTGRES_EXCLUDE_CHARACTERS = ":" + GENERIC_EXCLUDE_CHARACTERS
# MySQL: AWS's MySQL templates exclude the generic characters ("/" and "@" split a mysql:// URI,
# quotes and "\\" need escaping in option files and shells); ":" too, which separates the user
# from the password in mysql:// URIs and Go's DSN ("user:password@tcp(host)").
_MYSQL_EXCLUDE_CHARACTERS = ":" + GENERIC_EXCLUDE_CHARACTERS
_DEFAULT_EXCLUDE_CHARACTERS: dict[str, str] = {
    "postgres-single-user": _POSTGRES_EXCLUDE_CHARACTERS,
    "postgres-multi-user": _POSTGRES_EXCLUDE_CHARACTERS,
    "mysql-single-user": _MYSQL_EXCLUDE_CHARACTERS,
    "mysql-multi-user": _MYSQL_EXCLUDE_CHARACTERS,
}


def names() -> tuple[str, ...]:
    """The built-in strategies' names."""
    return tuple(REGISTRY)


def selectable_names() -> tuple[str, ...]:
    """What ROTATION_STRATEGY accepts: the built-in names and ``custom``."""
    return (*names(), CUSTOM)


def default_exclude_characters(name: str) -> str:
    """EXCLUDE_CHARACTERS for strategy ``name`` when the variable is unset (no import needed)."""
    return _DEFAULT_EXCLUDE_CHARACTERS.get(name, GENERIC_EXCLUDE_CHARACTERS)
