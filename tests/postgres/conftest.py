"""Fixtures for the PostgreSQL strategies: a real PostgreSQL 15 server for the session, and the
rotator's harness (tests/rotator): the sandbox's Secrets Manager rules driving lambda_handler.

The rotator's fixtures are imported from tests/rotator/conftest.py, not copied, so both suites
drive rotations the same way. It is loaded under its own module name: pytest imports each
folder's conftest.py as ``conftest``.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pg8000.native
import pytest

HERE = Path(__file__).resolve().parent
ROTATOR_TESTS = HERE.parent / "rotator"
sys.path.insert(0, str(ROTATOR_TESTS))
sys.path.insert(0, str(HERE))

from pathload import load_module  # noqa: E402
from pgserver import (  # noqa: E402
    CLEARTEXT_GROUP,
    PLAIN_ONLY_GROUP,
    TLS_ONLY_GROUP,
    DbUser,
    PgServer,
    PostgresUnavailableError,
    start_server,
)
from rotator_harness import Service  # noqa: E402

_rotator = load_module("rotator_conftest", ROTATOR_TESTS / "conftest.py")
# Re-exported so pytest finds them for this folder (the first is autouse: dummy credentials and
# none of the rotator's variables set).
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
    """The rotator tests' boto3 session (moto's dummy credentials, service models cached)."""
    return _rotator._SESSION


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    try:
        server, base = start_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    yield server
    if server.running():
        server.stop()
    shutil.rmtree(base, ignore_errors=True)


_names = itertools.count(1)


@pytest.fixture
def make_user(pg: PgServer) -> Callable[..., DbUser]:
    """``make_user(name=None, password=None, tls_only=False, cleartext=False)``: a LOGIN role.

    ``tls_only``: pg_hba.conf lets it in over TLS only; ``cleartext``: the server asks for its
    password in clear; ``plain_only``: pg_hba.conf refuses it over TLS."""

    def make(
        name: str | None = None,
        password: str | None = None,
        *,
        tls_only: bool = False,
        cleartext: bool = False,
        plain_only: bool = False,
        attributes: str = "LOGIN",
    ) -> DbUser:
        number = next(_names)
        user = DbUser(name or f"app{number}", password or f"initial-pw-{number}")
        pg.create_role(user.name, user.password, attributes=attributes)
        if tls_only:
            pg.sql(f"GRANT {TLS_ONLY_GROUP} TO {pg8000.native.identifier(user.name)}")
        if cleartext:
            pg.sql(f"GRANT {CLEARTEXT_GROUP} TO {pg8000.native.identifier(user.name)}")
        if plain_only:
            pg.sql(f"GRANT {PLAIN_ONLY_GROUP} TO {pg8000.native.identifier(user.name)}")
        return user

    return make


@pytest.fixture
def use_strategy(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def use(name: str) -> None:
        monkeypatch.setenv("ROTATION_STRATEGY", name)

    return use


@pytest.fixture
def ca_bundle(pg: PgServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PG_CA_BUNDLE pointing at the CA that signed the test server's certificate."""
    monkeypatch.setenv("PG_CA_BUNDLE", str(pg.ca_file))
    return pg.ca_file


@pytest.fixture
def allow_master(pg: PgServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """``allow_master(arn)``: list ``arn`` in MASTER_SECRET_ARNS, as modules/rotation-function
    does from master_secret_arns, and give the function the test CA: a master login verifies."""
    allowed: list[str] = []
    monkeypatch.setenv("PG_CA_BUNDLE", str(pg.ca_file))

    def allow(arn: str) -> str:
        allowed.append(arn)
        monkeypatch.setenv("MASTER_SECRET_ARNS", ",".join(allowed))
        return arn

    return allow


@pytest.fixture
def create_secret(service: Service) -> Callable[[str, dict[str, Any]], str]:
    def create(name: str, value: dict[str, Any]) -> str:
        return service.create(name, json.dumps(value))

    return create
