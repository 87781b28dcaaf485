"""Fixtures for the MySQL strategies: one real MariaDB server for the session, and the rotator's
harness (tests/rotator): the sandbox's Secrets Manager rules driving lambda_handler.

The rotator's fixtures are imported from tests/rotator/conftest.py, not copied, as in
tests/postgres.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROTATOR_TESTS = HERE.parent / "rotator"
sys.path.insert(0, str(ROTATOR_TESTS))
sys.path.insert(0, str(HERE))

from mariadbserver import (  # noqa: E402
    ADMIN,
    ADMIN_PASSWORD,
    DbUser,
    MariaDb,
    MariaDbUnavailableError,
    start_server,
)
from pathload import load_module  # noqa: E402
from rotator_harness import Service  # noqa: E402

_rotator = load_module("rotator_conftest", ROTATOR_TESTS / "conftest.py")
_clean_env = _rotator._clean_env
invoker = _rotator.invoker
aws = _rotator.aws
test_clients = _rotator.test_clients
sm = _rotator.sm
rotator_client = _rotator.rotator_client
function_arn = _rotator.function_arn
service = _rotator.service


@pytest.fixture(scope="session")
def aws_session() -> Any:
    return _rotator._SESSION


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDb]:
    try:
        server, base = start_server()
    except MariaDbUnavailableError as exc:
        pytest.fail(f"cannot start the test MariaDB server: {exc}", pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _ca_bundle(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The function verifies the test server's certificate with the test CA (PG_CA_BUNDLE)."""
    if "mariadb" in request.fixturenames:
        server: MariaDb = request.getfixturevalue("mariadb")
        monkeypatch.setenv("PG_CA_BUNDLE", str(server.ca_file))


_names = itertools.count(1)


@pytest.fixture
def make_user(mariadb: MariaDb) -> Callable[..., DbUser]:
    """``make_user(name=None, password=None, host="%", extra="")``: an account."""

    def make(
        name: str | None = None, password: str | None = None, host: str = "%", extra: str = ""
    ) -> DbUser:
        number = next(_names)
        user = DbUser(name or f"app{number}", password or f"initial-pw-{number}")
        mariadb.create_user(user.name, user.password, host, extra)
        return user

    return make


@pytest.fixture
def admin() -> DbUser:
    return DbUser(ADMIN, ADMIN_PASSWORD)


@pytest.fixture
def master_arn(
    mariadb: MariaDb, service: Service, admin: DbUser, monkeypatch: pytest.MonkeyPatch
) -> str:
    arn = service.create("master", json.dumps(admin.secret(mariadb)))
    monkeypatch.setenv("MASTER_SECRET_ARNS", arn)
    return arn


@pytest.fixture
def use_strategy(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def use(name: str) -> None:
        monkeypatch.setenv("ROTATION_STRATEGY", name)

    return use
