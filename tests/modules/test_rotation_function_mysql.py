"""Plan tests of modules/rotation-function with the MySQL strategies (the PyMySQL layer, the
settings they read, what plan refuses) and of examples/mysql-rds-multi-user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tfharness
from planhelpers import statements

SUITE = Path(__file__).parent / "rotation_function_mysql"
MASTERS = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/mysql-master-AbCdEf,"
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:other/mysql-master-??????"
)


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(SUITE / "fixture")


def _environment(plan: tfharness.PlanSummary, module: str) -> dict[str, str]:
    function = plan.values[f"module.{module}.aws_lambda_function.this[0]"]
    variables: dict[str, str] = function["environment"][0]["variables"]
    return variables


def test_mysql_strategies_get_the_pymysql_layer(plan: tfharness.PlanSummary) -> None:
    assert plan.counts["aws_lambda_layer_version"] == 2
    layer = plan.values["module.single.aws_lambda_layer_version.driver[0]"]
    assert layer["layer_name"] == "orders-mysql-rotation-pymysql"
    assert "scripts/layers/mysql.txt" in layer["description"]
    archive = plan.values["module.single.archive_file.driver_layer[0]"]
    assert archive["output_path"].endswith("orders-mysql-rotation-mysql-layer.zip")
    assert archive["source_dir"].endswith("stand_in_layer")


def test_settings_reach_the_function(plan: tfharness.PlanSummary) -> None:
    single, multi = _environment(plan, "single"), _environment(plan, "multi")
    assert single["ROTATION_STRATEGY"] == "mysql-single-user"
    assert single["MYSQL_DUAL_PASSWORD"] == "true"
    assert single["PG_CA_BUNDLE"] == "/opt/certs/global-bundle.pem"
    assert "MASTER_SECRET_ARNS" not in single
    assert multi["MASTER_SECRET_ARNS"] == MASTERS
    assert "MYSQL_DUAL_PASSWORD" not in multi
    # AWS's MySQL templates exclude /@"'\ ; the MySQL strategies add ":" (URIs, Go's DSN).
    assert sorted(single["EXCLUDE_CHARACTERS"]) == sorted(":/@\"'\\")
    assert sorted(multi["EXCLUDE_CHARACTERS"]) == sorted(":/@\"'\\")


def test_multi_user_may_read_exactly_its_master_secrets(plan: tfharness.PlanSummary) -> None:
    policy = statements(plan.values["module.multi.aws_iam_role_policy.this[0]"]["policy"])
    assert policy["ReadMasterSecrets"].resources == set(MASTERS.split(","))
    single = statements(plan.values["module.single.aws_iam_role_policy.this[0]"]["policy"])
    assert "ReadMasterSecrets" not in single


@pytest.fixture(scope="module")
def setup_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SUITE / "invalid_setup")


def test_missing_layer_fails_plan_naming_the_mysql_layer(
    setup_failure: tfharness.PlanFailure,
) -> None:
    error = setup_failure.assert_error(r"layer-never-built holds none")
    assert "mysql driver layer" in error.detail
    assert "scripts/build_layer.py mysql" in error.detail
    assert "python/pymysql/" in error.detail


def test_multi_user_without_master_secret_fails_plan(setup_failure: tfharness.PlanFailure) -> None:
    setup_failure.assert_error(r'"mysql-multi-user" logs in as an administrator')


def test_dual_password_with_multi_user_fails_plan(setup_failure: tfharness.PlanFailure) -> None:
    setup_failure.assert_error(
        r'mysql_dual_password applies to rotation_strategy = "mysql-single-user" only',
        'module "dual_password_multi"',
    )


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mysql-rds-multi-user"
EXAMPLE_VARS = Path(__file__).parent / "examples" / "mysql-rds-multi-user" / "defaults.tfvars"


@pytest.fixture(scope="module")
def example(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(EXAMPLE, EXAMPLE_VARS)


def test_example_plans_in_one_apply_with_every_arn_unknown(
    example: tfharness.PlanSummary,
) -> None:
    values = example.values
    instance = values["aws_db_instance.this"]
    assert instance["manage_master_user_password"] is True
    assert (instance["engine"], instance["port"]) == ("mysql", 3306)
    assert values["module.function.aws_lambda_layer_version.driver[0]"]["layer_name"] == (
        "example-orders-mysql-app-rotation-pymysql"
    )
    assert "module.function.aws_iam_role_policy.rds_managed_master[0]" in values
    calls = example.raw["configuration"]["root_module"]["module_calls"]
    expressions = calls["function"]["expressions"]
    assert expressions["rotation_strategy"]["constant_value"] == "mysql-multi-user"
    assert "aws_db_instance.this.arn" in expressions["rds_managed_master"]["references"]
    assert "local.master_secret.secret_arn" in expressions["master_secret_arns"]["references"]
    assert "initial-password-never-in-plan" not in json.dumps(example.raw)
    version = values["module.secret.aws_secretsmanager_secret_version.initial_value[0]"]
    assert version["secret_string_wo"] is None
    rotation = values["module.secret.aws_secretsmanager_secret_rotation.this[0]"]
    assert rotation["rotate_immediately"] is False


SINGLE_EXAMPLE = EXAMPLE.parent / "mysql"
SINGLE_EXAMPLE_VARS = Path(__file__).parent / "examples" / "mysql" / "defaults.tfvars"


@pytest.fixture(scope="module")
def single_example(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(SINGLE_EXAMPLE, SINGLE_EXAMPLE_VARS)


def test_single_user_example_rotates_with_the_pymysql_layer_and_no_password_in_plan(
    single_example: tfharness.PlanSummary,
) -> None:
    function = single_example.values["module.function.aws_lambda_function.this[0]"]
    variables = function["environment"][0]["variables"]
    assert variables["ROTATION_STRATEGY"] == "mysql-single-user"
    assert "MASTER_SECRET_ARNS" not in variables
    assert single_example.counts["aws_lambda_layer_version"] == 1
    assert "initial-password-never-in-plan" not in json.dumps(single_example.raw)
    rotation = single_example.values["module.secret.aws_secretsmanager_secret_rotation.this[0]"]
    assert rotation["rotate_immediately"] is True
