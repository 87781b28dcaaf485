"""examples/mysql on the sandbox against a real local MariaDB 10.11: apply (the first rotation
changes the user's password), rotate again, plan shows no changes, destroy. The function runs in
the sandbox's Lambda runner with only its zip and the PyMySQL layer the module built; TLS is
required and verified against the test server's CA (database_ca_bundle)."""

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

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "mysql"))

from mariadbserver import DbUser, MariaDb, MariaDbUnavailableError, start_server  # noqa: E402
from pathload import build_layer_script  # noqa: E402

USER = DbUser("orders_app", "e2e-initial-pw-'\\\"x")


@pytest.fixture(scope="module")
def database() -> Iterator[MariaDb]:
    try:
        server, base = start_server()
    except MariaDbUnavailableError as exc:
        pytest.fail(f"cannot start the test MariaDB server: {exc}", pytrace=False)
    server.create_user(USER.name, USER.password)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def mysql_stack(
    e2e_sandbox: Sandbox, database: MariaDb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedStack]:
    layers = tmp_path_factory.mktemp("layers")
    build_layer_script().build("mysql", layers, None, from_installed=True)
    stack = Stack("mysql", e2e_sandbox, reuse_providers=True)
    try:
        stack.write_vars(
            {
                "engine": "mariadb",
                "db_host": database.host,
                "db_port": database.port,
                "db_username": USER.name,
                "database_ca_bundle": str(database.ca_file),
                "driver_layer_dir": str(layers / "mysql"),
            }
        )
        stack.env["TF_VAR_db_password"] = USER.password
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


def test_apply_rotates_the_password_and_a_second_rotation_again(
    mysql_stack: AppliedStack, database: MariaDb
) -> None:
    first = _secret(mysql_stack)
    assert fingerprint(first["password"]) != fingerprint(USER.password)
    assert database.can_login(USER.name, first["password"], tls=True)
    assert not database.can_login(USER.name, USER.password, tls=True)

    assert mysql_stack.rotate(mysql_stack.outputs["secret_arn"])["outcome"] == "succeeded"

    second = _secret(mysql_stack)
    assert database.can_login(USER.name, second["password"], tls=True)
    assert not database.can_login(USER.name, first["password"], tls=True)
    logged = database.logged()
    assert b"SET PASSWORD = '*" in logged, "control: the log holds the function's statements"
    for password in (first["password"], second["password"]):
        assert password.encode() not in logged


def test_plan_shows_no_changes_after_rotations(mysql_stack: AppliedStack) -> None:
    code, text = mysql_stack.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"


def test_destroy_removes_the_stack(mysql_stack: AppliedStack) -> None:
    mysql_stack.stack.destroy()
    functions = mysql_stack.client("lambda").list_functions()["Functions"]
    assert mysql_stack.outputs["rotation_function_name"] not in {
        f["FunctionName"] for f in functions
    }
