"""``--connect``: AWSCURRENT's shape and a login with it, from where the command runs.

The only place the doctor holds a secret's value: it is parsed by the rotator's own strategy code
(the same checks, and messages that never quote a value) and dropped; the report keeps the
problem, ``host:port`` and the error type of a failed login, never a value. PostgreSQL strategies
only (pg8000, the ``postgres`` extra); other database strategies report the login as not tried.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from rotation_doctor.checks import Connection
from rotator.errors import RotationError
from rotator.logs import LOGGER_NAME, StepLog


def _quiet_rotator_logger() -> None:
    """The strategy code logs through the rotator's logger; the doctor prints only its report."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def parse(value: str, strategy: str) -> tuple[Any | None, str | None]:
    """(the parsed secret, None) or (None, the rotator's problem) for a PostgreSQL strategy."""
    secret_module = importlib.import_module("rotator.strategies.postgres.secret")
    try:
        parsed = secret_module.parse_secret(
            value, label="AWSCURRENT", needs_masterarn=strategy.endswith("multi-user")
        )
    except RotationError as error:
        return None, error.problem
    return parsed, None


def check(value: str, strategy: str, master_readable: Any) -> Connection:
    """Shape, master secret (``master_readable(arn) -> bool``), login with AWSCURRENT."""
    if not strategy.startswith("postgres"):
        return Connection(None, None, "", "(no login: no driver for this strategy here)")
    parsed, problem = parse(value, strategy)
    if parsed is None:
        return Connection(problem, None, "", "-")
    where = f"{parsed.host}:{parsed.port}"
    if parsed.masterarn and not master_readable(parsed.masterarn):
        return Connection(None, parsed.masterarn, "", where)
    _quiet_rotator_logger()
    try:
        database = importlib.import_module("rotator.strategies.postgres.database")
        session = database.login(parsed, credentials="AWSCURRENT", log=StepLog())
    except ImportError:
        return Connection(None, None, "pg8000 is not installed here (the postgres extra)", where)
    except RotationError as error:
        return Connection(None, None, type(error).__name__, where)
    session.close()
    return Connection(None, None, None, where)
