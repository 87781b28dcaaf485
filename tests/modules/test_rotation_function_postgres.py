"""Plan tests of modules/rotation-function with the PostgreSQL strategies: the driver layer, its
precondition, PG_CA_BUNDLE, VPC settings, and read access to the master secret and its key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tfharness
from planhelpers import ACCOUNT, REGION, statements

SUITE = Path(__file__).parent / "rotation_function_postgres"
MASTER = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/master-AbCdEf"
MASTER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(SUITE / "fixture")


def test_postgres_strategies_get_the_driver_layer_and_generic_does_not(
    plan: tfharness.PlanSummary,
) -> None:
    assert plan.counts["aws_lambda_layer_version"] == 3, "single, multi and composed"
    assert plan.counts["archive_file"] == 7, "4 function zips and 3 layer zips"
    single = plan.values["module.single.aws_lambda_layer_version.driver[0]"]
    assert single["layer_name"] == "orders-db-rotation-pg8000"
    assert single["compatible_runtimes"] == ["python3.12"]
    assert sorted(single["compatible_architectures"]) == ["arm64", "x86_64"]
    multi = plan.values["module.multi.aws_lambda_layer_version.driver[0]"]
    assert multi["compatible_runtimes"] == ["python3.13"]
    assert (
        plan.values["module.single.aws_lambda_function.this[0]"]["layers"] == "(known after apply)"
    )
    assert plan.values["module.generic.aws_lambda_function.this[0]"]["layers"] == []
    assert not [a for a in plan.values if a.startswith("module.generic.") and "driver" in a]


def test_layer_zip_leaves_out_bytecode_and_fixes_file_modes(plan: tfharness.PlanSummary) -> None:
    archive = plan.values["module.single.archive_file.driver_layer[0]"]
    assert archive["output_file_mode"] == "0644"
    assert set(archive["excludes"]) == {"**/__pycache__", "**/__pycache__/**", "**/*.pyc"}
    assert archive["source_dir"].endswith("stand_in_layer")
    layer_version = plan.values["module.single.aws_lambda_layer_version.driver[0]"]
    assert layer_version["filename"] == archive["output_path"]
    # Written by the apply that publishes the layer, not by the plan.
    assert layer_version["source_code_hash"] == tfharness.UNKNOWN


def test_layer_archive_is_tied_to_the_layer_files_and_the_runtime(
    plan: tfharness.PlanSummary,
) -> None:
    # What replaces the layer's archive (replace_triggered_by): the digest of the files it packs
    # and the runtime, since a new runtime publishes a new layer version from the same zip.
    single = plan.values["module.single.terraform_data.driver_layer_inputs[0]"]["input"]
    multi = plan.values["module.multi.terraform_data.driver_layer_inputs[0]"]["input"]
    assert (single["runtime"], multi["runtime"]) == ("python3.12", "python3.13")
    assert single["files"] == multi["files"], "one directory, one digest"
    layer_inputs = [
        address for address in plan.values if ".terraform_data.driver_layer_inputs" in address
    ]
    assert len(layer_inputs) == 3, "one per layer"


def test_ca_bundle_reaches_the_function_as_pg_ca_bundle_only_when_set(
    plan: tfharness.PlanSummary,
) -> None:
    def environment(name: str) -> dict[str, str]:
        function = plan.values[f"module.{name}.aws_lambda_function.this[0]"]
        variables: dict[str, str] = function["environment"][0]["variables"]
        return variables

    assert environment("single")["PG_CA_BUNDLE"] == "/opt/certs/global-bundle.pem"
    assert environment("single")["ROTATION_STRATEGY"] == "postgres-single-user"
    assert "PG_CA_BUNDLE" not in environment("multi")
    assert environment("multi")["ROTATION_STRATEGY"] == "postgres-multi-user"


def test_a_ca_bundle_file_is_packed_and_named_and_masters_are_listed(
    plan: tfharness.PlanSummary,
) -> None:
    function = plan.values["module.multi.aws_lambda_function.this[0]"]
    variables = function["environment"][0]["variables"]
    assert variables["DATABASE_CA_BUNDLE"] == "/var/task/ca/database-ca-bundle.pem"
    assert variables["DATABASE_TLS_DEFAULT"] == "verify"
    assert variables["MASTER_SECRET_ARNS"] == (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/master-AbCdEf"
    )
    sources = plan.values["module.multi.archive_file.this[0]"]["source"]
    packed = {s["filename"]: s["content"] for s in sources}
    pem = (Path(__file__).parent / "rotation_function_postgres/fixture/test-ca.pem").read_text()
    assert packed["ca/database-ca-bundle.pem"] == pem
    # Given a CA bundle file, the rotator is packed file by file beside it (the provider does
    # not combine `source` blocks with source_dir); without one, from its directory.
    assert "rotator/handler.py" in packed
    assert plan.values["module.multi.archive_file.this[0]"]["source_dir"] is None
    single = plan.values["module.single.archive_file.this[0]"]
    assert (single["source"], Path(single["source_dir"]).name) == ([], "package")


def test_tls_fallbacks_raise_an_alarm_that_may_publish_to_the_topic(
    plan: tfharness.PlanSummary,
) -> None:
    """The alarm watches the metric the rotator writes (names compared, not restated)."""
    from rotator.strategies import database as rules  # noqa: PLC0415

    alarm = plan.values[
        "module.composed.module.function.aws_cloudwatch_metric_alarm.tls_fallback[0]"
    ]
    assert (alarm["namespace"], alarm["metric_name"]) == (
        rules.METRIC_NAMESPACE,
        rules.TLS_FALLBACK_METRIC,
    )
    assert alarm["dimensions"] == {"FunctionName": "orders-app-db-rotation"}
    assert alarm["threshold"] == 1
    key_policy = statements(plan.values["module.composed.aws_kms_key.notifications[0]"]["policy"])
    sources = key_policy["PublishFromThisAlarm"].conditions[("ArnEquals", "aws:SourceArn")]
    assert any(arn.endswith(":alarm:orders-app-db-rotation-tls-fallback") for arn in sources)
    assert "module.single.aws_cloudwatch_metric_alarm.tls_fallback[0]" not in plan.values


def test_postgres_strategies_exclude_the_colon_by_default(plan: tfharness.PlanSummary) -> None:
    # AWS's PostgreSQL templates exclude :/@"'\ and the generic one /@"'\ (REFERENCE.md).
    def excluded(address: str) -> str:
        function = plan.values[f"{address}.aws_lambda_function.this[0]"]
        value: str = function["environment"][0]["variables"]["EXCLUDE_CHARACTERS"]
        return value

    postgres = sorted(":/@\"'\\")
    assert sorted(excluded("module.single")) == postgres
    assert sorted(excluded("module.multi")) == postgres
    assert sorted(excluded("module.composed.module.function")) == postgres, "passed through"
    assert sorted(excluded("module.generic")) == sorted("/@\"'\\")


def test_clone_set_role_reaches_the_function_as_pg_clone_set_role_only_when_true(
    plan: tfharness.PlanSummary,
) -> None:
    def environment(address: str) -> dict[str, str]:
        function = plan.values[f"{address}.aws_lambda_function.this[0]"]
        variables: dict[str, str] = function["environment"][0]["variables"]
        return variables

    assert environment("module.multi")["PG_CLONE_SET_ROLE"] == "true"
    assert environment("module.composed.module.function")["PG_CLONE_SET_ROLE"] == "true"
    assert "PG_CLONE_SET_ROLE" not in environment("module.single"), "false: left unset"
    assert "PG_CLONE_SET_ROLE" not in environment("module.generic")


def test_vpc_settings_reach_the_function(plan: tfharness.PlanSummary) -> None:
    vpc = plan.values["module.single.aws_lambda_function.this[0]"]["vpc_config"]
    assert vpc[0]["subnet_ids"] == ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    assert vpc[0]["security_group_ids"] == ["sg-0123456789abcdef0"]
    policy = statements(plan.values["module.single.aws_iam_role_policy.this[0]"]["policy"])
    assert "CreateNetworkInterfacesInOwnSubnets" in policy


def test_master_secret_is_readable_only_and_its_key_only_through_secrets_manager(
    plan: tfharness.PlanSummary,
) -> None:
    policy = statements(plan.values["module.multi.aws_iam_role_policy.this[0]"]["policy"])
    read = policy["ReadMasterSecrets"]
    assert read.actions == {"secretsmanager:GetSecretValue"}
    assert read.resources == {MASTER}
    decrypt = policy["DecryptMasterSecretsThroughSecretsManager"]
    assert decrypt.actions == {"kms:Decrypt"}
    assert decrypt.resources == {MASTER_KEY}
    assert decrypt.conditions == {
        ("StringEquals", "kms:ViaService"): {f"secretsmanager.{REGION}.amazonaws.com"},
        ("StringLike", "kms:EncryptionContext:SecretARN"): {MASTER},
    }
    single = statements(plan.values["module.single.aws_iam_role_policy.this[0]"]["policy"])
    assert "ReadMasterSecrets" not in single
    assert "DecryptMasterSecretsThroughSecretsManager" not in single


def test_rds_managed_master_may_describe_its_secret_and_exactly_its_database(
    plan: tfharness.PlanSummary,
) -> None:
    cluster = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders"
    policy = statements(
        plan.values["module.multi.aws_iam_role_policy.rds_managed_master[0]"]["policy"]
    )
    assert set(policy) == {"DescribeRdsManagedMasterSecrets", "DescribeMasterDbClusters"}
    assert policy["DescribeRdsManagedMasterSecrets"].actions == {"secretsmanager:DescribeSecret"}
    assert policy["DescribeRdsManagedMasterSecrets"].resources == {MASTER}
    assert policy["DescribeMasterDbClusters"].actions == {"rds:DescribeDBClusters"}
    assert policy["DescribeMasterDbClusters"].resources == {cluster}
    assert not policy["DescribeMasterDbClusters"].conditions
    # The main policy still never describes the master secret; without the input, no policy.
    main = statements(plan.values["module.multi.aws_iam_role_policy.this[0]"]["policy"])
    assert all(
        "secretsmanager:DescribeSecret" not in s.actions for n, s in main.items() if "Master" in n
    )
    assert not [
        a for a in plan.values if "rds_managed_master" in a and not a.startswith("module.multi.")
    ]


def test_secret_rotation_passes_the_postgres_settings_to_its_function(
    plan: tfharness.PlanSummary,
) -> None:
    function = plan.values["module.composed.module.function.aws_lambda_function.this[0]"]
    variables = function["environment"][0]["variables"]
    assert variables["ROTATION_STRATEGY"] == "postgres-multi-user"
    assert variables["PG_CA_BUNDLE"] == "/opt/certs/global-bundle.pem"
    assert "module.composed.module.function.aws_lambda_layer_version.driver[0]" in plan.values
    policy = statements(
        plan.values["module.composed.module.function.aws_iam_role_policy.this[0]"]["policy"]
    )
    assert policy["ReadMasterSecrets"].resources == {MASTER}
    assert policy["DecryptMasterSecretsThroughSecretsManager"].resources == {MASTER_KEY}


@pytest.fixture(scope="module")
def setup_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SUITE / "invalid_setup")


def test_missing_layer_fails_plan_with_the_command_to_run(
    setup_failure: tfharness.PlanFailure,
) -> None:
    error = setup_failure.assert_error(r"layer-never-built holds none")
    assert error.summary == "Resource precondition failed"
    assert "`make layer`" in error.detail
    assert "postgres-single-user" in error.detail


def test_multi_user_without_master_secret_fails_plan(setup_failure: tfharness.PlanFailure) -> None:
    setup_failure.assert_error(r'"postgres-multi-user" logs in as an administrator')


def test_clone_set_role_without_multi_user_fails_plan(setup_failure: tfharness.PlanFailure) -> None:
    setup_failure.assert_error(
        r'database_clone_set_role applies to rotation_strategy = "postgres-multi-user" only',
        'module "clone_set_role_generic"',
    )


def test_master_key_without_master_secret_fails_plan(setup_failure: tfharness.PlanFailure) -> None:
    setup_failure.assert_error(
        r"master_kms_key_arns is set without master_secret_arns", 'module "key_without_master"'
    )


def test_rds_managed_master_without_master_secret_fails_plan(
    setup_failure: tfharness.PlanFailure,
) -> None:
    setup_failure.assert_error(
        r"rds_managed_master is set without master_secret_arns",
        'module "rds_without_master_secret"',
    )


@pytest.fixture(scope="module")
def input_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SUITE / "invalid_inputs")


@pytest.mark.parametrize(
    ("module", "pattern"),
    [
        ("relative_ca_bundle", r"database_ca_bundle must be an absolute path"),
        ("master_by_name", r"master_secret_arns must be a secret ARN"),
        ("master_key_alias", r"master_kms_key_arns must be a KMS key ARN"),
        ("rds_instance_by_name", r"db_instance_arns must be a DB instance ARN"),
        ("rds_without_database", r"rds_managed_master names no database"),
    ],
)
def test_malformed_inputs_fail_plan(
    input_failure: tfharness.PlanFailure, module: str, pattern: str
) -> None:
    input_failure.assert_error(pattern, f'module "{module}"')


def test_rds_managed_master_secret_names_are_accepted(input_failure: tfharness.PlanFailure) -> None:
    """RDS names its master secrets rds!db-<id>: "!" is not in the names users may choose."""
    errors = input_failure.errors_in('module "rds_without_database"')
    assert errors, "control: the module has an error of its own"
    assert not [
        e for e in errors if "master_secret_arns must be a secret ARN" in e.summary + e.detail
    ]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "postgres"
EXAMPLE_VARS = Path(__file__).parent / "examples" / "postgres" / "defaults.tfvars"


@pytest.fixture(scope="module")
def example(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(EXAMPLE, EXAMPLE_VARS)


def test_example_rotates_a_database_user_with_the_single_user_strategy(
    example: tfharness.PlanSummary,
) -> None:
    function = example.values["module.function.aws_lambda_function.this[0]"]
    variables = function["environment"][0]["variables"]
    assert variables["ROTATION_STRATEGY"] == "postgres-single-user"
    assert variables["EXCLUDE_CHARACTERS"] == "/@\"'\\:"
    assert "PG_CA_BUNDLE" not in variables
    assert example.counts["aws_lambda_layer_version"] == 1
    rotation = example.values["module.secret.aws_secretsmanager_secret_rotation.this[0]"]
    assert rotation["rotate_immediately"] is True
    assert rotation["rotation_rules"][0]["automatically_after_days"] == 30


def test_example_initial_password_stays_out_of_the_plan(example: tfharness.PlanSummary) -> None:
    assert "initial-password-never-in-plan" not in json.dumps(example.raw)
    version = example.values["module.secret.aws_secretsmanager_secret_version.initial_value[0]"]
    assert version["secret_string"] is None
    assert version["secret_string_wo"] is None
    assert version["secret_string_wo_version"] == 1


def test_example_grants_the_function_this_secret_only(example: tfharness.PlanSummary) -> None:
    grant = example.values["module.secret.data.aws_iam_policy_document.rotation[0]"]
    actions = {action for statement in grant["statement"] for action in statement["actions"]}
    assert {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    } <= actions
    policy = statements(example.values["module.function.aws_iam_role_policy.this[0]"]["policy"])
    assert set(policy) == {"WriteOwnLogs"}, "no master secret, no VPC by default"


RDS_EXAMPLE = EXAMPLE.parent / "postgres-rds-multi-user"
RDS_EXAMPLE_VARS = (
    Path(__file__).parent / "examples" / "postgres-rds-multi-user" / "defaults.tfvars"
)


@pytest.fixture(scope="module")
def rds_example(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(RDS_EXAMPLE, RDS_EXAMPLE_VARS)


def test_rds_example_plans_in_one_apply_with_every_arn_unknown(
    rds_example: tfharness.PlanSummary,
) -> None:
    """The database, its master secret's ARN and key are unknown at plan; the grants exist."""
    values = rds_example.values
    instance = values["aws_db_instance.this"]
    assert instance["manage_master_user_password"] is True
    assert instance["engine"] == "postgres"
    function = values["module.function.aws_lambda_function.this[0]"]
    # MASTER_SECRET_ARNS holds the master secret's ARN, unknown until apply, and the provider
    # plans a map with any unknown value as unknown: the environment is known after apply.
    assert function["environment"][0]["variables"] == tfharness.UNKNOWN
    assert "module.function.aws_iam_role_policy.rds_managed_master[0]" in values
    assert rds_example.counts["aws_iam_role_policy"] == 3, "main, rds-managed-master, the secret's"
    calls = rds_example.raw["configuration"]["root_module"]["module_calls"]
    expressions = calls["function"]["expressions"]
    assert "aws_db_instance.this.arn" in expressions["rds_managed_master"]["references"]
    assert "local.master_secret.secret_arn" in expressions["master_secret_arns"]["references"]
    assert "local.master_secret.kms_key_id" in expressions["master_kms_key_arns"]["references"]
    assert "initial-password-never-in-plan" not in json.dumps(rds_example.raw)
    rotation = values["module.secret.aws_secretsmanager_secret_rotation.this[0]"]
    assert rotation["rotate_immediately"] is False


def test_rds_example_database_has_what_production_needs(
    rds_example: tfharness.PlanSummary,
) -> None:
    """Examples are copied into production: the settings checkov asks of an RDS instance."""
    values = rds_example.values
    instance = values["aws_db_instance.this"]
    expected = {
        "deletion_protection": True,
        "multi_az": True,
        "auto_minor_version_upgrade": True,
        "copy_tags_to_snapshot": True,
        "iam_database_authentication_enabled": True,
        "performance_insights_enabled": True,
        "monitoring_interval": 60,
        "enabled_cloudwatch_logs_exports": ["postgresql", "upgrade"],
        "storage_encrypted": True,
        "publicly_accessible": False,
    }
    assert {key: instance[key] for key in expected} == expected
    parameters = {p["name"]: p["value"] for p in values["aws_db_parameter_group.this"]["parameter"]}
    assert parameters == {
        "rds.force_ssl": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "1000",
    }
    assert values["aws_db_parameter_group.this"]["family"] == "postgres16"
    attachment = values["aws_iam_role_policy_attachment.monitoring"]
    assert attachment["policy_arn"].endswith(":policy/service-role/AmazonRDSEnhancedMonitoringRole")
