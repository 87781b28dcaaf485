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
# Suites whose tests must stay in one process under pytest-xdist: the plan suites initialise and
# plan fixture directories inside the checkout, which two processes must not do at once.
SHARED_FIXTURE_SUITES = {"modules": "terraform-plans", "offline": "terraform-plans"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for ``--dist loadgroup``: a worker takes a whole group.

    Each end-to-end file is its own group (it applies its own stack in temporary copies); the
    plan suites share one; every other suite is a group of its own. Without xdist the marker
    does nothing.
    """
    for item in items:
        parts = item.path.resolve().relative_to(TESTS_DIR).parts
        suite = parts[0] if len(parts) > 1 else "root"
        group = SHARED_FIXTURE_SUITES.get(suite) or (
            f"e2e:{item.path.name}" if suite == "e2e" else suite
        )
        item.add_marker(pytest.mark.xdist_group(group))


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
