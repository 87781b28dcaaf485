"""examples/postgres-rds-multi-user on the sandbox against a real local PostgreSQL: an
``aws_db_instance`` with ``manage_master_user_password``, its RDS-managed master secret, and an
application user rotated with alternating users, the function finding the master's host through
the RDS API and allowed exactly what the module grants (the sandbox enforces the function's IAM).

The sandbox's RDS reports the local server as the instance's endpoint (tag
``sandbox:endpoint-address``, sandbox/rds.py). moto fills the RDS-managed secret with credentials
of its own; the test puts the local administrator's there, as RDS would have. Rotations are
awaited by polling DescribeSecret, so the test holds whether RotateSecret runs the steps before
it returns or after.

The AWS provider waits at least a minute after creating a DB instance (its status waiter's
initial delay) and again after deleting one, so this module costs about 2.5 minutes; it does not
destroy (the session's sandbox, which holds everything in memory, goes away at the end), and the
destroy path is the one examples/postgres's end-to-end test covers.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.rds import ADDRESS_TAG
from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "postgres"))

from pathload import build_layer_script  # noqa: E402
from pgserver import DbUser, PgServer, PostgresUnavailableError, start_server  # noqa: E402

APP = DbUser("orders_app", "e2e-app-initial-pw-'\\\"x")
MASTER = DbUser("orders_admin", "e2e-master-pw-Éé")
ROTATION_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def database() -> Iterator[PgServer]:
    try:
        server, base = start_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    server.create_role(MASTER.name, MASTER.password, attributes="LOGIN CREATEROLE")
    server.create_role(APP.name, APP.password)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def rds_stack(
    e2e_sandbox: Sandbox, database: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedStack]:
    layers = tmp_path_factory.mktemp("layers")
    build_layer_script().build("postgres", layers, None, from_installed=True)
    stack = Stack("postgres-rds-multi-user", e2e_sandbox, reuse_providers=True)
    tags = {"stack": "e2e", ADDRESS_TAG: database.host}
    try:
        stack.write_vars(
            {
                "db_port": database.port,
                "db_name": "postgres",
                "master_username": MASTER.name,
                "skip_final_snapshot": True,
                "database_ca_bundle": str(database.ca_file),
                "driver_layer_dir": str(layers / "postgres"),
                "tags": tags,
            }
        )
        stack.env["TF_VAR_db_password"] = APP.password
        stack.init()
        stack.apply()
        applied = AppliedStack(stack, e2e_sandbox)
        # The apply's rotation (RotateImmediately=false: testSecret on a temporary AWSPENDING)
        # runs after apply returns; a RotateSecret before it ends is refused, as AWS refuses one.
        e2e_sandbox.wait_for_rotation(applied.outputs["secret_arn"])
        # What RDS would hold: the administrator of the local server.
        applied.client("secretsmanager").put_secret_value(
            SecretId=applied.outputs["master_secret_arn"],
            SecretString=json.dumps({"username": MASTER.name, "password": MASTER.password}),
        )
        yield applied
    finally:
        stack.cleanup()


def _secret(stack: AppliedStack, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(stack.value(stack.outputs["secret_arn"], stage))
    return value


def _rotate_and_wait(stack: AppliedStack) -> None:
    """RotateSecret, then poll until AWSCURRENT has moved and no AWSPENDING is left elsewhere."""
    arn = stack.outputs["secret_arn"]
    before = stack.version_with(arn, "AWSCURRENT")
    stack.rotate(arn)
    deadline = time.monotonic() + ROTATION_TIMEOUT_S
    while time.monotonic() < deadline:
        current = stack.version_with(arn, "AWSCURRENT")
        pending = stack.version_with(arn, "AWSPENDING")
        if current != before and pending in (None, current):
            return
        time.sleep(0.2)
    failed = [i for i in stack.sandbox.invocations() if i.get("outcome") != "ok"]
    pytest.fail(f"rotation of {arn} did not finish in {ROTATION_TIMEOUT_S} s; failed: {failed}")


def test_apply_wires_the_rds_managed_master_secret(
    rds_stack: AppliedStack, database: PgServer
) -> None:
    secret = _secret(rds_stack)
    assert secret["masterarn"] == rds_stack.outputs["master_secret_arn"]
    assert secret["host"] == database.host == rds_stack.outputs["db_instance_address"]
    assert secret["port"] == database.port
    tags = rds_stack.client("secretsmanager").describe_secret(
        SecretId=rds_stack.outputs["master_secret_arn"]
    )["Tags"]
    assert any(t["Key"] == "aws:rds:primaryDBInstanceArn" for t in tags)
    assert "host" not in json.loads(rds_stack.value(rds_stack.outputs["master_secret_arn"]))


def test_rotations_alternate_users_through_the_master_from_rds(
    rds_stack: AppliedStack, database: PgServer
) -> None:
    log_start = database.log_size()

    _rotate_and_wait(rds_stack)
    first = _secret(rds_stack)
    _rotate_and_wait(rds_stack)
    second = _secret(rds_stack)

    assert first["username"] == f"{APP.name}_clone"
    assert second["username"] == APP.name
    assert database.can_login(first["username"], first["password"], tls=True)
    assert database.can_login(second["username"], second["password"], tls=True)
    assert fingerprint(second["password"]) != fingerprint(APP.password)
    master_logins = [
        line
        for line in database.log_since(log_start).splitlines()
        if f"authorized: user={MASTER.name} " in line
    ]
    assert len(master_logins) == 2, "one master login per setSecret"
    assert all("SSL enabled" in line for line in master_logins), "the master used TLS"


def test_plan_shows_no_changes_after_rotations(rds_stack: AppliedStack) -> None:
    code, text = rds_stack.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"
