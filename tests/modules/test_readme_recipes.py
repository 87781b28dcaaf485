"""Every recipe on the front page (README.md's ```hcl blocks) planned as a user would copy it.

The blocks are copied unchanged into one root stack, except their placeholder source
(`git::https://github.com/<org>/secret-rotation.git//modules/<module>?ref=<tag>`), which points at
a copy of this repository's modules/ and rotator/ beside the stack, as Terraform's git source
would fetch them.
No driver layer is built beforehand (the module builds it with pip during apply, as for a user of a
git source); the stack gets the RDS CA bundle the PostgreSQL recipe packs (a test CA here) and the
third-party recipe's strategy directory from examples/custom-api-key.
The `var.` names the recipes use are declared with the values below.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import tfharness
import trustme
from planhelpers import REPO_ROOT

README = REPO_ROOT / "README.md"
SOURCE = re.compile(
    r'"git::https://github\.com/<org>/secret-rotation\.git//modules/([a-z-]+)\?ref=<tag>"'
)
# Values for the variables the recipes use (what a user's stack would pass).
VARIABLES: dict[str, Any] = {
    "private_subnet_ids": ["subnet-0a1b2c3d"],
    "rotation_sg_id": "sg-0a1b2c3d",
    "db_host": "orders.abc123.eu-west-1.rds.amazonaws.com",
    "orders_app_password": "recipe-db-password-never-in-plan",
    "vendor_url": "https://keys.vendor.example",
    "vendor_key_id": "key-1",
    "vendor_api_key": "recipe-vendor-key-never-in-plan",
}
# Declared ephemeral, as a user's stack should: write-only arguments take them, no plan keeps them.
EPHEMERAL = {"orders_app_password", "vendor_api_key"}
SECRET_VALUES = ("recipe-db-password-never-in-plan", "recipe-vendor-key-never-in-plan")
COPIED = ("modules", "rotator", "scripts")  # what a git source fetches and the modules read
IGNORED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "builds", "__pycache__")


def recipes() -> list[str]:
    return re.findall(r"^```hcl\n(.*?)^```", README.read_text(), re.M | re.S)


def module_names(block: str) -> list[str]:
    return re.findall(r'^module "([^"]+)"', block, re.M)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    checkout = tmp_path_factory.mktemp("checkout")
    for folder in COPIED:
        shutil.copytree(REPO_ROOT / folder, checkout / folder, symlinks=True, ignore=IGNORED)
    root = checkout / "stack"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "examples" / "custom-api-key" / "rotation", root / "rotation")
    (root / "global-bundle.pem").write_bytes(trustme.CA().cert_pem.bytes())
    (root / "versions.tf").write_text(
        (REPO_ROOT / "examples" / "api-key" / "versions.tf").read_text()
        + '\nprovider "aws" {\n  region = "eu-west-1"\n}\n'
    )
    used: set[str] = set()
    for index, block in enumerate(recipes(), start=1):
        used |= set(re.findall(r"\bvar\.(\w+)", block))
        # Relative, as a local source must be (an absolute path is fetched as a package of its
        # own, and the modules' ../ sources would leave it).
        local = SOURCE.sub(lambda m: json.dumps(f"../modules/{m.group(1)}"), block)
        (root / f"recipe_{index}.tf").write_text(local)
    missing = sorted(used - set(VARIABLES))
    assert not missing, f"README recipes use variables this test has no value for: {missing}"
    (root / "variables.tf").write_text(
        "".join(
            f'variable "{name}" {{\n  ephemeral = {str(name in EPHEMERAL).lower()}\n}}\n'
            for name in sorted(used)
        )
    )
    (root / "recipes.tfvars.json").write_text(
        json.dumps({name: VARIABLES[name] for name in sorted(used)})
    )
    return root


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness, stack: Path) -> tfharness.PlanSummary:
    return tf.plan(stack, stack / "recipes.tfvars.json")


def _environment(plan: tfharness.PlanSummary, module: str) -> dict[str, str]:
    function = plan.values[f"module.{module}.module.function.aws_lambda_function.this[0]"]
    variables: dict[str, str] = function["environment"][0]["variables"]
    return variables


def test_readme_has_the_five_recipes() -> None:
    names = [name for block in recipes() for name in module_names(block)]
    assert names == [
        "orders_billing_token",
        "orders_db_user",
        "orders_mysql_user",
        "deployer_access_key",
        "vendor_api_key",
    ]
    for block in recipes():
        assert SOURCE.search(block), "each recipe uses the placeholder source"


def test_every_recipe_plans_a_secret_and_its_rotation(plan: tfharness.PlanSummary) -> None:
    for block in recipes():
        for name in module_names(block):
            prefix = f"module.{name}.module.secret."
            assert f"{prefix}aws_secretsmanager_secret.this[0]" in plan.values, name
            assert f"{prefix}aws_secretsmanager_secret_rotation.this[0]" in plan.values, name
            assert plan.actions[f"{prefix}aws_secretsmanager_secret.this[0]"] == ["create"]


def test_own_service_token_is_generic_with_a_placeholder(plan: tfharness.PlanSummary) -> None:
    environment = _environment(plan, "orders_billing_token")
    assert environment["ROTATION_STRATEGY"] == "generic"
    assert environment["ROTATE_KEYS"] == "token"
    rotation = plan.values[
        "module.orders_billing_token.module.secret.aws_secretsmanager_secret_rotation.this[0]"
    ]
    assert rotation["rotation_rules"][0]["schedule_expression"] == "cron(0 2 ? * MON-FRI *)"


def test_postgres_user_runs_in_the_vpc_with_the_driver(plan: tfharness.PlanSummary) -> None:
    environment = _environment(plan, "orders_db_user")
    assert environment["ROTATION_STRATEGY"] == "postgres-single-user"
    assert environment["DATABASE_CA_BUNDLE"] == "/var/task/ca/database-ca-bundle.pem"
    function = plan.values["module.orders_db_user.module.function.aws_lambda_function.this[0]"]
    assert function["vpc_config"][0]["subnet_ids"] == VARIABLES["private_subnet_ids"]
    # No layer built beforehand: the module builds the pinned driver with pip during apply.
    layer = "module.orders_db_user.module.function.module.driver_layer[0]"
    assert f"{layer}.aws_lambda_layer_version.this" in plan.values
    assert f"{layer}.terraform_data.build" in plan.values


def test_mysql_user_runs_in_the_vpc_with_the_pymysql_layer(plan: tfharness.PlanSummary) -> None:
    environment = _environment(plan, "orders_mysql_user")
    assert environment["ROTATION_STRATEGY"] == "mysql-single-user"
    function = "module.orders_mysql_user.module.function"
    assert [a for a in plan.values if a.startswith(function) and "driver_layer" in a]


def test_iam_user_key_is_granted_on_that_user(plan: tfharness.PlanSummary) -> None:
    calls = plan.raw["configuration"]["root_module"]["module_calls"]
    expressions = calls["deployer_access_key"]["expressions"]
    assert expressions["rotation_strategy"]["constant_value"] == "iam-access-key"
    references = expressions["iam_user_arns"]["references"]
    assert "aws_iam_user.deployer.arn" in references
    # The wrapper binds the user to its secret in the function's configuration
    # (IAM_USER_BINDINGS, with the secret's ARN: the environment is known after apply).
    function = calls["deployer_access_key"]["module"]["module_calls"]["function"]
    assert function["expressions"]["iam_user_bindings"]["references"] == ["local.iam_user_bindings"]
    grant = plan.values[
        "module.deployer_access_key.module.function.data.aws_iam_policy_document.iam_access_keys[0]"
    ]
    assert grant["statement"][0]["resources"] == [tfharness.UNKNOWN], "the one user's ARN"
    assert "aws_iam_user.deployer" in plan.values


def test_third_party_key_uses_the_custom_strategy(plan: tfharness.PlanSummary) -> None:
    environment = _environment(plan, "vendor_api_key")
    assert environment["ROTATION_STRATEGY"] == "custom"
    assert environment["CUSTOM_STRATEGY"] == "api_key_service:ServiceApiKey"


def test_no_initial_value_reaches_the_plan(plan: tfharness.PlanSummary) -> None:
    text = json.dumps(plan.raw)
    for value in (*SECRET_VALUES, "replaced-by-the-first-rotation"):
        assert value not in text
