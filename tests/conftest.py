"""Shared fixtures: a session moto server on loopback and offline Terraform (see tfharness.py).

Kept generic on purpose: suites add their own conftest.py in their folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tfharness

from terraform_offline import OfflineTerraformError, offline_env

TESTS_DIR = Path(__file__).resolve().parent
# Tests are grouped for pytest-xdist (`--dist loadgroup`): a process takes a whole group.
# Suites whose files share fixture directories: one group each, so two processes never initialise
# and plan one directory at once (tests/offline's files plan tests/offline/fixtures/archive).
SHARED_FIXTURE_SUITES = {"offline"}
# Suites where each file plans or applies directories of its own: one group per file, so a
# file's module-scoped stack is applied once, in one process, and files run side by side.
PER_FILE_SUITES = {"e2e", "modules"}
# The groups that take longest, handed out first, so no long file starts last and holds up the
# end of the run (measured: `make test` with --junitxml, times summed per group, after provider
# reuse; suites that are one group, such as bench, count too). Three of them mostly wait on the
# AWS provider's waiters (an RDS instance's, an SQS queue policy's: 95-110 s of wall time for
# 6-9 CPU s): started together, they left the two cores 20-80 % idle in the first two minutes
# (vmstat), so the longest ones that compute come between them. A wrong guess costs time, never
# correctness. Every other group follows in collection order.
LONGEST_FIRST = (
    "e2e/test_mysql_rds_e2e.py",
    "bench",
    "e2e/test_e2e_git_source.py",
    "e2e/test_e2e_many_secrets_at_scale.py",
    "e2e/test_e2e_api_key.py",
    "e2e/test_postgres_rds_e2e.py",
    "modules/test_rotation_function_postgres.py",
    "postgres",
    "e2e/test_e2e_same_stack.py",
    "modules/test_rotation_function_mysql.py",
    "e2e/test_e2e_forty_days.py",
    "e2e/test_e2e_rotation_events.py",
    "rotator",
    "doctor",
    "modules/test_operations.py",
    "e2e/test_postgres_e2e.py",
    "e2e/test_e2e_saved_plan.py",
    "e2e/test_mysql_e2e.py",
    "modules/test_iam_access_key_inputs.py",
    "e2e/test_e2e_upgrade.py",
    "modules/test_examples.py",
    "sandbox",
    "modules/test_module_validation.py",
    "e2e/test_e2e_operations.py",
    "modules/test_custom_strategy.py",
    "mysql",
    "modules/test_secret_rotation.py",
    "e2e/test_e2e_many_secrets.py",
    "e2e/test_e2e_custom_api_key.py",
    "modules/test_same_stack.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """The environment every Terraform command of the tests inherits (xdist workers too).

    GOGC=400: Terraform and the AWS provider (Go) collect garbage less eagerly, for ~50 MB more per
    process. Measured again with the trimmed schema (test_operations.py and test_postgres_e2e.py,
    user+sys CPU s): GOGC=100 56, 400 47, 1600 52 (more memory, more page faults). Kept when the
    caller sets GOGC.
    """
    os.environ.setdefault("GOGC", "400")


def xdist_group_of(nodeid: str) -> str:
    """The group of a test, from its node id (``tests/<suite>/<file>.py::...``): see above."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")[1:] if path.startswith("tests/") else [path]
    suite = parts[0] if len(parts) > 1 else "root"
    return "/".join(parts) if suite in PER_FILE_SUITES else suite


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadgroup``, or a bare ``-n N`` (xdist's ``load``), the groups above; a
    process takes a whole group.

    A bare ``-n`` too: spread over processes, one file's tests each applied the file's stack
    again and ran out of order (seen: a year of rotations failing at its first window). The
    groups are computed from the node id rather than set as ``xdist_group`` markers: with
    pytest 9.2, pytest-xdist 3.8 can no longer rename a test's node id, which is how its own
    loadgroup finds the marker, so marked tests were spread over every process.
    """
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415  only under xdist

    class FileGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return FileGroupScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest groups first (LONGEST_FIRST), the rest in collection order.

    The Makefile passes ``--no-loadscope-reorder``, so xdist hands groups out in this order.
    """
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(xdist_group_of(item.nodeid), len(rank)))


# Dummy credentials: moto accepts any; real ones must never reach a test.
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Keep the user's ~/.aws out of the tests.
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of a moto server on 127.0.0.1 with a free port, for the whole session."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415  only when a test needs it

    # One INFO line per request would bury the output of a failing test.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def offline_terraform_env() -> dict[str, str]:
    """Env for Terraform subprocesses that need no AWS: offline provider mirrors only."""
    try:
        return tfharness.free_env(offline_env())
    except OfflineTerraformError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def terraform_env(moto_endpoint: str, offline_terraform_env: dict[str, str]) -> dict[str, str]:
    """Env for Terraform subprocesses: offline mirrors, dummy credentials, AWS_ENDPOINT_URL=moto."""
    return {**offline_terraform_env, **TEST_CREDENTIALS, "AWS_ENDPOINT_URL": moto_endpoint}


@pytest.fixture(scope="session")
def tf(terraform_env: dict[str, str]) -> tfharness.TerraformHarness:
    """Session Terraform runner against moto: `tf.plan(dir, *tfvars)`, `tf.plan_failure(...)`."""
    return tfharness.TerraformHarness(terraform_env)


@pytest.fixture(scope="session")
def plan_validator(
    tf: tfharness.TerraformHarness,
) -> Callable[..., tfharness.PlanSummary]:
    """`plan_validator(tfdir, inventory, *tfvars, **tf_vars)`: plan (cached), compare, return it.

    `inventory` is a path to a YAML/JSON inventory or an inventory mapping.
    """

    def validate(
        tfdir: Path | str,
        inventory: Path | str | dict[str, Any],
        *tfvars: Path | str,
        **tf_vars: Any,
    ) -> tfharness.PlanSummary:
        summary = tf.plan(tfdir, *tfvars, **tf_vars)
        if isinstance(inventory, dict):
            tfharness.check_inventory(summary, inventory, source=str(tfdir))
        else:
            tfharness.check_inventory(
                summary, tfharness.load_inventory(Path(inventory)), source=str(inventory)
            )
        return summary

    return validate
