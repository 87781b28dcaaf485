"""Shared fixtures: a session moto server on loopback and offline Terraform (see tfharness.py).

Kept generic on purpose: suites add their own conftest.py in their folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tfharness

from sandbox.terraform_offline import OfflineTerraformError, offline_env

TESTS_DIR = Path(__file__).resolve().parent
# Plan tests initialise and plan fixture directories inside the checkout, which two processes must
# not do at once: files that plan the same directories share a group.
SHARED_PLAN_DIRS = {
    # Both plan examples/postgres and examples/postgres-rds-multi-user.
    "test_examples.py": "plans:examples",
    "test_rotation_function_postgres.py": "plans:examples",
}


def _group(path: Path) -> str:
    parts = path.resolve().relative_to(TESTS_DIR).parts
    suite = parts[0] if len(parts) > 1 else "root"
    if suite == "offline":
        return "plans:offline"  # its files share tests/offline/fixtures
    if suite in {"modules", "e2e"}:
        # One group per file: each plans its own fixture, or applies its own temporary copy.
        return SHARED_PLAN_DIRS.get(path.name, f"{suite}:{path.name}")
    return suite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for ``--dist loadgroup`` (make test): a worker takes a whole group.

    Without xdist the marker does nothing.
    """
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item.path)))


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
