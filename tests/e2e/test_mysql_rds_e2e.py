"""examples/mysql-rds-multi-user on the sandbox against a real local MariaDB 10.11: an
``aws_db_instance`` (engine mariadb) with ``manage_master_user_password``, its RDS-managed master
secret, an application user on two hosts rotated with alternating users, and a rotation that
fails mid-way (the database down during setSecret) which keeps AWSCURRENT and finishes on the
service's reattempt at the next window.

As in test_postgres_rds_e2e.py: the sandbox's RDS reports the local server as the instance's
endpoint (tag ``sandbox:endpoint-address``), the test puts the local administrator's credentials
in the RDS-managed secret, the function runs with only its zip and the PyMySQL layer the module
built, and the sandbox enforces the function's IAM. The AWS provider waits about a minute after
creating a DB instance; the module does not destroy.
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

from sandbox.rds import ADDRESS_TAG
from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "mysql"))

from mariadbserver import DbUser, MariaDb, MariaDbUnavailableError, start_server  # noqa: E402
from pathload import build_layer_script  # noqa: E402

APP = DbUser("orders_app", "e2e-app-initial-pw-'\\\"x")
MASTER = DbUser("orders_admin", "e2e-master-pw-Éé")


@pytest.fixture(scope="module")
def database() -> Iterator[MariaDb]:
    try:
        server, base = start_server()
    except MariaDbUnavailableError as exc:
        pytest.fail(f"cannot start the test MariaDB server: {exc}", pytrace=False)
    server.create_user(MASTER.name, MASTER.password)
    server.sql("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", MASTER.name)
    server.sql("CREATE DATABASE orders")
    server.sql("CREATE TABLE orders.items (id int PRIMARY KEY)")
    for host in ("%", "10.%"):
        server.create_user(APP.name, APP.password, host)
        server.sql("GRANT SELECT, INSERT ON orders.* TO %s@%s", APP.name, host)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def rds_stack(
    e2e_sandbox: Sandbox, database: MariaDb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedStack]:
    layers = tmp_path_factory.mktemp("layers")
    build_layer_script().build("mysql", layers, None, from_installed=True)
    stack = Stack("mysql-rds-multi-user", e2e_sandbox, reuse_providers=True)
    try:
        stack.write_vars(
            {
                # Not the PostgreSQL RDS stack's identifier: both may apply in one sandbox (one
                # test process), and the parameter group and monitoring role take their names.
                "db_identifier": "e2e-orders-mariadb",
                "engine": "mariadb",
                "engine_version": "10.11",
                "db_port": database.port,
                "db_name": "orders",
                "master_username": MASTER.name,
                "skip_final_snapshot": True,
                "deletion_protection": False,
                "database_ca_bundle": str(database.ca_file),
                "driver_layer_dir": str(layers / "mysql"),
                "tags": {"stack": "e2e", ADDRESS_TAG: database.host},
            }
        )
        # Ephemeral input: given to every command, never stored in plan or state.
        stack.env["TF_VAR_db_password"] = APP.password
        stack.init()
        stack.apply()
        applied = AppliedStack(stack, e2e_sandbox)
        # The apply's rotation (RotateImmediately=false: testSecret on a temporary AWSPENDING)
        # runs after apply returns; a RotateSecret before it ends is refused, as AWS refuses one.
        e2e_sandbox.wait_for_rotation(applied.outputs["secret_arn"])
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


def test_rotations_alternate_users_through_the_master_from_rds(
    rds_stack: AppliedStack, database: MariaDb
) -> None:
    arn = rds_stack.outputs["secret_arn"]
    assert rds_stack.rotate(arn)["outcome"] == "succeeded"
    first = _secret(rds_stack)
    assert rds_stack.rotate(arn)["outcome"] == "succeeded"
    second = _secret(rds_stack)

    assert first["username"] == f"{APP.name}_clone"
    assert second["username"] == APP.name
    assert database.hosts(first["username"]) == ["%", "10.%"]
    assert database.can_login(first["username"], first["password"], tls=True)
    assert database.can_login(second["username"], second["password"], tls=True)
    assert fingerprint(second["password"]) != fingerprint(APP.password)
    logged = database.logged()
    assert f"CREATE USER '{APP.name}_clone'".encode() in logged, "control: the log holds it"
    for password in (first["password"], second["password"]):
        assert password.encode() not in logged


def test_a_rotation_that_fails_with_the_database_down_finishes_on_the_reattempt(
    rds_stack: AppliedStack, database: MariaDb
) -> None:
    arn = rds_stack.outputs["secret_arn"]
    before = _secret(rds_stack)

    with database.stopped():
        (failed,) = rds_stack.until_next_window(arn)
        assert (failed["outcome"], failed["step"]) == ("failed", "setSecret"), failed
        assert "DatabaseUnreachableError" in json.dumps(failed)
        assert _secret(rds_stack) == before, "AWSCURRENT kept"
    left = _secret(rds_stack, "AWSPENDING")

    (reattempt,) = rds_stack.until_next_window(arn)

    assert reattempt["outcome"] == "succeeded", reattempt.get("error")
    assert reattempt["token"] == failed["token"]
    assert _secret(rds_stack) == left
    assert _secret(rds_stack, "AWSPREVIOUS") == before
    assert database.can_login(left["username"], left["password"], tls=True)
    assert database.can_login(before["username"], before["password"], tls=True)


def test_plan_shows_no_changes_after_rotations(rds_stack: AppliedStack) -> None:
    code, text = rds_stack.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"
