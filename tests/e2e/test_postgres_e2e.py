"""examples/postgres on the sandbox against a real local PostgreSQL: apply (the first rotation
changes the database password), rotate again, plan shows no changes, destroy.

The rotation function runs in the sandbox's Lambda runner with only its zip, the driver layer the
module built from build_layer's output, and the standard library: the same pieces as on Lambda.
TLS is required and verified against the test server's CA (database_ca_bundle).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "postgres"))

from pathload import build_layer_script  # noqa: E402
from pgserver import DbUser, PgServer, PostgresUnavailableError, start_server  # noqa: E402

INITIAL_PASSWORD = "e2e-initial-pw-'\\\"x"


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[PgServer, DbUser]]:
    try:
        server, base = start_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    user = DbUser("orders_app", INITIAL_PASSWORD)
    server.create_role(user.name, user.password)
    yield server, user
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_stack(
    e2e_sandbox: Sandbox,
    database: tuple[PgServer, DbUser],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AppliedStack]:
    server, user = database
    layers = tmp_path_factory.mktemp("layers")
    # Offline: the pinned versions installed in this environment, as `make layer` would install.
    build_layer_script().build("postgres", layers, None, from_installed=True)
    stack = Stack("postgres", e2e_sandbox, reuse_providers=True)
    try:
        stack.write_vars(
            {
                "db_host": server.host,
                "db_port": server.port,
                "db_username": user.name,
                "db_ssl": True,
                "database_ca_bundle": str(server.ca_file),
                "driver_layer_dir": str(layers / "postgres"),
            }
        )
        # Ephemeral input: given to every command, never stored in plan or state.
        stack.env["TF_VAR_db_password"] = user.password
        stack.init()
        stack.apply()
        applied = AppliedStack(stack, e2e_sandbox)
        e2e_sandbox.wait_for_rotation(applied.outputs["secret_arn"])
        yield applied
    finally:
        stack.cleanup()


def _secret(stack: AppliedStack, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(stack.value(stack.outputs["secret_arn"], stage))
    return value


def test_apply_rotates_the_database_password(
    postgres_stack: AppliedStack, database: tuple[PgServer, DbUser]
) -> None:
    server, user = database
    current = _secret(postgres_stack)
    assert current["username"] == user.name
    assert fingerprint(current["password"]) != fingerprint(user.password)
    assert server.can_login(user.name, current["password"], tls=True)
    assert not server.can_login(user.name, user.password, tls=True)
    assert _secret(postgres_stack, "AWSPREVIOUS")["password"] == user.password


def test_second_rotation_changes_the_password_again(
    postgres_stack: AppliedStack, database: tuple[PgServer, DbUser]
) -> None:
    server, user = database
    before = _secret(postgres_stack)

    assert postgres_stack.rotate(postgres_stack.outputs["secret_arn"])["outcome"] == "succeeded"

    after = _secret(postgres_stack)
    assert fingerprint(after["password"]) != fingerprint(before["password"])
    assert server.can_login(user.name, after["password"], tls=True)
    assert not server.can_login(user.name, before["password"], tls=True)
    assert postgres_stack.version_with(postgres_stack.outputs["secret_arn"], "AWSPENDING") is None


def test_every_login_of_the_function_used_verified_tls(
    postgres_stack: AppliedStack, database: tuple[PgServer, DbUser]
) -> None:
    server, user = database
    log = server.log_since(0)
    authorized = [line for line in log.splitlines() if f"authorized: user={user.name} " in line]
    rotator = [line for line in authorized if "application_name=secrets-manager-rotation" in line]
    assert rotator, "the function logged in"
    assert all("SSL enabled" in line for line in rotator)


def test_plan_shows_no_changes_after_rotations(postgres_stack: AppliedStack) -> None:
    code, text = postgres_stack.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"


def test_destroy_removes_the_stack(postgres_stack: AppliedStack) -> None:
    postgres_stack.stack.destroy()
    functions = postgres_stack.client("lambda").list_functions()["Functions"]
    assert postgres_stack.outputs["rotation_function_name"] not in {
        f["FunctionName"] for f in functions
    }
